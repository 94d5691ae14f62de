// Security Lake sizing on the real local stack: the processors stage each batch's OCSF events in the feed bucket,
// `census lake compact`'s compaction merges them into one Parquet object per class and partition, and every row
// reaches the lake exactly once across a second run, a replayed batch, a replay that stages an object again, and
// crashes between writing the merged object and deleting the staged ones. Rows are read back with pyarrow and
// validated with py-ocsf-models (classes 2003, 5019 and 5023).
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord, FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { compactLake, LOCK_LEASE_MS, type CompactionReport } from '../../feed/lake-compactor.js';
import { FEED_KEY_META } from '../../feed/lake-staging.js';
import { securityLakeWriterFromEnv } from '../../feed/security-lake-sink.js';
import { s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { repoRoot } from '../../platform/local-stack.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { uniqueName } from '../helpers.js';
import { kinesisEvents, testIndexPrefix } from './processors-helpers.js';

const OWN = '111111111111';
const s3 = new S3Client(s3Config());
const prefix = testIndexPrefix('lakecompact');
const feedBucket = uniqueName('lakec-feed');
const deadLetterBucket = uniqueName('lakec-dlq');
const lakeBucket = uniqueName('lakec-sl');
const STAGING = 'lake-staging/';
const ENV = ['CENSUS_SECURITY_LAKE', 'CENSUS_SECURITY_LAKE_REGION', 'CENSUS_SECURITY_LAKE_STAGING'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
let deps: ProcessorDeps;

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'payments-prod', email: 'p@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice', executive: 'carol', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};
const bucket = (name: string, at = '2026-11-24T09:00:00Z', configuration: Record<string, unknown> = { name }): ResourceRecord => ({
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: name, arn: `arn:aws:s3:::${name}`, resourceName: name,
  awsAccountId: OWN, awsRegion: 'us-east-1', configuration, tags: { owner: 'alice' }, resourceCreationTime: null, supplementaryConfiguration: {},
  configurationItemCaptureTime: at, configurationItemStatus: 'OK', collector: 's3', runId: 'run-1', errors: [],
});
const user: ResourceRecord = {
  ...bucket('x'), resourceType: 'AWS::IAM::User', resourceId: 'AIDAEXAMPLE', arn: `arn:aws:iam::${OWN}:user/ann`, resourceName: 'ann', awsRegion: 'global', collector: 'iam',
  configuration: { UserName: 'ann' },
};
const finding: FindingRecord = {
  recordType: 'finding', schemaVersion: '1.0', findingId: 'ext-lakec-1', requirementId: 'CSS-S3-01', status: 'FAIL', severity: 'high', resourceType: 'AWS::S3::Bucket',
  resourceId: 'logs', resourceArn: 'arn:aws:s3:::logs', accountId: OWN, region: 'us-east-1', source: 'prowler', evidence: 'public', observedAt: '2026-11-24T09:30:00Z',
};

const event = kinesisEvents({ arrival: '2026-11-24T12:00:00Z', firstSequence: 9000 });

async function listed(bucketName: string, under = ''): Promise<{ key: string; size: number; etag: string }[]> {
  const out: { key: string; size: number; etag: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: under, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, etag: o.ETag ?? '' });
    token = page.NextContinuationToken;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}
const keys = async (b: string, under = '') => (await listed(b, under)).map((o) => o.key);
/** staged objects proper: not the claims and tombstones beside them */
const stagedKeys = async () => (await keys(feedBucket, STAGING)).filter((k) => /^lake-staging\/\d+\//.test(k));

/** The lake as a consumer reads it: pyarrow + py-ocsf-models over every object, and every decoded row. */
async function readLake(): Promise<{ report: { files: number; rows: number; classes: Record<string, number>; errors: string[] }; rows: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'census-lakec-'));
  for (const { key } of await listed(lakeBucket, 'ext/')) {
    const body = await (await s3.send(new GetObjectCommand({ Bucket: lakeBucket, Key: key }))).Body!.transformToByteArray();
    mkdirSync(dirname(join(dir, 'lake', key)), { recursive: true });
    writeFileSync(join(dir, 'lake', key), body);
  }
  const dump = join(dir, 'rows.ndjson');
  let out: string;
  try {
    out = execFileSync(join(repoRoot, '.stack/venv/bin/python'), [join(repoRoot, 'scripts/validate-ocsf-parquet.py'), join(dir, 'lake'), '--home-region', 'eu-west-1', '--dump', dump], { encoding: 'utf8' });
  } catch (err) {
    out = (err as { stdout: string }).stdout;
  }
  const rows = readFileSync(dump, 'utf8').split('\n').filter(Boolean).map((l) => JSON.stringify((JSON.parse(l) as { row: unknown }).row));
  return { report: JSON.parse(out), rows };
}

function expectNoDuplicates(rows: string[]): void {
  const seen = new Map<string, number>();
  for (const r of rows) seen.set(r, (seen.get(r) ?? 0) + 1);
  expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
}

