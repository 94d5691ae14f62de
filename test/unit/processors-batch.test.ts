// processBatch over in-memory stores: the ledger's failures, dead letters and counters, the feed's
// exactly-once effect and deletions only from evidence, without any service.
import { describe, expect, it } from 'vitest';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { AccountRecord, FindingRecord, InventoryRunRecord, ResourceRecord } from '../../core/schemas.js';
import type { BulkOutcome, IndexOp } from '../../opensearch/bulk.js';
import { identityHash } from '../../core/content.js';
import { coverageKey } from '../../core/runs.js';
import { deletionMarker, unseenQuery, type DeletionMarker } from '../../opensearch/deleted.js';
import { withoutSearchCopies } from '../../opensearch/ops.js';
import { runIndexId, runOfLedger, STATE_FIELDS, type DocumentStore, type RunState, type StoredContent, type StoredCopy } from '../../opensearch/store.js';
import { planRuns, processBatch, type ProcessorDeps } from '../../processors/pipeline.js';
import type { FeedKind, FeedSink } from '../../processors/sink-s3.js';
import type { DeadLetter, RawRecord } from '../../processors/validate.js';
import { loadCatalog } from '../../standard/index.js';

const OWN = '111111111111';

/** OpenSearch's versioning as the pipeline relies on it: external_gte, 409 for an older copy. */
class MemoryDocuments implements DocumentStore {
  readonly docs = new Map<string, { version: number; doc: Record<string, unknown> }>();
  readonly runs = new Map<string, RunState>();
  /** ids whose documents the store refuses for their content */
  refuse = new Set<string>();
  failNext = 0;

  async prepare(): Promise<void> {}
  async stored(keys: { index: string; id: string }[]): Promise<(StoredCopy | undefined)[]> {
    return keys.map((k) => {
      const d = this.docs.get(`${k.index}|${k.id}`);
      // what change-only landing compares, as the OpenSearch store reads it
      const state = d && Object.fromEntries(STATE_FIELDS.flatMap((f) => (f in d.doc ? [[f, d.doc[f]]] : [])));
      return d && { version: d.version, ...(d.doc.feedKey ? { feedKey: d.doc.feedKey as string } : {}), state };
    });
  }
  /** the stored content a change's diff is taken from, as the OpenSearch store reads it */
  async contents(keys: { index: string; id: string }[]): Promise<(StoredContent | undefined)[]> {
    return keys.map((k) => this.docs.get(`${k.index}|${k.id}`)?.doc as StoredContent | undefined);
  }
  async index(ops: IndexOp[]): Promise<BulkOutcome> {
    const out: BulkOutcome = { indexed: 0, alreadyNewer: 0, conflicts: [], rejected: [], failed: [], requests: 1 };
    for (const op of ops) {
      if (this.failNext > 0) {
        this.failNext--;
        out.failed.push({ ref: op.ref, reason: 'no response ECONNREFUSED' });
        continue;
      }
      if (this.refuse.has(op.id)) {
        out.rejected.push({ ref: op.ref, reason: '400 mapper_parsing_exception' });
        continue;
      }
      const key = `${op.index}|${op.id}`;
      const prev = this.docs.get(key);
      if (prev && prev.version > op.version) {
        out.alreadyNewer++;
        out.conflicts.push(op.ref);
        continue;
      }
      this.docs.set(key, { version: op.version, doc: op.doc as Record<string, unknown> });
      const doc = op.doc as InventoryRunRecord & { state?: RunState['state']; feedKey?: string };
      if (doc.recordType === 'inventory-run') this.runs.set(op.id, { run: runOfLedger(doc), state: doc.state!, feedKey: doc.feedKey });
      out.indexed++;
    }
    return out;
  }
  async updateTrust(): Promise<void> {}
  async pendingRuns(): Promise<RunState[]> {
    return [...this.runs.values()].filter((r) => r.state === 'pending');
  }
  private resources() {
    return [...this.docs.values()].map((d) => d.doc as unknown as ResourceRecord & { runId?: string }).filter((d) => d.recordType === 'resource');
  }
  async newestApplied(coverages: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const { run, state } of this.runs.values()) {
      const key = coverageKey(run);
      if (state === 'applied' && coverages.includes(key) && (out.get(key) ?? '') < run.startedAt) out.set(key, run.startedAt);
    }
    return out;
  }
  /** the OpenSearch store's query itself (opensearch/deleted.ts), evaluated over the stored documents */
  async unseen(run: InventoryRunRecord): Promise<DeletionMarker[]> {
    const query = unseenQuery(run);
    if (!query) return [];
    return [...this.docs.values()]
      .filter((d) => d.doc.recordType === 'resource' && matches(query, d.doc))
      .map((d) => deletionMarker(withoutSearchCopies(d.doc as ResourceRecord & Record<string, unknown>), d.version, run));
  }
  async setRunState(states: RunState[]): Promise<void> {
    for (const s of states) this.runs.set(runIndexId(s.run), s);
  }
}

