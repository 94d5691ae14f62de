// No secret stored, end to end: secrets planted in moto in every field that can hold one (Lambda environment,
// ECS task definition environment and secrets, CloudFormation parameters and outputs, EC2
// user data, launch template user data, SSM SecureString and String parameters), then `census collect` into
// Kinesis, `census process` into OpenSearch, latest/ and the feed, and `census score` into workbooks, all as
// child processes logging at debug level. Every record in the stream, every OpenSearch document, every S3 object
// (feed, latest/, state, dead letters), every workbook cell and every log line is scanned for the planted values
// (plain and base64): none may appear. The standard's CSS-SEC-01 must still flag each one, naming the key.
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsCredentialIdentity } from '@smithy/types';
import ExcelJS from 'exceljs';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { repoRoot } from '../../platform/local-stack.js';
import { isRedacted } from '../../core/secrets.js';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';
import { createStream, readStream } from '../fixtures/collectors/stream.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';

const REGION = 'eu-west-1';
const SALT = 'integration-salt-0f3c9a1e';
const ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

const token = (n = 10) => randomBytes(n).toString('hex');
/** An access key ID shape (AKIA + 16 of A-Z0-9) unique to this run. */
const accessKeyId = () => `AKIA${randomBytes(16).toString('hex').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 16).padEnd(16, 'Q')}`;

/** Every value planted, by the field it went into. */
const planted = {
  lambdaPassword: `lambda-pw-${token()}`,
  lambdaKeyId: accessKeyId(),
  taskDefToken: `taskdef-tok-${token()}`,
  taskDefSecret: `taskdef-secret-${token()}`,
  cfnParameter: `cfn-param-${token()}`,
  cfnOutput: `cfn-out-${token()}`,
  userData: `userdata-pw-${token()}`,
  launchTemplate: `lt-pw-${token()}`,
  secureString: `ssm-secure-${token()}`,
  plainParameter: `ssm-plain-${token()}`,
};
const userDataScript = `#!/bin/bash\nexport DB_PASSWORD=${planted.userData}\n`;
const launchTemplateScript = `#!/bin/bash\nmysql --password=${planted.launchTemplate} -h db\n`;
/** What must not appear anywhere: the values, and the base64 forms the APIs carry user data in. */
const forbidden = [...Object.values(planted), Buffer.from(userDataScript).toString('base64'), Buffer.from(launchTemplateScript).toString('base64')];

const run = promisify(execFile);
async function census(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The planted values found in `text`, named. */
const leaks = (text: string) => forbidden.filter((v) => text.includes(v));

async function plantSecrets(accountId: string, credentials: AwsCredentialIdentity, tag: string) {
  const opts = { region: REGION, credentials };
  const role = (await new IAMClient(clientConfig({ credentials })).send(new GetRoleCommand({ RoleName: 'OrganizationAccountAccessRole' }))).Role!;
  await new LambdaClient(clientConfig(opts)).send(
    new CreateFunctionCommand({
      FunctionName: `${tag}-fn`,
      Runtime: 'python3.12',
      Role: role.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: ZIP },
      Environment: { Variables: { DB_PASSWORD: planted.lambdaPassword, LEGACY_KEY: planted.lambdaKeyId, STAGE: 'prod' } },
    }),
  );
  const ecs = new ECSClient(clientConfig(opts));
  await ecs.send(new CreateClusterCommand({ clusterName: `${tag}-apps` }));
  await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `${tag}-web`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: 'web',
            image: 'nginx:1.27',
            essential: true,
            environment: [{ name: 'API_TOKEN', value: planted.taskDefToken }, { name: 'LOG_LEVEL', value: 'info' }],
            secrets: [
              { name: 'DB_SECRET', valueFrom: planted.taskDefSecret },
              { name: 'DB_REF', valueFrom: `arn:aws:secretsmanager:${REGION}:${accountId}:secret:${tag}-db` },
            ],
          },
        ],
      }),
  );
  // (no RunTask: moto answers one with container overrides by an HTTP 500; the overrides path has a unit test)
  const ec2 = new EC2Client(clientConfig(opts));
  const template = {
    Parameters: { AdminPassword: { Type: 'String' } },
    Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${tag}-cfn-topic` } } },
    Outputs: { AdminPasswordEcho: { Value: { Ref: 'AdminPassword' } }, ServiceToken: { Value: planted.cfnOutput } },
  };
  await new CloudFormationClient(clientConfig(opts)).send(
    new CreateStackCommand({ StackName: `${tag}-stack`, TemplateBody: JSON.stringify(template), Parameters: [{ ParameterKey: 'AdminPassword', ParameterValue: planted.cfnParameter }] }),
  );
  const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!;
  await ec2.send(
    new RunInstancesCommand({ ImageId: ami.ImageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', UserData: Buffer.from(userDataScript).toString('base64') }),
  );
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${tag}-lt`,
      LaunchTemplateData: { ImageId: ami.ImageId, InstanceType: 't3.micro', UserData: Buffer.from(launchTemplateScript).toString('base64') },
    }),
  );
  const ssm = new SSMClient(clientConfig(opts));
  await ssm.send(new PutParameterCommand({ Name: `/${tag}/db/password`, Type: 'SecureString', Value: planted.secureString }));
  await ssm.send(new PutParameterCommand({ Name: `/${tag}/api/key`, Type: 'String', Value: planted.plainParameter }));
}