/** an S3 client on the same moto whose chosen calls fail: the process "crashes" at that step */
function crashingOn(fails: (command: string, input: { Key?: string; Body?: unknown }) => boolean): S3Client {
  const client = new S3Client(s3Config());
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (fails(context.commandName as string, args.input as { Key?: string; Body?: unknown })) throw new Error(`simulated crash at ${context.commandName}`);
      return next(args);
    },
    { step: 'initialize', name: 'simulatedCrash' },
  );
  return client;
}

const compact = (client = s3, opts: Parameters<typeof compactLake>[1] = {}) =>
  compactLake({ s3: client, writer: securityLakeWriterFromEnv(client)!, feedBucket }, { maxWaitMs: 0, ...opts });
const mergedObjects = (r: CompactionReport) => r.merged.flatMap((m) => m.objects);

beforeAll(async () => {
  for (const b of [feedBucket, deadLetterBucket, lakeBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
  process.env.CENSUS_SECURITY_LAKE = `s3://${lakeBucket}/ext/`;
  process.env.CENSUS_SECURITY_LAKE_REGION = 'eu-west-1';
  process.env.CENSUS_SECURITY_LAKE_STAGING = `s3://${feedBucket}/${STAGING}`;
  deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket, indexPrefix: prefix }, {}), { refresh: true, accountListMaxAgeMs: 0 });
});

