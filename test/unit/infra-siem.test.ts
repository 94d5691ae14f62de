// infra/lib/siem.ts synthesized offline: feed/ notifications to SQS (and EventBridge), the SIEM reader's grants,
// the optional Security Lake custom sources; cdk-nag runs during synthesis and cfn-lint on the templates.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackNames } from '../../infra/lib/app.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const dirs: string[] = [];

function synth(context: Record<string, unknown>): { template: Template; json: Json; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'census-siem-'));
  dirs.push(outdir);
  // synthesis runs cdk-nag's AwsSolutions pack and throws on any finding not acknowledged
  const assembly = buildApp({ outdir, context: { payerAccountIds: '111111111111', ...context } }).app.synth();
  const json = assembly.getStackByName(stackNames.census).template as Json;
  return { template: Template.fromJSON(json), json, outdir };
}

const byType = (t: Json, type: string) => Object.entries(t.Resources as Record<string, Json>).filter(([, r]) => r.Type === type);
const statements = (t: Json, type: string): Json[] => byType(t, type).flatMap(([, r]) => (r.Properties.PolicyDocument ?? r.Properties.KeyPolicy).Statement as Json[]);
const feedBucket = (t: Json) => byType(t, 'AWS::S3::Bucket').find(([id]) => id.startsWith('StorageFeed'))!;

let plain: ReturnType<typeof synth>;
let full: ReturnType<typeof synth>;

