// The processing core shared by the Lambda handler and the local consumer:
// decode -> follow pointers -> enrich (account, trusted accounts, exceptions) -> per-record checks
// -> land (S3 feed, latest state, OpenSearch, trusted-accounts documents, deletions) -> dead letters.
// A record that breaks the contract is dead-lettered and the batch goes on; a record whose landing
// failed is reported by sequence number, so the stream delivers it again (landing is idempotent).
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import pLimit from 'p-limit';
import type { ExceptionIndex } from '../core/exceptions.js';
import { log } from '../platform/log.js';
import type { AccountRecord, FindingRecord, InventoryRunRecord, ResourceRecord, StreamRecord } from '../core/schemas.js';
import { evaluateRecords, toOcsf, type Catalog } from '../standard/index.js';
import { withAccount, type AccountDirectory } from './enrich-account.js';
import { withException } from '../registers/exceptions.js';
import { bulkIndex, supersededRefs, type IndexOp } from '../opensearch/bulk.js';
import { findUnseenResources, type DeletionMarker } from '../opensearch/deleted.js';
import { indexDeadLetters } from '../opensearch/dead-letters.js';
import { documentFor, documentId, indexFor, recordIdentity, recordVersion, type Landable } from '../opensearch/ops.js';
import { ensureIndexTemplatesOnce, ensureResourceIndex } from '../opensearch/templates.js';
import { updateTrustedAccountDocuments } from '../opensearch/trusted-accounts.js';
import { followPointer, TransientError } from './pointer.js';
import { feedKey, writeDeadLetters, writeLatestState, type BatchId, type FeedKind, type FeedSink } from './sink-s3.js';
import { withTrust } from '../policy/trust.js';
import type { TrustRegister } from '../registers/trusted-accounts.js';
import { deadLetter, decodeRecord, type DeadLetter, type RawRecord } from './validate.js';

export interface ProcessorDeps {
  s3: S3Client;
  opensearch: Client;
  indexPrefix: string;
  feedBucket: string;
  deadLetterBucket: string;
  feed: FeedSink;
  accounts: AccountDirectory;
  trustRegister: TrustRegister;
  exceptions: ExceptionIndex;
  catalog: Catalog;
  /** refresh OpenSearch after landing (tests, demo) */
  refresh?: boolean;
}

export interface BatchResult {
  received: number;
  /** records landed everywhere incl. the feed (findings of per-record checks count too); records after the first failure are delivered again and not counted */
  landed: number;
  deadLettered: number;
  deadLetterKeys: string[];
  /** OpenSearch already held this or a newer copy */
  alreadyNewer: number;
  markedDeleted: number;
  /** stream positions whose landing failed: deliver again */
  failures: { shardId: string; sequenceNumber: string; reason: string }[];
  feedKeys: string[];
}

/** One record on its way through the batch, tied to the stream item it came from. */
interface Item {
  raw: number;
  record: Exclude<StreamRecord, { recordType: 'pointer' }>;
}

/** Pure enrichment of one decoded record. */
export function enrichRecord<R extends Item['record']>(
  record: R,
  ctx: { accounts: ReadonlyMap<string, AccountRecord>; trustRegister: TrustRegister; exceptions: ExceptionIndex },
): R {
  let out = withAccount(record, ctx.accounts);
  if (out.recordType === 'resource') {
    out = withTrust(out, { orgAccounts: ctx.accounts, register: ctx.trustRegister }) as typeof out;
  } else if (out.recordType === 'finding') {
    out = withException(out, ctx.exceptions) as typeof out;
  }
  return out as R;
}

/** The per-record checks of the security standard, for a resource that still exists. */
function checkRecord(catalog: Catalog, record: ResourceRecord): FindingRecord[] {
  if (record.configurationItemStatus === 'ResourceDeleted') return [];
  try {
    return evaluateRecords(catalog, [record], record.configurationItemCaptureTime);
  } catch (err) {
    log.error({ arn: record.arn, err: (err as Error).message }, 'per-record checks failed; the resource still lands');
    return [];
  }
}