afterAll(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('Security Lake compaction (moto + OpenSearch)', () => {
  const first = event([account, bucket('lakec-a'), bucket('lakec-b'), user, finding]);
  const second = event([bucket('lakec-a', '2026-11-24T10:00:00Z', { name: 'lakec-a', versioning: 'Enabled' }), bucket('lakec-c', '2026-11-24T10:00:00Z')]);
  let afterFirst: { key: string; size: number; etag: string }[];
  let rowsAfterFirst: number;
  let savedStaged: { key: string; body: Uint8Array; feedKey: string };

  it('stages small objects per batch, class and partition, and merges them into one Parquet object per class and partition', async () => {
    expect((await handleEvent(first, deps)).batchItemFailures).toEqual([]);
    expect((await handleEvent(second, deps)).batchItemFailures).toEqual([]);
    // nothing in the lake until compaction; staged objects carry the feed object they travel with
    expect(await keys(lakeBucket)).toEqual([]);
    const staged = await listed(feedBucket, STAGING);
    expect(staged.length).toBeGreaterThan(3);
    const one = staged[0]!;
    const head = await s3.send(new HeadObjectCommand({ Bucket: feedBucket, Key: one.key }));
    const feedKey = head.Metadata![FEED_KEY_META]!;
    expect(await keys(feedBucket, feedKey)).toEqual([feedKey]);
    savedStaged = { key: one.key, body: await (await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: one.key }))).Body!.transformToByteArray(), feedKey };

    const report = await compact();
    expect(report.errors).toEqual([]);
    const partitions = new Set(staged.map((s) => s.key.split('/').slice(1, 5).join('/')));
    const objects = mergedObjects(report);
    // one merged object per class and partition (they are all small)
    expect(objects.length).toBe(partitions.size);
    expect(objects.length).toBeLessThan(staged.length);
    console.info(
      `lake compaction: ${staged.length} staged objects (${staged.reduce((n, s) => n + s.size, 0)} bytes) -> ${objects.length} Parquet objects ` +
        `(${objects.reduce((n, o) => n + o.bytes, 0)} bytes, ${objects.reduce((n, o) => n + o.rows, 0)} rows)`,
    );
    // the staged objects are gone; only their tombstones are left
    expect(await stagedKeys()).toEqual([]);
    expect((await keys(feedBucket, `${STAGING}_claims/`)).length).toBe(0);

    const { report: lake, rows } = await readLake();
    expect(lake.errors).toEqual([]);
    expect(lake.files).toBe(objects.length);
    expect(lake.classes['5023']).toBe(5); // a, b, the user, then a again (modified) and c
    expect(lake.classes['2003']).toBeGreaterThan(1);
    // first sight of a, b, the user and c, and a's modification
    expect(lake.classes['5019']).toBe(5);
    expectNoDuplicates(rows);
    afterFirst = await listed(lakeBucket);
    rowsAfterFirst = rows.length;
  });

  it('a second compaction run gives the same objects', async () => {
    const report = await compact();
    expect(mergedObjects(report)).toEqual([]);
    expect(await listed(lakeBucket)).toEqual(afterFirst);
  });

  it('one run at a time: a run that finds the lock held does nothing', async () => {
    const lock = `${STAGING}_lock.json`;
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: lock, Body: JSON.stringify({ holder: 'other', expiresAt: new Date(Date.now() + 60_000).toISOString() }) }));
    const report = await compact();
    expect(report.busy).toMatch(/held until .*other/);
    expect(await keys(feedBucket, lock)).toEqual([lock]);
    await s3.send(new DeleteObjectCommand({ Bucket: feedBucket, Key: lock }));
  });

  it('a replayed batch does not double rows in the lake after compaction', async () => {
    expect((await handleEvent(first, deps)).batchItemFailures).toEqual([]);
    expect((await handleEvent(second, deps)).batchItemFailures).toEqual([]);
    // its copies were delivered: the replay stages nothing
    expect(await stagedKeys()).toEqual([]);
    await compact();
    expect(await listed(lakeBucket)).toEqual(afterFirst);
    // a replay that stages an already merged object again (the same copies fed again) is not merged twice
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: savedStaged.key, Body: savedStaged.body, Metadata: { [FEED_KEY_META]: savedStaged.feedKey } }));
    const report = await compact();
    expect(report.discarded.merged).toBe(1);
    expect(await stagedKeys()).toEqual([]);
    expect(await listed(lakeBucket)).toEqual(afterFirst);
    const { rows } = await readLake();
    expect(rows.length).toBe(rowsAfterFirst);
    expectNoDuplicates(rows);
  });

  it('a crash between writing the merged object and deleting the staged ones, then a re-run: each row exactly once', async () => {
    expect((await handleEvent(event([bucket('lakec-d', '2026-11-24T11:00:00Z')]), deps)).batchItemFailures).toEqual([]);
    const staged = await stagedKeys();
    expect(staged.length).toBeGreaterThan(0);
    // crash 1: the merged objects are written, the claim is not yet marked written
    await expect(compact(crashingOn((cmd, input) => cmd === 'PutObjectCommand' && String(input.Key).includes('_claims/') && String(input.Body).includes('"written"')))).rejects.toThrow(/simulated crash/);
    const lakeAfterCrash = await keys(lakeBucket);
    expect(lakeAfterCrash.length).toBeGreaterThan(afterFirst.length);
    expect(await stagedKeys()).toEqual(staged);
    // a new batch arrives in the same partitions before the re-run: the claim keeps its members
    expect((await handleEvent(event([bucket('lakec-e', '2026-11-24T11:00:00Z')]), deps)).batchItemFailures).toEqual([]);
    // crash 2 (of the re-run): everything written and claimed, no staged object deleted yet
    await expect(compact(crashingOn((cmd) => cmd === 'DeleteObjectCommand'))).rejects.toThrow(/simulated crash/);
    expect((await stagedKeys()).length).toBeGreaterThan(staged.length);
    // the crashed run could not release its lock: the re-run takes it over once the lease has run out
    expect((await compact()).busy).toMatch(/_lock\.json is held until/);
    const report = await compact(s3, { now: new Date(Date.now() + LOCK_LEASE_MS + 60_000) });
    expect(report.resumed).toBeGreaterThan(0);
    expect(await stagedKeys()).toEqual([]);
    expect((await keys(feedBucket, `${STAGING}_claims/`)).length).toBe(0);
    // the first claim's objects were rewritten under the same names, not added again
    expect((await keys(lakeBucket)).filter((k) => lakeAfterCrash.includes(k)).length).toBe(lakeAfterCrash.length);
    const { report: lake, rows } = await readLake();
    expect(lake.errors).toEqual([]);
    expectNoDuplicates(rows);
    expect(lake.classes['5023']).toBe(7); // d and e, once each
    expect(lake.classes['5019']).toBe(7);
  });

  it('an undelivered staged object waits and, once older than any replay, is deleted unmerged; bad inputs are named and skipped', async () => {
    const writer = securityLakeWriterFromEnv(s3)!;
    // staged by a batch whose feed object was never written (it failed after staging)
    await writer.write('resource', [bucket('lakec-lost', '2026-11-24T11:30:00Z')], 'feed/resource/dt=2026-11-24/hour=12/never-written.ndjson.gz');
    const lost = await stagedKeys();
    expect(lost.length).toBe(1);
    // a committed object that is not gzip, and a key that is not a staged object's
    const garbage = `${STAGING}5023/region=us-east-1/accountId=${OWN}/eventDay=20261124/${'ab'.repeat(10)}.ndjson.gz`;
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: garbage, Body: 'not gzip', Metadata: { [FEED_KEY_META]: savedStaged.feedKey } }));
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: `${STAGING}notes.txt`, Body: 'x' }));
    const before = await listed(lakeBucket);
    const waiting = await compact();
    expect(waiting.uncommitted).toBe(1);
    expect(waiting.errors).toEqual([expect.stringMatching(/lake-staging\/notes\.txt: not <class uid>.*left alone/), expect.stringMatching(new RegExp(`${garbage}: not gzip.*left in staging`))]);
    expect(await listed(lakeBucket)).toEqual(before);
    const orphaned = await compact(s3, { orphanAgeMs: 0 });
    expect(orphaned.discarded.orphan).toBe(1);
    expect(await stagedKeys()).toEqual([garbage]);
    expect(await listed(lakeBucket)).toEqual(before);
  });
});