/** The part of the OpenSearch query language the deletion query uses: bool (filter, should, must_not), term, terms, range lt. */
function matches(q: unknown, doc: Record<string, unknown>): boolean {
  const [[kind, body]] = Object.entries(q as Record<string, unknown>) as [[string, Record<string, unknown>]];
  if (kind === 'bool') {
    const b = body as { filter?: unknown[]; should?: unknown[]; must_not?: unknown[]; minimum_should_match?: number };
    return (b.filter ?? []).every((c) => matches(c, doc)) && (!b.should?.length || b.should.some((c) => matches(c, doc))) && !(b.must_not ?? []).some((c) => matches(c, doc));
  }
  const [field, value] = Object.entries(body)[0]!;
  if (kind === 'term') return doc[field] === value;
  if (kind === 'terms') return (value as unknown[]).includes(doc[field]);
  if (kind === 'range') return String(doc[field]) < (value as { lt: string }).lt;
  throw new Error(`query ${kind} not understood by the in-memory store`);
}

class MemoryFeed implements FeedSink {
  readonly objects = new Map<string, object[]>();
  failNext = 0;
  async write(_kind: FeedKind, records: object[], key: string): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('feed bucket unreachable');
    }
    this.objects.set(key, records);
  }
  async exists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  /** every (identity, version) line of one kind, counted */
  lines(kind: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, records] of this.objects) {
      if (!key.startsWith(`feed/${kind}/`)) continue;
      for (const r of records as { arn?: string; configurationItemCaptureTime?: string; configurationItemStatus?: string }[]) {
        const k = `${r.arn}@${r.configurationItemCaptureTime}@${r.configurationItemStatus}`;
        out.set(k, (out.get(k) ?? 0) + 1);
      }
    }
    return out;
  }
}

function setup() {
  const documents = new MemoryDocuments();
  const feed = new MemoryFeed();
  const latest = new Map<string, { version: number; record: ResourceRecord }>();
  const letters: DeadLetter[] = [];
  const deps: ProcessorDeps = {
    s3: undefined as never,
    opensearch: undefined as never,
    indexPrefix: 'mem',
    feedBucket: 'feed',
    deadLetterBucket: 'dlq',
    feed,
    accounts: { current: async () => new Map<string, AccountRecord>() },
    trustRegister: new Map(),
    exceptions: new ExceptionIndex([]),
    catalog: loadCatalog(),
    documents,
    latest: {
      write: async (items) => {
        for (const { record, version } of items) {
          const prev = latest.get(record.arn);
          if (!prev || prev.version <= version) latest.set(record.arn, { version, record });
        }
        return { failed: [] };
      },
    },
    deadLetters: { write: async (entries) => (letters.push(...entries), entries.map((e) => `dl/${e.sequenceNumber}`)) },
  };
  return { deps, documents, feed, latest, letters };
}

let seq = 0;
const raws = (records: (object | string)[], shardId = 'shardId-0'): RawRecord[] =>
  records.map((r) => ({ data: Buffer.from(typeof r === 'string' ? r : JSON.stringify(r)), shardId, sequenceNumber: String(++seq).padStart(8, '0'), arrivalTime: new Date('2026-11-24T10:00:00Z') }));

