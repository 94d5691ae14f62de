// The collector Lambda handlers (the contract infra's state machine calls) against moto and kinesalite, and an
// account whose audit role cannot be assumed.
import { identityHash } from '../../core/content.js';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { s3Keys } from '../../core/indexes.js';
import { parseRecord, type AccountRecord } from '../../core/schemas.js';
import { discoverHandler, inventoryHandler } from '../../collectors/lambda.js';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { inventoryAccount, sessionName } from '../../collectors/inventory.js';
import { MemorySink } from '../../collectors/producer.js';
import { loadCollectors } from '../../collectors/registry.js';
import { assumeRole, CallLimiter, newStats } from '../../collectors/runtime.js';
import { uniqueName } from '../helpers.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';
import { createStream, readStream } from '../fixtures/collectors/stream.js';

describe('collector Lambda handlers', () => {
  let org: TestOrg;
  let queueArn: string;
  const stream = uniqueName('lambda');
  const feedBucket = uniqueName('feed');
  const env = {
    CENSUS_STREAM_NAME: stream,
    CENSUS_FEED_BUCKET: feedBucket,
    CENSUS_DEAD_LETTER_BUCKET: uniqueName('dlq'),
    CENSUS_REGIONS: 'us-east-1',
    CENSUS_AUDIT_ROLE: 'CensusAudit',
  };

  beforeAll(async () => {
    const s3 = new S3Client(s3Config());
    await s3.send(new CreateBucketCommand({ Bucket: env.CENSUS_FEED_BUCKET }));
    await s3.send(new CreateBucketCommand({ Bucket: env.CENSUS_DEAD_LETTER_BUCKET }));
    await createStream(stream, 1);
    org = await buildOrg(1);
    Object.assign(process.env, env, { CENSUS_PAYERS: org.payerId });
    const sqs = new SQSClient(clientConfig({ credentials: await credentialsFor(org.members[0]!.accountId) }));
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'lambda-orders' }))).QueueUrl!;
    queueArn = `arn:aws:sqs:us-east-1:${org.members[0]!.accountId}:${url.split('/').pop()}`;
  });

  it('discoverHandler leaves the active accounts in S3 for the map (not in the state), streams every account record and keeps the list', async () => {
    const out = await discoverHandler({ runId: 'run-lambda' });
    expect(out.runId).toBe('run-lambda');
    expect(out).toMatchObject({ accountCount: 2, accountsKey: 'inventory-runs/accounts/run-lambda.json' });
    expect(out).not.toHaveProperty('accounts'); // the state payload carries no list that grows with the organization
    const listed = await new S3Client(s3Config()).send(new GetObjectCommand({ Bucket: feedBucket, Key: out.accountsKey }));
    const items = JSON.parse(await listed.Body!.transformToString()) as { accountId: string }[];
    expect(items.map((a) => a.accountId).sort()).toEqual([org.payerId, org.members[0]!.accountId].sort());
    expect(out.discovered).toBe(3);
    const accounts = (await readStream(stream)).map((e) => parseRecord(e.data)).filter((r): r is AccountRecord => r.recordType === 'account');
    expect(accounts.map((a) => a.accountId)).toContain(org.suspended);
    const stored = await new S3Client(s3Config()).send(new GetObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts }));
    expect((JSON.parse(await stored.Body!.transformToString()) as AccountRecord[]).length).toBe(3);
  });

  it('inventoryHandler runs one collector for one account and streams its records and run marker', async () => {
    const member = org.members[0]!.accountId;
    const out = await inventoryHandler({ runId: 'run-lambda', accountId: member, collector: 'sqs' });
    expect(out).toMatchObject({ collector: 'sqs', accountId: member, inventoried: true, resourcesByType: { 'AWS::SQS::Queue': 1 }, collectionErrors: 0 });
    const records = (await readStream(stream)).map((e) => parseRecord(e.data));
    expect(records.filter((r) => r.recordType === 'resource').map((r) => (r.recordType === 'resource' ? r.arn : ''))).toEqual([queueArn]);
    // the function's run record covers its one collector: it supersedes no run of the account's other collectors
    const runs = records.filter((r) => r.recordType === 'inventory-run');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: 'run-lambda', accountId: member, collectors: ['sqs'], complete: true, scopes: [{ collector: 'sqs', region: 'us-east-1', complete: true, resourceCount: 1 }], seen: [identityHash(queueArn)] });
  });

  it('inventoryHandler takes the collector from CENSUS_COLLECTOR and refuses a bad account ID', async () => {
    process.env.CENSUS_COLLECTOR = 'sqs';
    try {
      const out = await inventoryHandler({ accountId: org.payerId });
      expect(out).toMatchObject({ collector: 'sqs', accountId: org.payerId, inventoried: true });
    } finally {
      delete process.env.CENSUS_COLLECTOR;
    }
    await expect(inventoryHandler({ accountId: '12345', collector: 'sqs' })).rejects.toThrow(/event.accountId "12345" is not an account ID/);
  });
});

describe('role sessions', () => {
  it("name the collector, so the account's CloudTrail shows which collector asked", async () => {
    const credentials = await assumeRole({ accountId: '123456789014', roleName: 'CensusAudit', sessionName: sessionName('s3') });
    const me = await new STSClient(clientConfig({ credentials })).send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toBe('arn:aws:sts::123456789014:assumed-role/CensusAudit/census-s3');
  });
});

describe('an account whose audit role cannot be assumed', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env.AWS_ENDPOINT_URL_STS = saved.AWS_ENDPOINT_URL_STS;
    if (saved.AWS_ENDPOINT_URL_STS === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
    process.env.CENSUS_AWS_MAX_ATTEMPTS = saved.CENSUS_AWS_MAX_ATTEMPTS;
    if (saved.CENSUS_AWS_MAX_ATTEMPTS === undefined) delete process.env.CENSUS_AWS_MAX_ATTEMPTS;
  });

  it('yields one account-level collection error, no inventory, and a run record that lists the error', async () => {
    // moto lets AssumeRole into any account, so the failure comes from STS being unreachable: a real failed
    // AssumeRole call (connection refused), which takes the same path as AccessDenied does in AWS
    process.env.AWS_ENDPOINT_URL_STS = 'http://127.0.0.1:9';
    process.env.CENSUS_AWS_MAX_ATTEMPTS = '1';
    const sink = new MemorySink();
    const summary = await inventoryAccount({
      accountId: '123456789013',
      auditRole: 'CensusAudit',
      regions: ['us-east-1'],
      collectors: await loadCollectors(['s3', 'sqs']),
      sink,
      limiter: new CallLimiter({ overall: 4, perAccount: 2, perRegion: 2 }),
      stats: newStats(),
      observedAt: new Date().toISOString(),
      runId: 'run-unreachable',
    });
    expect(summary).toMatchObject({ inventoried: false, collectionErrors: 1, resourcesByType: {} });
    expect(sink.records).toHaveLength(2);
    // the run record says the account was not reached: the error is current while runs list it (it lands once)
    expect(sink.records[1]).toMatchObject({ recordType: 'inventory-run', runId: 'run-unreachable', complete: false, collectors: ['s3', 'sqs'], scopes: [], seen: [], errors: [{ region: null, collector: null, code: (sink.records[0] as { code: string }).code }] });
    expect(sink.records[0]).toMatchObject({
      recordType: 'collection-error',
      accountId: '123456789013',
      region: null,
      collector: null,
      runId: 'run-unreachable',
    });
    const message = (sink.records[0] as { message: string }).message;
    expect(message).toContain('account not inventoried: cannot assume arn:aws:iam::123456789013:role/CensusAudit');
  });
});
