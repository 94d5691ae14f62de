import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import type { AccountRecord, FindingRecord, InventoryRunRecord, PointerRecord, ResourceRecord } from '../../core/schemas.js';
import { identityHash } from '../../core/content.js';
import { runIndexId } from '../../opensearch/store.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { uniqueName } from '../helpers.js';
import { kinesisEvents, testIndexPrefix } from './processors-helpers.js';

const OWN = '111111111111';
const VENDOR = '999999999999';
const register = new URL('../fixtures/processors/register-broken.csv', import.meta.url).pathname;
const trusted = new URL('../fixtures/processors/trusted-accounts.csv', import.meta.url).pathname;

const s3 = new S3Client(s3Config());
const os = openSearchClient();
let deps: ProcessorDeps;
let prefix: string;
const pipelinePrefix = testIndexPrefix('p4pipe');
let feedBucket: string;
let deadLetterBucket: string;

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'payments-prod', email: 'p@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice', executive: 'carol', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};

function bucket(name: string, capturedAt: string, policy?: object, runId = 'run-1'): ResourceRecord {
  return {
    recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: name, arn: `arn:aws:s3:::${name}`, resourceName: name,
    awsAccountId: OWN, awsRegion: 'us-east-1', configuration: { name }, tags: { owner: 'alice' }, resourceCreationTime: null,
    supplementaryConfiguration: policy ? { BucketPolicy: { policyText: JSON.stringify(policy) } } : {},
    configurationItemCaptureTime: capturedAt, configurationItemStatus: 'OK', collector: 's3', runId, errors: [],
  };
}

const vendorPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${VENDOR}:root` }, Action: 's3:GetObject', Resource: '*' }] };

const finding: FindingRecord = {
  recordType: 'finding', schemaVersion: '1.0', findingId: 'ext-1', requirementId: 'CSS-S3-01', status: 'FAIL', severity: 'high', resourceType: 'AWS::S3::Bucket',
  resourceId: 'logs-bucket', resourceArn: 'arn:aws:s3:::logs-bucket', accountId: OWN, region: 'us-east-1', source: 'prowler', evidence: 'public', observedAt: '2026-11-24T09:00:00Z',
};

const event = kinesisEvents({ arrival: '2026-11-24T10:00:00Z', firstSequence: 1000 });

async function listAll(bucketName: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucketName }));
  for (const o of res.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: bucketName, Key: o.Key! }));
    out.set(o.Key!, createHash('sha256').update(await body.Body!.transformToByteArray()).digest('hex'));
  }
  return out;
}

/** Every stored document but the searchable dead-letter copies (they carry the time they were dead-lettered). */
async function allDocs(): Promise<Record<string, unknown>[]> {
  await os.indices.refresh({ index: `${prefix}-*` });
  const res = await os.search({ index: `${prefix}-*,-${prefix}-dead-letters*`, body: { size: 1000, version: true, sort: [{ _id: 'asc' }], query: { match_all: {} } } });
  return (res.body.hits.hits as Record<string, unknown>[]).map(({ _index, _id, _version, _source }) => ({ _index, _id, _version, _source }));
}

async function getDoc(index: string, id: string) {
  const res = await os.get({ index, id }, { ignore: [404] });
  return res.body as { found: boolean; _source: Record<string, unknown>; _version: number };
}

beforeAll(async () => {
  prefix = pipelinePrefix;
  feedBucket = uniqueName('p4-feed');
  deadLetterBucket = uniqueName('p4-dlq');
  await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: deadLetterBucket }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
  const config = loadConfig({ feedBucket, deadLetterBucket, indexPrefix: prefix, exceptions: register, trustedAccounts: trusted }, {});
  deps = await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 });
  // the fixture register names CSS-S3-01, which must be in the catalog for the row to apply
  expect(deps.catalog.requirements.length).toBeGreaterThan(0);
});

describe('processing pipeline (moto + OpenSearch)', () => {
  it('dead-letters a poison record while the rest of its batch lands, enriched', async () => {
    const ev = event([bucket('b-trusting', '2026-11-24T09:00:00Z', vendorPolicy), '{"recordType": "resource", broken', { recordType: 'nope' }, account, finding]);
    const res = await handleEvent(ev, deps);
    expect(res.batchItemFailures).toEqual([]);

    const dlq = await s3.send(new ListObjectsV2Command({ Bucket: deadLetterBucket }));
    expect(dlq.Contents?.map((o) => o.Key).sort()).toEqual(
      [ev.Records[1]!, ev.Records[2]!].map((r) => `dead-letter/validate/dt=2026-11-24/shardId-000000000000-${r.kinesis.sequenceNumber}.json`),
    );
    const entry = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: deadLetterBucket, Key: dlq.Contents![0]!.Key! }))).Body!.transformToString());
    expect(entry).toMatchObject({ stage: 'validate', shardId: 'shardId-000000000000', sequenceNumber: ev.Records[1]!.kinesis.sequenceNumber, original: ev.Records[1]!.kinesis.data });
    expect(entry.reason).toMatch(/not valid JSON/);

    const names = indexNames(prefix);
    const resource = await getDoc(names.resourceFamily('AWS::S3::Bucket'), 'arn:aws:s3:::b-trusting');
    expect(resource._source).toMatchObject({
      account: { name: 'payments-prod', owner: 'alice', inOrganization: true },
      trustedAccounts: [{ accountId: VENDOR, classification: 'known', name: 'Acme Backup', approved: true, via: 'principal', policy: 'supplementaryConfiguration.BucketPolicy.policyText' }],
      public: false,
    });
    expect(resource._version).toBe(Date.parse('2026-11-24T09:00:00Z'));
    // the register's good row applies although other rows are broken
    const f = await getDoc(names.findings, 'ext-1');
    expect(f._source.exception).toMatchObject({ exceptionId: 'EX-1', active: true });
    const vendorDoc = await getDoc(names.trustedAccounts, VENDOR);
    expect(vendorDoc._source).toMatchObject({ accountId: VENDOR, classification: 'known', resourceCount: 1, resources: [{ arn: 'arn:aws:s3:::b-trusting' }] });
    // per-record checks of the standard ran on the resource
    const checks = await os.search({ index: names.findings, body: { query: { term: { resourceId: 'b-trusting' } } } });
    expect((checks.body.hits.total as { value: number }).value).toBeGreaterThan(0);
    const latest = await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: s3Keys.latestResource(OWN, 'AWS::S3::Bucket', 'arn:aws:s3:::b-trusting') }));
    expect(JSON.parse(await latest.Body!.transformToString())).toMatchObject({ arn: 'arn:aws:s3:::b-trusting', account: { inOrganization: true } });
  });

  it('replaying the same batch twice leaves identical documents and objects', async () => {
    const ev = event([bucket('b-replay', '2026-11-24T09:10:00Z', vendorPolicy), { ...finding, findingId: 'ext-2' }, 'garbage']);
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    const docs = await allDocs();
    const feed = await listAll(feedBucket);
    const dlq = await listAll(deadLetterBucket);
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    expect(await allDocs()).toEqual(docs);
    expect(await listAll(feedBucket)).toEqual(feed);
    expect(await listAll(deadLetterBucket)).toEqual(dlq);
  });

  it('an older copy arriving after a newer one changes nothing', async () => {
    await handleEvent(event([bucket('b-order', '2026-11-24T09:30:00Z')]), deps);
    const names = indexNames(prefix);
    const before = await getDoc(names.resourceFamily('AWS::S3::Bucket'), 'arn:aws:s3:::b-order');
    const latestKey = s3Keys.latestResource(OWN, 'AWS::S3::Bucket', 'arn:aws:s3:::b-order');
    const latestBefore = await (await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: latestKey }))).Body!.transformToString();
    // the older copy still trusts the vendor: neither the resource nor the trust map may go back to it
    const res = await handleEvent(event([bucket('b-order', '2026-11-24T09:20:00Z', vendorPolicy)]), deps);
    expect(res.batchItemFailures).toEqual([]);
    const after = await getDoc(names.resourceFamily('AWS::S3::Bucket'), 'arn:aws:s3:::b-order');
    expect(after).toEqual(before);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: latestKey }))).Body!.transformToString()).toBe(latestBefore);
    const vendorDoc = await getDoc(names.trustedAccounts, VENDOR);
    expect((vendorDoc._source.resources as { arn: string }[]).map((r) => r.arn)).not.toContain('arn:aws:s3:::b-order');
  });

  it('keeps the newest of two copies of one resource in the same batch, whatever their order', async () => {
    const res = await handleEvent(event([bucket('b-twice', '2026-11-24T09:50:00Z'), bucket('b-twice', '2026-11-24T09:45:00Z', vendorPolicy)]), deps);
    expect(res.batchItemFailures).toEqual([]);
    const doc = await getDoc(indexNames(prefix).resourceFamily('AWS::S3::Bucket'), 'arn:aws:s3:::b-twice');
    expect(doc._source.configurationItemCaptureTime).toBe('2026-11-24T09:50:00Z');
    const latest = await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: s3Keys.latestResource(OWN, 'AWS::S3::Bucket', 'arn:aws:s3:::b-twice') }));
    expect(JSON.parse(await latest.Body!.transformToString()).configurationItemCaptureTime).toBe('2026-11-24T09:50:00Z');
    const vendorDoc = await getDoc(indexNames(prefix).trustedAccounts, VENDOR);
    expect((vendorDoc._source.resources as { arn: string }[]).map((r) => r.arn)).not.toContain('arn:aws:s3:::b-twice');
  });

  it('drops a resource from the trusted-accounts document once its policy stops trusting the account', async () => {
    await handleEvent(event([bucket('b-untrust', '2026-11-24T09:00:00Z', vendorPolicy)]), deps);
    const names = indexNames(prefix);
    let doc = await getDoc(names.trustedAccounts, VENDOR);
    expect((doc._source.resources as { arn: string }[]).map((r) => r.arn)).toContain('arn:aws:s3:::b-untrust');
    await handleEvent(event([bucket('b-untrust', '2026-11-24T09:40:00Z')]), deps);
    doc = await getDoc(names.trustedAccounts, VENDOR);
    expect((doc._source.resources as { arn: string }[]).map((r) => r.arn)).not.toContain('arn:aws:s3:::b-untrust');
  });

  it('follows pointer records and dead-letters one whose object does not match', async () => {
    const big = bucket('b-pointer', '2026-11-24T09:00:00Z');
    const body = Buffer.from(JSON.stringify(big));
    const sha256 = createHash('sha256').update(body).digest('hex');
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.oversize(sha256), Body: body }));
    const pointer: PointerRecord = { recordType: 'pointer', schemaVersion: '1.0', bucket: feedBucket, key: s3Keys.oversize(sha256), bytes: body.length, sha256, pointsTo: 'resource' };
    const tampered: PointerRecord = { ...pointer, sha256: '0'.repeat(64) };
    const ev = event([pointer, tampered]);
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    expect((await getDoc(indexNames(prefix).resourceFamily('AWS::S3::Bucket'), big.arn)).found).toBe(true);
    const entry = JSON.parse(
      await (await s3.send(new GetObjectCommand({ Bucket: deadLetterBucket, Key: `dead-letter/pointer/dt=2026-11-24/shardId-000000000000-${ev.Records[1]!.kinesis.sequenceNumber}.json` }))).Body!.transformToString(),
    );
    expect(entry.reason).toMatch(/sha256 .* does not match 0{64}/);
  });

  it('marks resources unseen by a complete scope of an inventory run as deleted (not those of a failed scope), and a later capture revives them', async () => {
    const region = 'eu-west-3';
    const old = { ...bucket('b-gone', '2026-11-24T08:00:00Z', vendorPolicy, 'run-old'), awsRegion: region };
    const kept = { ...bucket('b-kept', '2026-11-24T09:05:00Z', undefined, 'run-new'), awsRegion: region };
    // an unchanged resource the new run saw but did not write again, and one of a scope that failed this run
    const unchanged = { ...bucket('b-unchanged', '2026-11-24T08:00:00Z', undefined, 'run-old'), awsRegion: region };
    const failedScope = { ...bucket('q-failed', '2026-11-24T08:00:00Z', undefined, 'run-old'), awsRegion: region, collector: 'sqs' };
    await handleEvent(event([old, kept, unchanged, failedScope]), deps);
    const run: InventoryRunRecord = {
      recordType: 'inventory-run', schemaVersion: '1.0', runId: 'run-new', accountId: OWN, complete: false,
      scopes: [{ collector: 's3', region, complete: true, resourceCount: 2 }, { collector: 'sqs', region, complete: false, resourceCount: 0 }],
      seen: [kept.arn, unchanged.arn].map(identityHash).sort(),
      errors: [{ collector: 'sqs', region, code: 'Throttling' }],
      startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:10:00Z',
    };
    const ev = event([run]);
    expect((await handleEvent(ev, deps)).batchItemFailures).toEqual([]);
    const names = indexNames(prefix);
    const gone = await getDoc(names.resourceFamily('AWS::S3::Bucket'), old.arn);
    expect(gone._source).toMatchObject({ configurationItemStatus: 'ResourceDeleted', deletedByRun: 'run-new' });
    expect((await getDoc(names.resourceFamily('AWS::S3::Bucket'), kept.arn))._source.configurationItemStatus).toBe('OK');
    expect((await getDoc(names.resourceFamily('AWS::S3::Bucket'), unchanged.arn))._source.configurationItemStatus).toBe('OK');
    expect((await getDoc(names.resourceFamily('AWS::S3::Bucket'), failedScope.arn))._source.configurationItemStatus).toBe('OK');
    // the ledger: one entry for the account's run, applied, with its counts and without indexing its `seen` list
    const ledger = await getDoc(names.inventoryRuns, runIndexId(run));
    expect(ledger._source).toMatchObject({ state: 'applied', markedDeleted: 1, resourceCount: 2, scopeCount: 2, completeScopes: 1, incompleteScopes: 1, errorCount: 1 });
    // an older run of the same account and collectors arriving late (resharding) is superseded: by its evidence
    // b-unchanged would be gone
    const late: InventoryRunRecord = { ...run, runId: 'run-late', seen: [identityHash(kept.arn)], errors: [], startedAt: '2026-11-24T08:30:00Z', finishedAt: '2026-11-24T08:40:00Z' };
    expect((await handleEvent(event([late]), deps)).batchItemFailures).toEqual([]);
    expect((await getDoc(names.resourceFamily('AWS::S3::Bucket'), unchanged.arn))._source.configurationItemStatus).toBe('OK');
    expect((await getDoc(names.inventoryRuns, runIndexId(late)))._source.state).toBe('superseded');
    const latest = await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: s3Keys.latestResource(OWN, 'AWS::S3::Bucket', 'arn:aws:s3:::b-gone') }));
    expect(JSON.parse(await latest.Body!.transformToString()).configurationItemStatus).toBe('ResourceDeleted');
    const vendorDoc = await getDoc(names.trustedAccounts, VENDOR);
    expect((vendorDoc._source.resources as { arn: string }[]).map((r) => r.arn)).not.toContain(old.arn);
    // replaying the run changes nothing; a newer capture brings the resource back
    const snapshot = await allDocs();
    await handleEvent(ev, deps);
    expect(await allDocs()).toEqual(snapshot);
    await handleEvent(event([{ ...old, configurationItemCaptureTime: '2026-11-24T10:00:00Z', runId: 'run-next' }]), deps);
    expect((await getDoc(names.resourceFamily('AWS::S3::Bucket'), old.arn))._source.configurationItemStatus).toBe('OK');
  });

  it('reports every record of the batch for redelivery when OpenSearch is down, and dead-letters nothing', async () => {
    const dead = { ...deps, opensearch: openSearchClient('http://127.0.0.1:9') };
    const ev = event([bucket('b-dead', '2026-11-24T09:00:00Z'), finding]);
    const res = await handleEvent(ev, dead);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(ev.Records.map((r) => r.kinesis.sequenceNumber));
  });
});