function queue(name: string, capturedAt = '2026-11-24T09:00:00Z', runId = 'run-1', region = 'us-east-1'): ResourceRecord {
  return {
    recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::SQS::Queue', resourceId: name, arn: `arn:aws:sqs:${region}:${OWN}:${name}`, resourceName: name,
    awsAccountId: OWN, awsRegion: region, configuration: {}, supplementaryConfiguration: {}, tags: {}, resourceCreationTime: null,
    configurationItemCaptureTime: capturedAt, configurationItemStatus: 'OK', collector: 'sqs', runId, errors: [],
  };
}

const arnOf = (name: string, region = 'us-east-1') => `arn:aws:sqs:${region}:${OWN}:${name}`;

/** One account's run: the sqs collector in each region given (complete or not), having seen the named queues. */
const run = (runId: string, seen: string[], o: { startedAt?: string; finishedAt?: string; regions?: Record<string, boolean>; errors?: InventoryRunRecord['errors'] } = {}): InventoryRunRecord => {
  const regions = o.regions ?? { 'us-east-1': true };
  return {
    recordType: 'inventory-run', schemaVersion: '1.0', runId, accountId: OWN, complete: Object.values(regions).every(Boolean),
    scopes: Object.entries(regions).map(([region, complete]) => ({ collector: 'sqs', region, complete, resourceCount: seen.filter((a) => a.includes(`:${region}:`)).length })),
    seen: seen.map(identityHash).sort(), errors: o.errors ?? [],
    startedAt: o.startedAt ?? '2026-11-24T08:59:00Z', finishedAt: o.finishedAt ?? '2026-11-24T09:05:00Z',
  };
};

const deletedArns = (feed: MemoryFeed) => [...feed.lines('resource').keys()].filter((k) => k.endsWith('ResourceDeleted')).map((k) => k.split('@')[0]).sort();