// two full syntheses (bundling every Lambda, cdk-nag): the infra project's hook timeout applies
beforeAll(() => {
  plain = synth({});
  full = synth({ siemReader: 'arn:aws:iam::444455556666:role/splunk-reader', siemEventBridge: 'true', securityLake: '{"externalId":"census-ext","homeRegion":"eu-west-1"}' });
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SIEM delivery (infra/lib/siem.ts)', () => {
  it('the feed bucket announces objects created under feed/ on an encrypted, TLS-only queue with a dead-letter queue', () => {
    const [bucketId, bucket] = feedBucket(plain.json);
    const queueId = byType(plain.json, 'AWS::SQS::Queue').find(([, r]) => r.Properties.QueueName === 'census-feed-events')![0];
    expect(bucket.Properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [{ Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': [queueId, 'Arn'] }, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'feed/' }] } } }],
    });
    // S3 validates the destination when it takes the configuration: the queue policy must exist first
    // a queue has one policy: a second QueuePolicy on the same queue would replace the first
    const policies = byType(plain.json, 'AWS::SQS::QueuePolicy').filter(([, r]) => JSON.stringify(r.Properties.Queues).includes(`"${queueId}"`));
    expect(policies).toHaveLength(1);
    expect(bucket.DependsOn).toContain(policies[0]![0]);
    plain.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'census-feed-events',
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    const send = statements(plain.json, 'AWS::SQS::QueuePolicy').find((s) => s.Sid === 'FeedBucketSendsObjectCreated')!;
    expect(send).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } });
    expect(JSON.stringify(plain.json)).not.toContain('Custom::SecurityLakeCustomLogSource');
    expect(bucketId).toBeTruthy();
  });

  it('optionally to EventBridge too', () => {
    expect(feedBucket(plain.json)[1].Properties.NotificationConfiguration.EventBridgeConfiguration).toBeUndefined();
    expect(feedBucket(full.json)[1].Properties.NotificationConfiguration.EventBridgeConfiguration).toEqual({ EventBridgeEnabled: true });
  });

  it('the reader gets feed/ only, decrypt through S3 only, and the queue', () => {
    const reader = { AWS: 'arn:aws:iam::444455556666:role/splunk-reader' };
    const bucketPolicy = statements(full.json, 'AWS::S3::BucketPolicy').filter((s) => JSON.stringify(s.Principal) === JSON.stringify(reader));
    expect(bucketPolicy.map((s) => [s.Action, JSON.stringify(s.Resource), s.Condition ?? null])).toEqual([
      ['s3:GetObject', expect.stringContaining('/feed/*'), null],
      ['s3:ListBucket', expect.not.stringContaining('/'), { StringLike: { 's3:prefix': ['feed/*'] } }],
    ]);
    const key = statements(full.json, 'AWS::KMS::Key').filter((s) => JSON.stringify(s.Principal) === JSON.stringify(reader));
    expect(key).toEqual([expect.objectContaining({ Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:ViaService': expect.anything() } } })]);
    const queue = statements(full.json, 'AWS::SQS::QueuePolicy').filter((s) => JSON.stringify(s.Principal) === JSON.stringify(reader));
    expect(queue.flatMap((s) => s.Action).sort()).toEqual(['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage']);
    // without siemReader nobody outside the account is named
    expect(JSON.stringify(plain.json)).not.toContain('444455556666');
  });

  it('Security Lake: one custom source per OCSF class; the processors stage, the scheduled compaction assumes the provider roles', () => {
    const sources = byType(full.json, 'Custom::SecurityLakeCustomLogSource').map(([, r]) => JSON.parse(JSON.stringify(r.Properties.Create)) as Json);
    expect(sources).toHaveLength(3);
    const text = sources.map((s) => JSON.stringify(s)).join('\n');
    for (const cls of ['COMPLIANCE_FINDING', 'CLOUD_RESOURCES_INVENTORY_INFO', 'DEVICE_CONFIG_STATE_CHANGE']) expect(text).toContain(cls);
    expect(text).toContain('census-compliance-finding');
    expect(text).toContain('census-inventory-info');
    expect(text).toContain('census-config-change');
    expect(text).toContain('census-ext');
    full.template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'census-security-lake-crawler',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] },
    });
    const processor = byType(full.json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('Processor'))![1];
    const env = processor.Properties.Environment.Variables as Json;
    expect(env.CENSUS_SECURITY_LAKE_EXTERNAL_ID).toBe('census-ext');
    expect(env.CENSUS_SECURITY_LAKE_REGION).toBe('eu-west-1');
    expect(JSON.stringify(env.CENSUS_SECURITY_LAKE_SOURCES)).toMatch(/2003.*location.*roleArn.*5019.*5023/s);
    expect(JSON.stringify(env.CENSUS_SECURITY_LAKE_STAGING)).toContain('/lake-staging/');
    const policyOf = (rolePrefix: string) =>
      byType(full.json, 'AWS::IAM::Policy')
        .filter(([, r]) => JSON.stringify(r.Properties.Roles).includes(rolePrefix))
        .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Json[]);
    const actions = (s: Json) => ([] as string[]).concat(s.Action);
    // the processors write only below lake-staging/ of the feed bucket, and never into the lake
    expect(policyOf('ProcessorRole').filter((s) => actions(s).includes('sts:AssumeRole'))).toEqual([]);
    expect(policyOf('ProcessorRole').some((s) => actions(s).includes('s3:PutObject') && JSON.stringify(s.Resource).includes('/lake-staging/*'))).toBe(true);
    // the compaction: assumes the provider roles, deletes under lake-staging/ only, reads feed objects to tell delivered
    const compaction = policyOf('SiemLakeCompactionRole');
    const assume = compaction.filter((s) => actions(s).includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(JSON.stringify(assume[0]!.Resource)).toContain('source.provider.roleArn');
    const deletes = compaction.filter((s) => actions(s).includes('s3:DeleteObject'));
    expect(deletes.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('/lake-staging/*')]);
    expect(compaction.some((s) => actions(s).includes('s3:GetObject') && /feed-delivered\/\*/.test(JSON.stringify(s.Resource)))).toBe(true);
    const fn = byType(full.json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('SiemLakeCompaction'))![1];
    expect(fn.Properties.Environment.Variables).toMatchObject({ CENSUS_LAKE_MAX_WAIT_MINUTES: '60', CENSUS_LAKE_TARGET_MIB: '8', CENSUS_SECURITY_LAKE_REGION: 'eu-west-1' });
    full.template.hasResourceProperties('AWS::Scheduler::Schedule', { Name: 'census-lakecompaction', ScheduleExpression: 'rate(15 minutes)' });
    expect(JSON.stringify(plain.json)).not.toContain('CENSUS_SECURITY_LAKE');
    expect(byType(plain.json, 'AWS::Scheduler::Schedule').map(([, r]) => r.Properties.Name)).not.toContain('census-lakecompaction');
  });

  it("the compaction function's bundle loads in Node and exports its handler", () => {
    const fn = byType(full.json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('SiemLakeCompaction'))![1];
    expect(fn.Properties.Handler).toBe('index.compactHandler');
    const file = join(full.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
    const script = `const m = await import(${JSON.stringify(file)}); console.log(typeof m.compactHandler);`;
    // the Census settings a deployed function has: the handler module reads none of them at load time
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' } });
    expect(run.stdout.trim()).toBe('function');
  });

  it('cfn-lint reports nothing on either template', () => {
    for (const { outdir } of [plain, full]) {
      const run = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), outdir], { encoding: 'utf8' });
      expect(run.stdout + run.stderr).not.toMatch(/^[EW]\d{4}/m);
      expect(run.status).toBe(0);
    }
  });

  it('a bad context value fails synthesis naming the key', () => {
    expect(() => buildApp({ outdir: mkdtempSync(join(tmpdir(), 'census-siem-bad-')), context: { siemReader: 'splunk' } })).toThrow(/siemReader.*12-digit account id or an IAM role ARN/s);
  });
});
