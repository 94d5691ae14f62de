// Security Lake sizing, pure: staged objects, their keys, the compaction plan (which staged objects go into which
// merged output, named by its members), claims; and change records as OCSF Device Config State Change (5019).
// The S3 side runs on moto in test/integration/feed-lake-compaction.test.ts.
import { gunzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/census.js';
import type { ChangeRecord, ResourceRecord } from '../../core/schemas.js';
import { changeToOcsf } from '../../feed/ocsf-change.js';
import { resourceToOcsf } from '../../feed/ocsf-inventory.js';
import { ocsfParquet, OCSF_CLASSES } from '../../feed/ocsf-parquet.js';
import { claimName, parseClaim, parseStagedKey, planCompaction, readStaged, stagedObjects, tombstoneKey, type Staged } from '../../feed/lake-staging.js';
import { lakeEvents } from '../../feed/security-lake-sink.js';

const OWN = '111111111111';
const change = (over: Partial<ChangeRecord> = {}): ChangeRecord => ({
  recordType: 'change', schemaVersion: '1.0', changeId: 'a'.repeat(32), arn: 'arn:aws:s3:::logs', resourceType: 'AWS::S3::Bucket', resourceId: 'logs', resourceName: 'logs',
  awsAccountId: OWN, awsRegion: 'us-east-1', kind: 'modified', changedAt: '2026-11-24T10:00:00.000Z', previousCaptureTime: '2026-11-24T09:00:00.000Z',
  previousHash: 'h1', contentHash: 'h2', diff: [{ op: 'replace', path: '/configuration/versioning', before: '"Off"', after: '"Enabled"' }], flipped: [], ...over,
});
const resource = (i: number, region = 'us-east-1'): ResourceRecord => ({
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: `b${i}`, arn: `arn:aws:s3:::b${i}`, resourceName: `b${i}`,
  awsAccountId: OWN, awsRegion: region, configuration: {}, tags: {}, resourceCreationTime: null, supplementaryConfiguration: {},
  configurationItemCaptureTime: new Date(Date.parse('2026-11-24T10:00:00Z') - i * 1000).toISOString(), configurationItemStatus: 'OK', collector: 's3', errors: [],
});

describe('change records as OCSF 5019', () => {
  it('maps a change to Device Config State Change in the Discovery category, the resource as its device', () => {
    const e = changeToOcsf(change());
    expect(e).toMatchObject({
      class_uid: 5019, category_uid: 5, activity_id: 2, type_uid: 501902, time: Date.parse('2026-11-24T10:00:00Z'),
      device: { uid: 'arn:aws:s3:::logs', type: 'AWS::S3::Bucket', type_id: 99, region: 'us-east-1' },
      cloud: { account: { uid: OWN }, region: 'us-east-1' },
      metadata: { uid: 'a'.repeat(32), event_code: 'modified' },
      message: 'AWS::S3::Bucket logs modified (1 path: /configuration/versioning)',
    });
    expect((e.unmapped as { census: { diff: unknown[] } }).census.diff).toHaveLength(1);
    expect(changeToOcsf(change({ resourceType: 'AWS::EC2::Instance', awsRegion: 'global', principal: 'arn:aws:iam::1:role/x' }))).toMatchObject({ device: { type_id: 6 }, unmapped: { census: { principal: 'arn:aws:iam::1:role/x' } } });
    // every attribute has a column: the Parquet writer takes it
    expect(ocsfParquet(OCSF_CLASSES[5019]!, [e]).length).toBeGreaterThan(0);
  });

  it('lakeEvents covers the change kind, and a change that breaks the contract is an error naming it', () => {
    expect(lakeEvents('change', [change()])?.map((x) => x.class_uid)).toEqual([5019]);
    expect(() => lakeEvents('change', [{ ...change(), changeId: 'nope' }])).toThrow(/changeId/);
    expect(lakeEvents('score', [{}])).toBeUndefined();
  });
});

describe('staged objects', () => {
  it('one per class and partition, gzip NDJSON sorted by time, the same bytes for the same events', () => {
    const events = [resourceToOcsf(resource(1)), resourceToOcsf(resource(2, 'eu-west-1')), resourceToOcsf(resource(3)), changeToOcsf(change())];
    const staged = stagedObjects(events, { prefix: 'st/', homeRegion: 'eu-west-1', stem: 'ab'.repeat(10) });
    expect(staged.map((s) => [s.key, s.rows])).toEqual([
      [`st/5019/region=us-east-1/accountId=${OWN}/eventDay=20261124/${'ab'.repeat(10)}.ndjson.gz`, 1],
      [`st/5023/region=eu-west-1/accountId=${OWN}/eventDay=20261124/${'ab'.repeat(10)}.ndjson.gz`, 1],
      [`st/5023/region=us-east-1/accountId=${OWN}/eventDay=20261124/${'ab'.repeat(10)}.ndjson.gz`, 2],
    ]);
    const back = readStaged(staged[2]!.key, staged[2]!.body, 5023);
    expect(back.map((e) => e.time)).toEqual([Date.parse(resource(3).configurationItemCaptureTime), Date.parse(resource(1).configurationItemCaptureTime)]);
    expect(gunzipSync(staged[2]!.body).toString()).toContain('"class_uid":5023');
    expect(stagedObjects([...events].reverse(), { prefix: 'st/', homeRegion: 'eu-west-1', stem: 'ab'.repeat(10) }).map((s) => s.body.toString('hex'))).toEqual(staged.map((s) => s.body.toString('hex')));
  });

  it('an event the Parquet schema cannot take fails at staging, naming its position', () => {
    expect(() => stagedObjects([resourceToOcsf(resource(1)), { ...resourceToOcsf(resource(2)), extra: 1 }], { prefix: 'st/', homeRegion: 'eu-west-1', stem: 'ab'.repeat(10) })).toThrow(/event 1: attribute extra has no column/);
  });

  it('reading back names the object and line of a bad one', () => {
    const [s] = stagedObjects([resourceToOcsf(resource(1))], { prefix: 'st/', homeRegion: 'eu-west-1', stem: 'ab'.repeat(10) });
    expect(() => readStaged('k', Buffer.from('x'), 5023)).toThrow(/^k: not gzip/);
    expect(() => readStaged('k', s!.body, 2003)).toThrow(/^k line 1: not an OCSF event of class 2003/);
  });

  it('keys: class, partition, or why not', () => {
    expect(parseStagedKey('st/', `st/5023/region=us-east-1/accountId=${OWN}/eventDay=20261124/abcdef0123.ndjson.gz`)).toEqual({ classUid: 5023, partition: `region=us-east-1/accountId=${OWN}/eventDay=20261124/` });
    expect(parseStagedKey('st/', 'st/notes.txt')).toEqual({ error: expect.stringMatching(/^st\/notes\.txt: not <class uid>/) });
    expect(parseStagedKey('st/', `st/4001/region=us-east-1/accountId=${OWN}/eventDay=20261124/abcdef0123.ndjson.gz`)).toEqual({ error: expect.stringMatching(/class 4001 is not one Census writes/) });
    expect(tombstoneKey('st/', 'st/5023/x.ndjson.gz')).toBe('st/_merged/5023/x.ndjson.gz');
  });
});

describe('compaction plan', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  const opts = { now, maxWaitMs: 60 * 60_000, targetBytes: 1000, orphanAgeMs: 24 * 3_600_000 };
  const key = (cls: number, region: string, n: number) => `st/${cls}/region=${region}/accountId=${OWN}/eventDay=20261124/${String(n).padStart(10, '0')}.ndjson.gz`;
  const staged = (k: string, size: number, minutesAgo: number, over: Partial<Staged> = {}): Staged => ({ key: k, size, lastModified: new Date(now.getTime() - minutesAgo * 60_000), committed: true, merged: false, ...over });

  it('merges a partition once its oldest object is old enough or it is large enough, per class and partition', () => {
    const plan = planCompaction(
      [
        staged(key(5023, 'us-east-1', 1), 100, 90),
        staged(key(5023, 'us-east-1', 2), 100, 5),
        staged(key(2003, 'us-east-1', 3), 100, 5), // young and small: waits
        staged(key(5023, 'eu-west-1', 4), 600, 1),
        staged(key(5023, 'eu-west-1', 5), 600, 1), // large enough: merged now, at most targetBytes per output
      ],
      [],
      'st/',
      opts,
    );
    expect(plan.outputs.map((o) => [o.classUid, o.partition.split('/')[0], o.members.length])).toEqual([
      [5023, 'region=eu-west-1', 1],
      [5023, 'region=eu-west-1', 1],
      [5023, 'region=us-east-1', 2],
    ]);
    expect(plan.waiting).toBe(1);
    expect(plan.outputs.map((o) => o.name)).toEqual(plan.outputs.map((o) => claimName(o.members)));
  });

  it('is deterministic, leaves claimed members to their claim, waits for undelivered objects and drops merged and orphaned ones', () => {
    const list = [
      staged(key(5023, 'us-east-1', 1), 10, 90),
      staged(key(5023, 'us-east-1', 2), 10, 90),
      staged(key(5023, 'us-east-1', 3), 10, 90, { committed: false }),
      staged(key(5023, 'us-east-1', 4), 10, 100, { committed: false }),
      staged(key(5023, 'us-east-1', 5), 10, 90, { merged: true }),
    ];
    const pending = [{ name: 'c1', classUid: 5023, partition: 'x', members: [key(5023, 'us-east-1', 1)] }];
    const plan = planCompaction(list, pending, 'st/', { ...opts, orphanAgeMs: 24 * 60 * 60_000 });
    expect(plan.resume).toEqual(pending);
    expect(plan.outputs.map((o) => o.members)).toEqual([[key(5023, 'us-east-1', 2)]]);
    expect(plan.uncommitted).toBe(2);
    expect(plan.discard).toEqual([{ key: key(5023, 'us-east-1', 5), reason: 'merged' }]);
    expect(planCompaction([...list].reverse(), pending, 'st/', opts)).toEqual(planCompaction(list, pending, 'st/', opts));
    expect(planCompaction(list, pending, 'st/', { ...opts, orphanAgeMs: 60 * 60_000 }).discard).toContainEqual({ key: key(5023, 'us-east-1', 4), reason: 'orphan' });
  });

  it('claims are checked as they are read back', () => {
    expect(parseClaim('c.json', JSON.stringify({ name: 'n', classUid: 5023, partition: 'p/', members: ['a'], written: ['x'] }))).toMatchObject({ written: ['x'] });
    expect(() => parseClaim('c.json', '{')).toThrow(/^c\.json: claim is not JSON/);
    expect(() => parseClaim('c.json', '{"name":"n"}')).toThrow(/^c\.json: claim lacks name, classUid, partition or members/);
  });
});

