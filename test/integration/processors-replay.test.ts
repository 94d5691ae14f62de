// A replay repairs enrichment in every state store, and the processor reloads a register only when it changed.
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import type { AccountRecord, ResourceRecord } from '../../core/schemas.js';
import { DepsCache, processorDeps, registerFingerprint } from '../../processors/deps.js';
import { processBatch } from '../../processors/pipeline.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';

const s3 = new S3Client(s3Config());
const os = openSearchClient();
const OWN = '111111111111';
const prefix = testIndexPrefix('p19replay');
let config: CensusConfig;

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'payments-prod', email: 'p@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice', executive: 'carol', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};
const table: ResourceRecord = {
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::DynamoDB::Table', resourceId: 'orders', arn: `arn:aws:dynamodb:eu-west-1:${OWN}:table/orders`,
  resourceName: 'orders', awsAccountId: OWN, awsRegion: 'eu-west-1', configuration: {}, supplementaryConfiguration: {}, tags: {}, resourceCreationTime: null,
  configurationItemCaptureTime: '2026-11-24T09:00:00Z', configurationItemStatus: 'OK', collector: 'dynamodb', errors: [],
};

beforeAll(async () => {
  config = loadConfig({ feedBucket: uniqueName('p19r-feed'), deadLetterBucket: uniqueName('p19r-dlq'), indexPrefix: prefix }, {});
  await s3.send(new CreateBucketCommand({ Bucket: config.feedBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: config.deadLetterBucket }));
});

describe('replay after an account-list fix', () => {
  it('corrects the enrichment in OpenSearch and latest/ alike, and adds no feed line', async () => {
    const raws = [{ data: Buffer.from(JSON.stringify(table)), shardId: 'shardId-000000000000', sequenceNumber: '1', arrivalTime: new Date('2026-11-24T10:00:00Z') }];
    // the account list is missing: the table is kept, flagged outside the organization
    await s3.send(new DeleteObjectCommand({ Bucket: config.feedBucket, Key: s3Keys.accounts }));
    const blind = await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 });
    expect((await processBatch(raws, blind)).failures).toEqual([]);
    const latestKey = s3Keys.latestResource(OWN, table.resourceType, table.arn);
    const read = async () => {
      const doc = await os.get({ index: indexNames(prefix).resourceFamily(table.resourceType), id: table.arn });
      const latest = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: config.feedBucket, Key: latestKey }))).Body!.transformToString());
      return { os: (doc.body._source as ResourceRecord).account, latest: (latest as ResourceRecord).account, version: doc.body._version };
    };
    const before = await read();
    expect(before.os).toMatchObject({ inOrganization: false });
    expect(before.latest).toMatchObject({ inOrganization: false });

    // the list is restored and the stream replayed: both stores take the corrected copy, the feed nothing more
    await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
    const fixed = await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 });
    const replay = await processBatch(raws, fixed);
    expect(replay).toMatchObject({ failures: [], landed: 0 });
    const after = await read();
    expect(after.os).toMatchObject({ inOrganization: true, name: 'payments-prod', owner: 'alice' });
    expect(after.latest).toEqual(after.os);
    expect(after.version).toBe(before.version);
  });
});

describe('registers in a long-lived processor', () => {
  it('are not reloaded while their ETag is unchanged, and are reloaded once it changes', async () => {
    const key = 'config/exceptions.csv';
    const csv = (id: string) => `exceptionId,accountId,requirementId,resourceId,reason,approvedBy,expiresAt\n${id},${OWN},CSS-S3-01,arn:aws:s3:::b,legacy,ciso,2099-01-01\n`;
    await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: key, Body: csv('E1') }));
    const withRegister = { ...config, exceptions: `s3://${config.feedBucket}/${key}` };
    const cache = new DepsCache(() => processorDeps(withRegister), () => registerFingerprint(withRegister, s3), 0);
    const first = await cache.get(1);
    // the TTL is 0: every call asks S3 for the ETag, none reloads
    for (let t = 2; t < 6; t++) expect(await cache.get(t)).toBe(first);
    expect(cache.builds).toBe(1);
    await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: key, Body: csv('E2') }));
    const second = await cache.get(10);
    expect(second).not.toBe(first);
    expect(cache.builds).toBe(2);
    expect(await cache.get(11)).toBe(second);
    expect(cache.builds).toBe(2);
  });
});
