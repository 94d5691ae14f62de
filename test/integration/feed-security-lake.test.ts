// The processors' Security Lake output and the feed bucket's notifications, on the real local stack: a Kinesis
// batch through the Lambda handler lands OCSF Parquet in the Security Lake layout (read back with pyarrow and
// validated with py-ocsf-models), and every feed object it writes is announced on a real SQS queue in moto.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord, FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { repoRoot } from '../../platform/local-stack.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { uniqueName } from '../helpers.js';
import { kinesisEvents, testIndexPrefix } from './processors-helpers.js';

const OWN = '111111111111';
const s3 = new S3Client(s3Config());
const sqs = new SQSClient(clientConfig());
const prefix = testIndexPrefix('feedlake');
const feedBucket = uniqueName('lake-feed');
const deadLetterBucket = uniqueName('lake-dlq');
const lakeBucket = uniqueName('lake-sl');
let queueUrl: string;
let deps: ProcessorDeps;
const saved = { lake: process.env.CENSUS_SECURITY_LAKE, region: process.env.CENSUS_SECURITY_LAKE_REGION };

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'payments-prod', email: 'p@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice', executive: 'carol', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};
const bucket = (name: string): ResourceRecord => ({
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: name, arn: `arn:aws:s3:::${name}`, resourceName: name,
  awsAccountId: OWN, awsRegion: 'us-east-1', configuration: { name }, tags: { owner: 'alice' }, resourceCreationTime: null, supplementaryConfiguration: {},
  configurationItemCaptureTime: '2026-11-24T09:00:00Z', configurationItemStatus: 'OK', collector: 's3', runId: 'run-1', errors: [],
});
const user: ResourceRecord = {
  ...bucket('x'), resourceType: 'AWS::IAM::User', resourceId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${OWN}:user/ann`, resourceName: 'ann', awsRegion: 'global', collector: 'iam',
  configuration: { UserName: 'ann' },
};
const finding: FindingRecord = {
  recordType: 'finding', schemaVersion: '1.0', findingId: 'ext-lake-1', requirementId: 'CSS-S3-01', status: 'FAIL', severity: 'high', resourceType: 'AWS::S3::Bucket',
  resourceId: 'logs', resourceArn: 'arn:aws:s3:::logs', accountId: OWN, region: 'us-east-1', source: 'prowler', evidence: 'public', observedAt: '2026-11-24T09:30:00Z',
};

const event = kinesisEvents({ arrival: '2026-11-24T10:00:00Z', firstSequence: 5000 });

async function keys(bucketName: string, under = ''): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: under }));
  return (res.Contents ?? []).map((o) => o.Key!).sort();
}

async function download(bucketName: string, under: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'census-lake-s3-'));
  for (const key of await keys(bucketName, under)) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: key }))).Body!.transformToByteArray();
    const path = join(dir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }
  return dir;
}

function validate(dir: string): { files: number; rows: number; classes: Record<string, number>; errors: string[] } {
  try {
    return JSON.parse(execFileSync(join(repoRoot, '.stack/venv/bin/python'), [join(repoRoot, 'scripts/validate-ocsf-parquet.py'), dir, '--home-region', 'eu-west-1'], { encoding: 'utf8' }));
  } catch (err) {
    return JSON.parse((err as { stdout: string }).stdout);
  }
}

/** Every notification the queue holds (moto delivers them when the object is written). */
async function drain(): Promise<{ eventName: string; key: string }[]> {
  const out: { eventName: string; key: string }[] = [];
  for (let empty = 0; empty < 2; ) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    if (!res.Messages?.length) {
      empty++;
      continue;
    }
    for (const m of res.Messages) {
      const body = JSON.parse(m.Body!) as { Records?: { eventName: string; s3: { object: { key: string } } }[] };
      for (const r of body.Records ?? []) out.push({ eventName: r.eventName, key: decodeURIComponent(r.s3.object.key) });
    }
  }
  return out;
}

beforeAll(async () => {
  for (const b of [feedBucket, deadLetterBucket, lakeBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
  // what infra/lib/siem.ts deploys: object-created notifications for feed/ only, to the SIEM's queue
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('siem-feed') }))).QueueUrl!;
  const queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: feedBucket,
      NotificationConfiguration: { QueueConfigurations: [{ QueueArn: queueArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'feed/' }] } } }] },
    }),
  );
  await drain(); // moto's test event for the new configuration
  process.env.CENSUS_SECURITY_LAKE = `s3://${lakeBucket}/ext/`;
  process.env.CENSUS_SECURITY_LAKE_REGION = 'eu-west-1';
  deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket, indexPrefix: prefix }, {}), { refresh: true, accountListMaxAgeMs: 0 });
});

afterAll(() => {
  for (const [k, v] of [['CENSUS_SECURITY_LAKE', saved.lake], ['CENSUS_SECURITY_LAKE_REGION', saved.region]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('processors → Security Lake and SQS notifications (moto + OpenSearch)', () => {
  const ev = event([account, bucket('lake-a'), bucket('lake-b'), user, finding]);

  it('writes each landed resource, finding and change as valid OCSF Parquet in the Security Lake layout', async () => {
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    const objects = await keys(lakeBucket);
    expect(objects.length).toBeGreaterThan(0);
    for (const k of objects) expect(k).toMatch(/^ext\/census-(compliance-finding|inventory-info|config-change)\/region=[a-z0-9-]+\/accountId=\d{12}\/eventDay=\d{8}\/[0-9a-f]{20}-\d+\.parquet$/);
    // the IAM user is global: filed under the home region
    expect(objects.some((k) => k.startsWith(`ext/census-inventory-info/region=eu-west-1/accountId=${OWN}/eventDay=20261124/`))).toBe(true);
    expect(objects.some((k) => k.startsWith(`ext/census-inventory-info/region=us-east-1/accountId=${OWN}/eventDay=20261124/`))).toBe(true);

    const report = validate(await download(lakeBucket, 'ext/'));
    expect(report.errors).toEqual([]);
    expect(report.classes['5023']).toBe(3);
    // the change history: each resource seen for the first time was created (OCSF 5019)
    expect(report.classes['5019']).toBe(3);
    // the external finding plus the standard's own checks of the two buckets and the user
    const feedFindings = (await keys(feedBucket, 'feed/ocsf-finding/')).length;
    expect(feedFindings).toBeGreaterThan(0);
    expect(report.classes['2003']).toBeGreaterThan(1);
  });

  it('a replayed batch overwrites its Security Lake objects instead of adding new ones', async () => {
    const before = await keys(lakeBucket);
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    expect(await keys(lakeBucket)).toEqual(before);
    expect(validate(await download(lakeBucket, 'ext/')).classes['5023']).toBe(3);
  });

  it('every feed object written is announced on the SIEM queue, and nothing outside feed/', async () => {
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: 'state/not-for-siem.json', Body: '{}' }));
    const notes = await drain();
    const feedObjects = await keys(feedBucket, 'feed/');
    expect(feedObjects.length).toBeGreaterThan(0);
    expect(notes.every((n) => n.eventName.startsWith('ObjectCreated:'))).toBe(true);
    expect(notes.every((n) => n.key.startsWith('feed/'))).toBe(true);
    expect(new Set(notes.map((n) => n.key))).toEqual(new Set(feedObjects));
    // latest state and the account list were written to the same bucket, but are not announced
    expect(await keys(feedBucket, 'latest/')).not.toEqual([]);
  });
});