async function objectsOf(s3: S3Client, bucket: string): Promise<{ key: string; text: string }[]> {
  const out: { key: string; text: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const bytes = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
      out.push({ key: o.Key!, text: (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8') });
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

async function workbookText(path: string): Promise<string> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const parts: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((cell) => parts.push(typeof cell.value === 'object' ? JSON.stringify(cell.value) : String(cell.value)))));
  return parts.join('\n');
}

describe('no secret stored: planted secrets in every field, through collect, process and score', () => {
  const prefix = testIndexPrefix('secrets');
  const feedBucket = uniqueName('sec-feed');
  const deadLetterBucket = uniqueName('sec-dlq');
  const stream = uniqueName('sec-stream');
  const tag = `s${Date.now().toString(36)}`;
  let org: TestOrg;
  let member: string;
  let streamRecords: unknown[];
  let logs: string;
  let resources: ResourceRecord[];
  const env = () => ({
    CENSUS_FEED_BUCKET: feedBucket,
    CENSUS_DEAD_LETTER_BUCKET: deadLetterBucket,
    CENSUS_INDEX_PREFIX: prefix,
    CENSUS_STREAM_NAME: stream,
    CENSUS_REDACTION_SALT: SALT,
    // every log line there is, so the scan covers them all
    CENSUS_LOG_LEVEL: 'trace',
    CENSUS_AWS_MAX_ATTEMPTS: '2',
  });

  beforeAll(async () => {
    const s3 = new S3Client(s3Config());
    await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: deadLetterBucket }));
    await createStream(stream, 2);
    org = await buildOrg(1);
    member = org.members[0]!.accountId;
    await plantSecrets(member, await credentialsFor(member), tag);
    const collect = await census(
      env(),
      'collect',
      '--payers',
      org.payerId,
      '--audit-role',
      'CensusAudit',
      '--regions',
      REGION,
      '--collectors',
      'lambda,ecs,cloudformation,ec2,ssm',
    );
    expect(collect.stderr).not.toMatch(/^Error/m);
    streamRecords = (await readStream(stream)).map((e) => e.data);
    const processed = await census(env(), 'process', '--stream', stream, '--until', 'drained');
    expect(processed.code, processed.stderr.slice(-2000)).toBe(0);
    logs = [collect.stdout, collect.stderr, processed.stdout, processed.stderr].join('\n');
    resources = streamRecords.filter((r): r is ResourceRecord => (r as { recordType?: string }).recordType === 'resource');
  }, 600_000);

  it('collects every planted field, as markers (so the scan below is not vacuous)', () => {
    const of = (type: string) => resources.filter((r) => r.resourceType === type && r.awsAccountId === member);
    const fn = of('AWS::Lambda::Function').find((r) => r.resourceId === `${tag}-fn`)!;
    const vars = (fn.configuration.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(vars).sort()).toEqual(['DB_PASSWORD', 'LEGACY_KEY', 'STAGE']);
    expect(Object.values(vars).every(isRedacted)).toBe(true);
    expect(vars.DB_PASSWORD).toMatchObject({ redacted: 'hmac-sha256', length: planted.lambdaPassword.length });

    const td = of('AWS::ECS::TaskDefinition').find((r) => r.resourceName === `${tag}-web`)!;
    const container = (td.configuration.containerDefinitions as { environment: { name: string; value: unknown }[]; secrets: { name: string; valueFrom: unknown }[] }[])[0]!;
    expect(container.environment.map((e) => [e.name, isRedacted(e.value)])).toEqual([['API_TOKEN', true], ['LOG_LEVEL', true]]);
    expect(isRedacted(container.secrets.find((s) => s.name === 'DB_SECRET')!.valueFrom)).toBe(true);
    // a reference to Secrets Manager is kept: it says where the secret lives, not what it is
    expect(container.secrets.find((s) => s.name === 'DB_REF')!.valueFrom).toBe(`arn:aws:secretsmanager:${REGION}:${member}:secret:${tag}-db`);

    const stack = of('AWS::CloudFormation::Stack').find((r) => r.resourceName === `${tag}-stack`)!;
    expect((stack.configuration.Parameters as { ParameterKey: string; ParameterValue: unknown }[]).map((p) => [p.ParameterKey, isRedacted(p.ParameterValue)])).toEqual([['AdminPassword', true]]);
    expect((stack.configuration.Outputs as { OutputValue: unknown }[]).every((o) => isRedacted(o.OutputValue))).toBe(true);

    const instance = of('AWS::EC2::Instance').find((r) => isRedacted(r.supplementaryConfiguration.UserData))!;
    expect(instance.supplementaryConfiguration.UserData).toMatchObject({ length: Buffer.byteLength(userDataScript), looksSecret: 'line 2 sets DB_PASSWORD to a literal value' });
    const lt = of('AWS::EC2::LaunchTemplate').find((r) => r.resourceName === `${tag}-lt`)!;
    const versions = lt.supplementaryConfiguration.LaunchTemplateVersions as { LaunchTemplateData: { UserData: unknown } }[];
    expect(versions.length).toBeGreaterThan(0);
    for (const v of versions) expect(v.LaunchTemplateData.UserData).toMatchObject({ looksSecret: 'line 2 passes --password with a literal value' });

    const params = of('AWS::SSM::Parameter').map((r) => r.resourceId).sort();
    expect(params).toEqual([`/${tag}/api/key`, `/${tag}/db/password`]);
  });

  it('no planted value in any stream record', () => {
    expect(streamRecords.length).toBeGreaterThan(20);
    for (const r of streamRecords) expect(leaks(JSON.stringify(r)), JSON.stringify(r).slice(0, 200)).toEqual([]);
  });

  it('no planted value in any OpenSearch document, and a full-text query finds none', async () => {
    const os = openSearchClient();
    await os.indices.refresh({ index: `${prefix}-*` });
    const docs = (await os.search({ index: `${prefix}-*`, body: { query: { match_all: {} }, size: 10_000 } })).body.hits.hits;
    expect(docs.length).toBeGreaterThan(20);
    for (const d of docs) expect(leaks(JSON.stringify(d._source)), String(d._id)).toEqual([]);
    for (const value of forbidden) {
      const found = await os.search({ index: `${prefix}-*`, body: { query: { multi_match: { query: value, type: 'phrase', fields: ['*'], lenient: true } } } });
      expect(found.body.hits.hits.map((h) => h._id), value).toEqual([]);
    }
  });

  it('no planted value in any feed, latest/, state or dead-letter object', async () => {
    const s3 = new S3Client(s3Config());
    const objects = [...(await objectsOf(s3, feedBucket)), ...(await objectsOf(s3, deadLetterBucket))];
    expect(objects.some((o) => o.key.startsWith('latest/'))).toBe(true);
    expect(objects.some((o) => !o.key.startsWith('latest/') && !o.key.startsWith('state/'))).toBe(true);
    for (const o of objects) expect(leaks(o.text), o.key).toEqual([]);
  });

  it('no planted value in any log line of collect and process (at trace level)', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(leaks(logs)).toEqual([]);
  });

  it('the standard flags every planted field by its key, never its value; the scorecards hold none of them', async () => {
    const findings = streamRecords.filter((r): r is FindingRecord => (r as FindingRecord).recordType === 'finding' && (r as FindingRecord).requirementId === 'CSS-SEC-01');
    const fromOs = (
      await openSearchClient().search({ index: `${prefix}-findings*`, body: { query: { term: { requirementId: 'CSS-SEC-01' } }, size: 1000 } })
    ).body.hits.hits.map((h) => h._source as FindingRecord);
    const all = [...findings, ...fromOs];
    const failed = all.filter((f) => f.status === 'FAIL' && f.accountId === member);
    const evidence = failed.map((f) => f.evidence ?? '').join('\n');
    for (const key of ['Environment.Variables.DB_PASSWORD', 'Environment.Variables.LEGACY_KEY', 'environment[API_TOKEN].value', 'Parameters[AdminPassword].ParameterValue', 'supplementaryConfiguration.UserData', 'LaunchTemplateData.UserData']) {
      expect(evidence, key).toContain(key);
    }
    expect(leaks(JSON.stringify(all))).toEqual([]);

    // offline scorecards over those findings: no workbook cell holds a planted value
    const dir = mkdtempSync(join(tmpdir(), 'secrets-score-'));
    const accounts = JSON.parse((await objectsOf(new S3Client(s3Config()), feedBucket)).find((o) => o.key === 'state/accounts.json')!.text) as unknown[];
    writeFileSync(join(dir, 'accounts.json'), JSON.stringify(accounts));
    writeFileSync(join(dir, 'findings.ndjson'), fromOs.map((f: FindingRecord) => JSON.stringify(f)).join('\n') + '\n');
    const out = join(dir, 'out');
    const scored = await census(env(), 'score', '--input', dir, '--out', out, '--as-of', new Date().toISOString().slice(0, 10));
    expect(scored.code, scored.stderr.slice(-2000)).toBe(0);
    expect(leaks(scored.stdout + scored.stderr)).toEqual([]);
    const files = readdirSync(out, { recursive: true }).map(String);
    const workbooks = files.filter((f) => f.endsWith('.xlsx'));
    expect(workbooks.length).toBeGreaterThan(0);
    for (const f of workbooks) expect(leaks(await workbookText(join(out, f))), f).toEqual([]);
    for (const f of files.filter((x) => x.endsWith('.ndjson') || x.endsWith('.json'))) expect(leaks(readFileSync(join(out, f), 'utf8')), f).toEqual([]);
  }, 300_000);
});