export async function processBatch(raws: RawRecord[], deps: ProcessorDeps): Promise<BatchResult> {
  const result: BatchResult = {
    received: raws.length,
    landed: 0,
    deadLettered: 0,
    deadLetterKeys: [],
    alreadyNewer: 0,
    markedDeleted: 0,
    failures: [],
    feedKeys: [],
  };
  if (!raws.length) return result;
  const failed = new Map<number, string>();
  const fail = (raw: number, reason: string) => {
    if (!failed.has(raw)) failed.set(raw, reason);
  };
  const deadLetters: { raw: number; entry: DeadLetter }[] = [];

  // 1. decode and validate; follow pointers
  const items: Item[] = [];
  const limit = pLimit(16);
  const decodeOne = async (raw: RawRecord, i: number) => {
    let decoded = decodeRecord(raw.data);
    let stage: DeadLetter['stage'] = 'validate';
    if (decoded.ok && decoded.record.recordType === 'pointer') {
      stage = 'pointer';
      try {
        decoded = await followPointer(deps.s3, decoded.record);
      } catch (err) {
        if (err instanceof TransientError) return fail(i, err.message);
        throw err;
      }
    }
    if (!decoded.ok) deadLetters.push({ raw: i, entry: deadLetter(raw, stage, decoded.reason, decoded.label) });
    else items.push({ raw: i, record: decoded.record as Item['record'] });
  };
  await Promise.all(raws.map((raw, i) => limit(() => decodeOne(raw, i))));
  items.sort((a, b) => a.raw - b.raw);

  // 2. enrich and check; 3. land in the latest state, OpenSearch and the trust map
  const enrichedItems: Item[] = [];
  try {
    const accounts = await deps.accounts.current();
    const ctx = { accounts, trustRegister: deps.trustRegister, exceptions: deps.exceptions };
    for (const item of items) {
      const record = enrichRecord(item.record, ctx);
      enrichedItems.push({ raw: item.raw, record });
      if (record.recordType === 'resource') {
        for (const finding of checkRecord(deps.catalog, record)) enrichedItems.push({ raw: item.raw, record: enrichRecord(finding, ctx) });
      }
    }
    await land(enrichedItems, raws, deps, result, fail, deadLetters);
  } catch (err) {
    // nothing of the batch is known to have landed everywhere: deliver all of it again
    log.error({ err: (err as Error).message }, 'batch landing failed');
    for (const item of items) fail(item.raw, `${(err as Error).name}: ${(err as Error).message}`);
  }

  // 4. dead letters last: a record is only done once its dead-letter entry is stored
  const letters = deadLetters.filter((d) => !failed.has(d.raw));
  try {
    result.deadLetterKeys = await writeDeadLetters(deps.s3, deps.deadLetterBucket, letters.map((d) => d.entry));
    result.deadLettered = letters.length;
    for (const d of letters) log.warn({ stage: d.entry.stage, reason: d.entry.reason, sequenceNumber: d.entry.sequenceNumber }, 'record dead-lettered');
  } catch (err) {
    for (const d of letters) fail(d.raw, `dead-letter write failed: ${(err as Error).message}`);
  }
  // searchable copies for the dashboards; the S3 dead letter is the record of it, so a failure here only logs
  if (result.deadLetterKeys.length) {
    const stored = letters.map((d, i) => ({ ...d.entry, key: result.deadLetterKeys[i]! }));
    await indexDeadLetters(deps.opensearch, deps.indexPrefix, stored, { refresh: deps.refresh }).then(
      (r) => r.failed && log.warn({ failed: r.failed }, 'dead letters not indexed (they are in S3)'),
      (err: Error) => log.warn({ err: err.message }, 'dead letters not indexed (they are in S3)'),
    );
  }

  // 5. the feed, last: only the records before the first failure, in objects named by that range. The stream
  // delivers again from the first failure, so a record never lands in two feed objects of different names.
  const firstFailed = failed.size ? Math.min(...failed.keys()) : raws.length;
  if (firstFailed > 0) {
    const done = enrichedItems.filter((item) => item.raw < firstFailed);
    const batch: BatchId = {
      shardId: raws[0]!.shardId,
      firstSequenceNumber: raws[0]!.sequenceNumber,
      lastSequenceNumber: raws[firstFailed - 1]!.sequenceNumber,
      at: raws[0]!.arrivalTime,
    };
    const byKind = new Map<FeedKind, Item[]>();
    for (const item of done) byKind.set(item.record.recordType, [...(byKind.get(item.record.recordType) ?? []), item]);
    await Promise.all(
      [...byKind].map(async ([kind, kindItems]) => {
        try {
          const records = kindItems.map((i) => i.record);
          await deps.feed.write(kind, records, batch);
          result.feedKeys.push(feedKey(kind, batch));
          // findings also go out as OCSF Compliance Findings (class 2003) for SIEMs that read OCSF
          if (kind === 'finding') {
            await deps.feed.write('ocsf-finding', records.map((f) => toOcsf(f as FindingRecord, { catalog: deps.catalog })), batch);
            result.feedKeys.push(feedKey('ocsf-finding', batch));
          }
          result.landed += kindItems.length;
        } catch (err) {
          for (const i of kindItems) fail(i.raw, `feed ${kind}: ${(err as Error).message}`);
        }
      }),
    );
    result.feedKeys.sort();
  }

  result.failures = [...failed.entries()]
    .sort(([a], [b]) => a - b)
    .map(([i, reason]) => ({ shardId: raws[i]!.shardId, sequenceNumber: raws[i]!.sequenceNumber, reason }));
  return result;
}