describe('census lake compact', () => {
  async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((x: string | Uint8Array) => ((stderr += String(x)), true));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
    const saved = { lake: process.env.CENSUS_SECURITY_LAKE, sources: process.env.CENSUS_SECURITY_LAKE_SOURCES };
    delete process.env.CENSUS_SECURITY_LAKE;
    delete process.env.CENSUS_SECURITY_LAKE_SOURCES;
    try {
      return { code: await main(['node', 'census', ...args]), stderr };
    } finally {
      err.mockRestore();
      error.mockRestore();
      if (saved.lake !== undefined) process.env.CENSUS_SECURITY_LAKE = saved.lake;
      if (saved.sources !== undefined) process.env.CENSUS_SECURITY_LAKE_SOURCES = saved.sources;
    }
  }

  it('names the flag of a bad value (exit 2) and says what to set when Security Lake output is off (exit 1)', async () => {
    expect(await run('lake', 'compact', '--max-wait-minutes', 'soon')).toMatchObject({ code: 2, stderr: expect.stringContaining('--max-wait-minutes must be a non-negative number, got "soon"') });
    expect(await run('lake', 'compact', '--staging', 's3://feed/lake-staging/')).toMatchObject({ code: 1, stderr: expect.stringContaining('set CENSUS_SECURITY_LAKE=s3://bucket/ext/') });
  });
});