describe('processBatch over in-memory stores', () => {
  it('dead-letters poison (bad JSON, a time before 2006, a document the store refuses) while the rest lands', async () => {
    const { deps, documents, feed, latest, letters } = setup();
    documents.refuse.add(queue('refused').arn);
    const result = await processBatch(raws([queue('a'), '{broken', queue('old', '1969-12-31T23:59:59Z'), queue('refused'), queue('b')]), deps);
    expect(result.failures).toEqual([]);
    expect(result.deadLettered).toBe(3);
    expect(letters.map((l) => l.stage).sort()).toEqual(['opensearch', 'validate', 'validate']);
    expect(letters.find((l) => l.stage === 'validate' && /before 2006/.test(l.reason))).toBeTruthy();
    expect([...latest.keys()].sort()).toEqual([queue('a').arn, queue('b').arn]);
    expect([...feed.lines('resource').keys()].map((k) => k.split('@')[0]).sort()).toEqual([queue('a').arn, queue('b').arn]);
  });

  it('the same records put twice, and a batch replayed after a restart, leave each copy once in the feed', async () => {
    const { deps, feed } = setup();
    const records = [queue('x'), queue('y'), queue('z', '2026-11-24T09:30:00Z')];
    const first = await processBatch(raws(records), deps);
    expect(first.landed).toBeGreaterThanOrEqual(3);
    const again = await processBatch(raws(records), deps);
    expect(again).toMatchObject({ landed: 0, failures: [] });
    // within one batch as well
    await processBatch(raws([queue('w'), queue('w')]), deps);
    expect([...feed.lines('resource').values()].every((n) => n === 1)).toBe(true);
    expect(feed.lines('resource').size).toBe(4);
  });

  it('a feed write that fails is delivered again and then fed exactly once', async () => {
    const { deps, feed } = setup();
    // the resource feed object's write fails once (the change history before it lands)
    const write = feed.write.bind(feed);
    let failing = 1;
    feed.write = async (kind, records, key) => {
      if (kind === 'resource' && failing-- > 0) throw new Error('feed bucket unreachable');
      return write(kind, records, key);
    };
    const batch = raws([queue('f1'), queue('f2')]);
    const failed = await processBatch(batch, deps);
    expect(failed.failures.map((f) => f.reason)).toEqual([expect.stringMatching(/feed resource: .*unreachable/), expect.stringMatching(/feed resource/)]);
    const redelivered = await processBatch(batch, deps);
    expect(redelivered.failures).toEqual([]);
    expect([...feed.lines('resource').entries()]).toEqual([
      [`${queue('f1').arn}@2026-11-24T09:00:00Z@OK`, 1],
      [`${queue('f2').arn}@2026-11-24T09:00:00Z@OK`, 1],
    ]);
  });

  it('a change is never lost nor fed twice when its batch fails before or after the change landed', async () => {
    const { deps, documents, feed } = setup();
    const changesIndex = 'mem-changes';
    const changeLines = () => {
      const out = new Map<string, number>();
      for (const [key, records] of feed.objects) if (key.startsWith('feed/change/')) for (const c of records as { changeId: string }[]) out.set(c.changeId, (out.get(c.changeId) ?? 0) + 1);
      return out;
    };
    /** the next index call that writes to `where` fails (the process dies there) */
    const failOnce = (where: (index: string) => boolean) => {
      const real = documents.index.bind(documents);
      documents.index = async (ops) => {
        if (!ops.some((o) => where(o.index))) return real(ops);
        documents.index = real;
        return { indexed: 0, alreadyNewer: 0, conflicts: [], rejected: [], failed: ops.map((o) => ({ ref: o.ref, reason: 'killed' })), requests: 1 };
      };
    };
    await processBatch(raws([queue('c1', '2026-11-24T08:00:00Z')]), deps);
    // the change history fails: the resource is not written either, so the redelivery still sees the change
    failOnce((index) => index === changesIndex);
    const tagged = { ...queue('c1', '2026-11-24T09:00:00Z'), tags: { team: 'payments' } };
    const batch = raws([tagged]);
    expect((await processBatch(batch, deps)).failures).toHaveLength(1);
    expect((await processBatch(batch, deps)).failures).toEqual([]);
    // the resource write fails after its change landed and was fed: the redelivery does not feed it again
    failOnce((index) => index !== changesIndex);
    const untagged = { ...queue('c1', '2026-11-24T10:00:00Z'), tags: {} };
    expect((await processBatch(raws([untagged]), deps)).failures).toHaveLength(1);
    // delivered again with the records after it (another batch, so another feed object name)
    expect((await processBatch(raws([untagged, queue('c2', '2026-11-24T10:00:00Z')]), deps)).failures).toEqual([]);
    const changes = [...documents.docs.entries()].filter(([k]) => k.startsWith(`${changesIndex}|`)).map(([, d]) => d.doc as { changedAt: string });
    expect(changes.map((c) => c.changedAt).sort()).toEqual(['2026-11-24T08:00:00Z', '2026-11-24T09:00:00Z', '2026-11-24T10:00:00Z', '2026-11-24T10:00:00Z']);
    expect([...changeLines().values()]).toEqual([1, 1, 1, 1]);
  });

  it('a store that does not answer fails the items for redelivery, dead-letters nothing', async () => {
    const { deps, documents, letters } = setup();
    documents.failNext = 100;
    const result = await processBatch(raws([queue('down')]), deps);
    expect(result.failures).toHaveLength(1);
    expect(letters).toEqual([]);
  });

  it('a run that arrives before its resources (another shard) marks deleted only what it did not see, once', async () => {
    const { deps, feed, latest } = setup();
    // the previous inventory: three queues
    await processBatch(raws([queue('keep1', '2026-11-24T08:00:00Z', 'run-0'), queue('keep2', '2026-11-24T08:00:00Z', 'run-0'), queue('gone', '2026-11-24T08:00:00Z', 'run-0')]), deps);
    // the new run saw keep1 and keep2; its record comes first, before either of them landed again
    const early = await processBatch(raws([run('run-1', [arnOf('keep1'), arnOf('keep2')])], 'shardId-1'), deps);
    expect(early).toMatchObject({ markedDeleted: 1, runsPending: 0 });
    expect(deletedArns(feed)).toEqual([arnOf('gone')]);
    expect(latest.get(arnOf('gone'))!.record.configurationItemStatus).toBe('ResourceDeleted');
    await processBatch(raws([queue('keep1', '2026-11-24T09:00:00Z', 'run-1'), queue('keep2', '2026-11-24T09:00:00Z', 'run-1')]), deps);
    expect(latest.get(arnOf('keep2'))!.record.configurationItemStatus).toBe('OK');
    // the run record delivered again, and the whole run again in another order: applied once, nothing more
    await processBatch(raws([run('run-1', [arnOf('keep1'), arnOf('keep2')])], 'shardId-1'), deps);
    expect(deletedArns(feed)).toEqual([arnOf('gone')]);
  });

  it('a failed scope deletes nothing there; a complete scope of the same run still deletes what it did not see', async () => {
    const { deps, feed } = setup();
    const before = [queue('east', '2026-11-24T08:00:00Z', 'run-0'), queue('east-gone', '2026-11-24T08:00:00Z', 'run-0'), queue('west', '2026-11-24T08:00:00Z', 'run-0', 'eu-west-1'), queue('west-unseen', '2026-11-24T08:00:00Z', 'run-0', 'eu-west-1')];
    await processBatch(raws(before), deps);
    // us-east-1 complete; eu-west-1 failed half-way (it saw `west` only): nothing of eu-west-1 may be taken for gone
    const result = await processBatch(raws([run('run-1', [arnOf('east'), arnOf('west', 'eu-west-1')], { regions: { 'us-east-1': true, 'eu-west-1': false } })]), deps);
    expect(result.markedDeleted).toBe(1);
    expect(deletedArns(feed)).toEqual([arnOf('east-gone')]);
  });

  it('a run without `seen` (the earlier shape, in flight during an upgrade) deletes nothing; the next run does', async () => {
    const { deps, feed, documents } = setup();
    await processBatch(raws([queue('kept', '2026-11-24T08:00:00Z', 'run-0'), queue('gone', '2026-11-24T08:00:00Z', 'run-0')]), deps);
    const legacy = { recordType: 'inventory-run', schemaVersion: '1.0', runId: 'run-1', accountId: OWN, region: 'us-east-1', collector: 'sqs', complete: true, resourceCount: 1, startedAt: '2026-11-24T08:59:00Z', finishedAt: '2026-11-24T09:05:00Z' };
    expect(await processBatch(raws([legacy]), deps)).toMatchObject({ markedDeleted: 0, failures: [], deadLettered: 0 });
    expect([...documents.runs.values()].map((r) => r.state)).toEqual(['incomplete']);
    await processBatch(raws([run('run-2', [arnOf('kept')], { startedAt: '2026-11-24T09:29:00Z', finishedAt: '2026-11-24T09:35:00Z' })]), deps);
    expect(deletedArns(feed)).toEqual([arnOf('gone')]);
  });

  it('of two pending runs of an account only the newest is applied: the older one is superseded', async () => {
    const { deps, feed, documents } = setup();
    await processBatch(raws([queue('a', '2026-11-24T08:00:00Z', 'run-0'), queue('b', '2026-11-24T08:00:00Z', 'run-0')]), deps);
    // the older run did not see b (it was briefly unlisted); the newer one did: b is not gone
    const older = run('run-1', [arnOf('a')], { startedAt: '2026-11-24T08:59:00Z', finishedAt: '2026-11-24T09:05:00Z' });
    const newer = run('run-2', [arnOf('a'), arnOf('b')], { startedAt: '2026-11-24T09:29:00Z', finishedAt: '2026-11-24T09:35:00Z' });
    expect(await processBatch(raws([older, newer]), deps)).toMatchObject({ markedDeleted: 0 });
    expect(deletedArns(feed)).toEqual([]);
    expect(Object.fromEntries([...documents.runs.values()].map((r) => [r.run.runId, r.state]))).toEqual({ 'run-1': 'superseded', 'run-2': 'applied' });
    expect(planRuns([{ run: newer }, { run: older }]).apply.map((p) => p.run.runId)).toEqual(['run-2']);
  });

  it('an older run arriving after a newer one was applied (resharding) is superseded, not applied', async () => {
    const { deps, feed, documents } = setup();
    await processBatch(raws([queue('a', '2026-11-24T08:00:00Z', 'run-0'), queue('b', '2026-11-24T08:00:00Z', 'run-0')]), deps);
    const newer = run('run-2', [arnOf('a'), arnOf('b')], { startedAt: '2026-11-24T09:29:00Z', finishedAt: '2026-11-24T09:35:00Z' });
    const older = run('run-1', [arnOf('a')], { startedAt: '2026-11-24T08:59:00Z', finishedAt: '2026-11-24T09:05:00Z' });
    await processBatch(raws([newer]), deps);
    expect(await processBatch(raws([older]), deps)).toMatchObject({ markedDeleted: 0 });
    expect(deletedArns(feed)).toEqual([]);
    expect(Object.fromEntries([...documents.runs.values()].map((r) => [r.run.runId, r.state]))).toEqual({ 'run-1': 'superseded', 'run-2': 'applied' });
  });

  it('runs of other collectors of the same account (a Lambda per collector) are each applied, none superseded', async () => {
    const { deps, feed, documents } = setup();
    const kmsKey = { ...queue('k', '2026-11-24T08:00:00Z', 'run-0'), resourceType: 'AWS::KMS::Key', arn: `arn:aws:kms:us-east-1:${OWN}:key/k`, collector: 'kms' };
    await processBatch(raws([queue('q-gone', '2026-11-24T08:00:00Z', 'run-0'), kmsKey]), deps);
    const sqsRun = { ...run('run-1', []), collectors: ['sqs'] };
    const kmsRun = { ...run('run-1', [], { startedAt: '2026-11-24T09:00:00Z' }), collectors: ['kms'], scopes: [{ collector: 'kms', region: 'us-east-1', complete: true, resourceCount: 0 }] };
    expect(await processBatch(raws([sqsRun, kmsRun]), deps)).toMatchObject({ markedDeleted: 2 });
    expect(deletedArns(feed)).toEqual([kmsKey.arn, arnOf('q-gone')].sort());
    expect([...documents.runs.values()].map((r) => r.state)).toEqual(['applied', 'applied']);
  });

  it('an unchanged account or collection error lands nowhere on the next run; a changed one lands again', async () => {
    const { deps, feed } = setup();
    const account = (observedAt: string, name = 'prod'): AccountRecord => ({
      recordType: 'account', schemaVersion: '1.0', accountId: OWN, name, email: 'a@example.com', status: 'ACTIVE', payerId: OWN, ouPath: 'Root',
      joinedAt: null, tags: {}, owner: 'alice', executive: null, spend: null, observedAt,
    });
    const error = (runId: string, observedAt: string) => ({ recordType: 'collection-error', schemaVersion: '1.0', accountId: OWN, region: 'us-east-1', collector: 'ec2', code: 'InvalidAction', message: 'AWS::EC2::ClientVpnEndpoint: not implemented', runId, observedAt });
    const first = await processBatch(raws([account('2026-11-24T08:00:00Z'), error('run-1', '2026-11-24T08:01:00Z')]), deps);
    expect(first.landed).toBe(2);
    const second = await processBatch(raws([account('2026-11-24T08:30:00Z'), error('run-2', '2026-11-24T08:31:00Z')]), deps);
    expect(second).toMatchObject({ landed: 0, unchanged: 2 });
    const lines = (kind: string) => [...feed.objects].filter(([k]) => k.startsWith(`feed/${kind}/`)).flatMap(([, r]) => r).length;
    expect([lines('account'), lines('collection-error')]).toEqual([1, 1]);
    const renamed = await processBatch(raws([account('2026-11-24T09:00:00Z', 'production')]), deps);
    expect(renamed).toMatchObject({ landed: 1, unchanged: 0 });
    expect(lines('account')).toBe(2);
  });

  it('a second, unchanged run is recognised by its fingerprints: nothing derived again, written or fed', async () => {
    const { deps, documents, feed } = setup();
    const names = ['s1', 's2', 's3'];
    const first = await processBatch(raws(names.map((n) => queue(n, '2026-11-24T08:00:00Z', 'run-1'))), deps);
    expect(first).toMatchObject({ recalled: 0, failures: [] });
    const writes: IndexOp[] = [];
    const index = documents.index.bind(documents);
    documents.index = async (ops) => (writes.push(...ops), index(ops));
    const fedBefore = feed.objects.size;
    // the next run: its own run id and capture time, nothing else moved
    const second = await processBatch(raws(names.map((n) => queue(n, '2026-11-24T08:30:00Z', 'run-2'))), deps);
    expect(second).toMatchObject({ recalled: 3, unchanged: 3, landed: 0, failures: [] });
    expect(writes).toEqual([]);
    expect(feed.objects.size).toBe(fedBefore);
    // change-only landing off: every copy is derived and written again, nothing recalled
    const third = await processBatch(raws(names.map((n) => queue(n, '2026-11-24T09:00:00Z'))), { ...deps, changeOnly: false });
    expect(third.recalled).toBe(0);
    expect(writes.filter((o) => (o.doc as { recordType?: string }).recordType === 'resource')).toHaveLength(3);
  });

  it('a finding whose write failed holds its resource back: a newer unchanged copy still derives and lands it', async () => {
    const { deps, documents } = setup();
    const findingsStored = () => [...documents.docs.values()].filter((d) => d.doc.recordType === 'finding' && d.doc.resourceArn === arnOf('h'));
    // the first write of a finding fails (the process dies after the resource's shard took its document)
    const index = documents.index.bind(documents);
    let failing = true;
    documents.index = async (ops) => {
      if (!failing || !ops.some((o) => (o.doc as { recordType?: string }).recordType === 'finding')) return index(ops);
      failing = false;
      const findings = ops.filter((o) => (o.doc as { recordType?: string }).recordType === 'finding');
      const rest = await index(ops.filter((o) => !findings.includes(o)));
      return { ...rest, failed: [...rest.failed, ...findings.map((o) => ({ ref: o.ref, reason: 'killed' }))] };
    };
    const first = await processBatch(raws([queue('h', '2026-11-24T08:00:00Z')]), deps);
    expect(first.failures).toHaveLength(1);
    expect(findingsStored()).toEqual([]);
    // the redelivery is still on its way; the next run's unchanged copy arrives first
    const next = await processBatch(raws([queue('h', '2026-11-24T08:30:00Z')]), deps);
    expect(next).toMatchObject({ recalled: 0, failures: [] });
    expect(findingsStored().length).toBeGreaterThan(0);
  });

  it('a register edited after landing: unchanged resources are derived again and the exception lands', async () => {
    const { deps, documents } = setup();
    await processBatch(raws([queue('e', '2026-11-24T08:00:00Z')]), deps);
    const finding = [...documents.docs.values()].map((d) => d.doc as unknown as FindingRecord).find((d) => d.recordType === 'finding' && d.resourceArn === arnOf('e'))!;
    expect(finding.exception).toBeUndefined();
    const exceptions = new ExceptionIndex([{ exceptionId: 'EX-9', accountId: OWN, requirementId: finding.requirementId, resourceId: arnOf('e'), reason: 'accepted', approvedBy: 'ciso', expiresAt: '2027-01-31' }]);
    const second = await processBatch(raws([queue('e', '2026-11-24T08:30:00Z')]), { ...deps, exceptions });
    expect(second.recalled).toBe(0);
    const after = documents.docs.get([...documents.docs.keys()].find((k) => k.endsWith(finding.findingId))!)!.doc as unknown as FindingRecord;
    expect(after.exception).toMatchObject({ exceptionId: 'EX-9', active: true });
  });

  it('feeds one line per account run, without its `seen` list', async () => {
    const { deps, feed } = setup();
    await processBatch(raws([run('run-1', [arnOf('a')])]), deps);
    const runs = [...feed.objects].filter(([k]) => k.startsWith('feed/inventory-run/')).flatMap(([, r]) => r) as InventoryRunRecord[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: 'run-1', scopes: [{ collector: 'sqs', region: 'us-east-1', complete: true, resourceCount: 1 }] });
    expect(runs[0]!.seen).toBeUndefined();
  });
});