async function land(
  items: Item[],
  raws: RawRecord[],
  deps: ProcessorDeps,
  result: BatchResult,
  fail: (raw: number, reason: string) => void,
  deadLetters: { raw: number; entry: DeadLetter }[],
): Promise<void> {
  const resourceIdx = items.flatMap((item, i) => (item.record.recordType === 'resource' ? [i] : []));
  const latest = (idx: number[], checkStored: boolean) =>
    writeLatestState(
      deps.s3,
      deps.feedBucket,
      idx.map((i) => ({ record: items[i]!.record as ResourceRecord, version: recordVersion(items[i]!.record as ResourceRecord) })),
      { checkStored },
    ).then((r) => {
      for (const f of r.failed) fail(items[idx[f.index]!]!.raw, `latest state: ${f.reason}`);
    });

  // OpenSearch documents and the trusted-accounts documents
  const osFailed = new Set<number>();
  const osWrite = (async () => {
    await ensureIndexTemplatesOnce(deps.opensearch, deps.indexPrefix);
    const landable = items.flatMap((item, i) => (item.record.recordType === 'inventory-run' ? [] : [{ i, record: item.record as Landable }]));
    const ops: IndexOp[] = [];
    for (const { i, record } of landable) {
      if (record.recordType === 'resource') await ensureResourceIndex(deps.opensearch, deps.indexPrefix, record.resourceType);
      ops.push({ index: indexFor(record, deps.indexPrefix), id: documentId(recordIdentity(record)), version: recordVersion(record), doc: documentFor(record), ref: i });
    }
    const outcome = await bulkIndex(deps.opensearch, ops, { refresh: deps.refresh });
    result.alreadyNewer += outcome.alreadyNewer;
    for (const f of outcome.failed) {
      osFailed.add(f.ref);
      fail(items[f.ref]!.raw, `OpenSearch: ${f.reason}`);
    }
    for (const r of outcome.rejected) {
      const item = items[r.ref]!;
      deadLetters.push({ raw: item.raw, entry: { ...deadLetter(raws[item.raw]!, 'opensearch', r.reason), record: `${item.record.recordType} ${recordIdentity(item.record as Landable)}` } });
    }
    // only copies that are (still) the stored one may change the trust map: a late, older copy must not
    const conflicted = new Set(outcome.conflicts);
    const superseded = await supersededRefs(deps.opensearch, ops.filter((op) => conflicted.has(op.ref) && items[op.ref]!.record.recordType === 'resource'));
    const rejected = new Set(outcome.rejected.map((r) => r.ref));
    const current = resourceIdx.filter((i) => !superseded.has(i) && !osFailed.has(i) && !rejected.has(i));
    // the latest state follows OpenSearch's versioning decision; copies it refused for content are checked against S3 itself
    const latestWrites = Promise.all([latest(current, false), latest([...rejected].filter((i) => resourceIdx.includes(i)), true)]);
    try {
      await updateTrustedAccountDocuments(deps.opensearch, deps.indexPrefix, current.map((i) => items[i]!.record as ResourceRecord));
    } catch (err) {
      for (const i of resourceIdx) {
        osFailed.add(i);
        fail(items[i]!.raw, `trusted-accounts: ${(err as Error).message}`);
      }
    }
    await latestWrites;
  })().catch((err: Error) => {
    for (let i = 0; i < items.length; i++) {
      osFailed.add(i);
      fail(items[i]!.raw, `OpenSearch: ${err.name}: ${err.message}`);
    }
  });

  await osWrite;

  // complete inventory runs: after this batch's resources are indexed
  for (const [i, item] of items.entries()) {
    if (item.record.recordType !== 'inventory-run' || !item.record.complete) continue;
    try {
      result.markedDeleted += await markDeleted(item.record, deps);
    } catch (err) {
      osFailed.add(i);
      fail(item.raw, `marking unseen resources deleted: ${(err as Error).message}`);
    }
  }
}

/** Land deletion markers for what a complete run did not see: OpenSearch, latest state, trusted accounts, feed. */
async function markDeleted(run: InventoryRunRecord, deps: ProcessorDeps): Promise<number> {
  const markers: DeletionMarker[] = await findUnseenResources(deps.opensearch, deps.indexPrefix, run);
  if (!markers.length) return 0;
  // OpenSearch last: until it holds the markers, a retry of the run record finds the same resources again
  const latest = await writeLatestState(deps.s3, deps.feedBucket, markers);
  if (latest.failed.length) throw new Error(`latest state: ${latest.failed[0]!.reason}`);
  await updateTrustedAccountDocuments(deps.opensearch, deps.indexPrefix, markers.map((m) => m.record));
  // the deletions also go to the feed, named by the run so a replay overwrites them
  await deps.feed.write('resource', markers.map((m) => m.record), {
    shardId: `deleted-${run.accountId}-${run.region}-${run.collector}`,
    firstSequenceNumber: run.runId,
    lastSequenceNumber: 'unseen',
    at: new Date(run.finishedAt),
  });
  const ops: IndexOp[] = markers.map((m, ref) => ({
    index: indexFor(m.record, deps.indexPrefix),
    id: documentId(m.record.arn),
    version: m.version,
    doc: documentFor(m.record),
    ref,
  }));
  const outcome = await bulkIndex(deps.opensearch, ops, { refresh: deps.refresh });
  if (outcome.failed.length || outcome.rejected.length) {
    throw new Error(`${outcome.failed.length + outcome.rejected.length} deletion markers did not land: ${(outcome.failed[0] ?? outcome.rejected[0])!.reason}`);
  }
  return markers.length - outcome.alreadyNewer;
}
