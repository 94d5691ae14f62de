// processBatch over in-memory stores: the ledger's failures, dead letters and counters, the feed's
// exactly-once effect and deletions only from evidence, without any service.
import { describe, expect, it } from 'vitest';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { AccountRecord, InventoryRunRecord, ResourceRecord } from '../../core/schemas.js';
import type { BulkOutcome, IndexOp } from '../../opensearch/bulk.js';
import { deletionMarker, type DeletionMarker } from '../../opensearch/deleted.js';
import { withoutSearchCopies } from '../../opensearch/ops.js';
import type { DocumentStore, RunState, StoredCopy } from '../../opensearch/store.js';
import { processBatch, type ProcessorDeps } from '../../processors/pipeline.js';
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
      return d && { version: d.version, ...(d.doc.feedKey ? { feedKey: d.doc.feedKey as string } : {}) };
    });
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
      if (doc.recordType === 'inventory-run') this.runs.set(op.id, { run: doc, state: doc.state!, feedKey: doc.feedKey });
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
  async landedOfRun(runs: InventoryRunRecord[]): Promise<number[]> {
    return runs.map((run) => this.resources().filter((r) => r.awsAccountId === run.accountId && r.collector === run.collector && r.runId === run.runId).length);
  }
  async unseen(run: InventoryRunRecord): Promise<DeletionMarker[]> {
    return this.resources()
      .filter((r) => r.awsAccountId === run.accountId && r.collector === run.collector && r.runId !== run.runId && r.configurationItemStatus !== 'ResourceDeleted' && r.configurationItemCaptureTime < run.startedAt)
      .map((r) => deletionMarker(withoutSearchCopies(r as ResourceRecord & Record<string, unknown>), this.docs.get([...this.docs.keys()].find((k) => k.endsWith(`|${r.arn}`))!)!.version, run));
  }
  async setRunState(states: RunState[]): Promise<void> {
    for (const s of states) this.runs.set([s.run.runId, s.run.accountId, s.run.region, s.run.collector].join('|'), s);
  }
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

const run = (runId: string, count: number, startedAt = '2026-11-24T08:59:00Z'): InventoryRunRecord => ({
  recordType: 'inventory-run', schemaVersion: '1.0', runId, accountId: OWN, region: 'us-east-1', collector: 'sqs', complete: true, resourceCount: count,
  startedAt, finishedAt: '2026-11-24T09:05:00Z',
});

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
    feed.failNext = 1;
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

  it('a store that does not answer fails the items for redelivery, dead-letters nothing', async () => {
    const { deps, documents, letters } = setup();
    documents.failNext = 100;
    const result = await processBatch(raws([queue('down')]), deps);
    expect(result.failures).toHaveLength(1);
    expect(letters).toEqual([]);
  });

  it('a complete run that arrives before its resources deletes nothing until every one of them has landed', async () => {
    const { deps, feed, latest } = setup();
    // the previous inventory: three queues
    await processBatch(raws([queue('keep1', '2026-11-24T08:00:00Z', 'run-0'), queue('keep2', '2026-11-24T08:00:00Z', 'run-0'), queue('gone', '2026-11-24T08:00:00Z', 'run-0')]), deps);
    // the new run saw keep1 and keep2; its run record comes first (another shard)
    const early = await processBatch(raws([run('run-1', 2)], 'shardId-1'), deps);
    expect(early).toMatchObject({ markedDeleted: 0, runsPending: 1 });
    const half = await processBatch(raws([queue('keep1', '2026-11-24T09:00:00Z', 'run-1')]), deps);
    expect(half).toMatchObject({ markedDeleted: 0, runsPending: 1 });
    expect([...feed.lines('resource').keys()].some((k) => k.endsWith('ResourceDeleted'))).toBe(false);
    const rest = await processBatch(raws([queue('keep2', '2026-11-24T09:00:00Z', 'run-1')]), deps);
    expect(rest).toMatchObject({ markedDeleted: 1, runsPending: 0 });
    const deleted = [...feed.lines('resource').keys()].filter((k) => k.endsWith('ResourceDeleted'));
    expect(deleted).toEqual([`${queue('gone').arn}@2026-11-24T08:00:00Z@ResourceDeleted`]);
    expect(latest.get(queue('gone').arn)!.record.configurationItemStatus).toBe('ResourceDeleted');
    expect(latest.get(queue('keep2').arn)!.record.configurationItemStatus).toBe('OK');
    // the run record replayed: applied once, nothing more
    await processBatch(raws([run('run-1', 2)], 'shardId-1'), deps);
    expect([...feed.lines('resource').keys()].filter((k) => k.endsWith('ResourceDeleted'))).toHaveLength(1);
  });
});
