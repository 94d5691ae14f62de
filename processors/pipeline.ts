// The processing core shared by the Lambda handler and the local consumer, in named steps:
// decode (validate, follow pointers) -> enrich (account, trusted accounts, exceptions, per-record checks)
// -> plan (what every store already holds of each identity) -> change history (before what it describes is
// overwritten) -> index (OpenSearch) -> latest state and
// trust map -> feed -> inventory runs (deletions, only from evidence: one run record per account) -> dead letters.
// One ledger per batch carries the failures, dead letters and counters through the steps.
//
// Exactly-once effect: every store is keyed by the record's identity (core/records.ts) and versioned by its
// event time. OpenSearch takes a copy whose version is at least the stored one (a replay may correct its
// enrichment) and refuses an older one. The feed gets a copy only when no store holds it yet, or when the
// feed object its stored copy names was never written; feed objects are named by the copies they hold, so
// writing the same copies again overwrites. A record whose landing failed is reported by stream position and
// delivered again; one the stores refuse for its content is dead-lettered with the reason.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import pLimit from 'p-limit';
import type { ExceptionIndex } from '../core/exceptions.js';
import { indexNames } from '../core/indexes.js';
import { identityOf, kindOf, versionOf } from '../core/records.js';
import { coverageKey, feedCopyOfRun } from '../core/runs.js';
import { recordContentHash } from '../core/content.js';
import type { AccountRecord, FindingRecord, InventoryRunRecord, ResourceRecord } from '../core/schemas.js';
import { log } from '../platform/log.js';
import { evaluateRecords, toOcsf, type Catalog } from '../standard/index.js';
import { accountFor, withAccount } from './enrich-account.js';
import { withException } from '../registers/exceptions.js';
import { documentId, type BulkOptions, type BulkOutcome, type IndexOp } from '../opensearch/bulk.js';
import { indexDeadLetters } from '../opensearch/dead-letters.js';
import type { DeletionMarker } from '../opensearch/deleted.js';
import { documentFor, type Storable } from '../opensearch/ops.js';
import { OpenSearchStore, initialRunState, runLedgerDocument, type DocumentStore, type RunState, type StoredCopy } from '../opensearch/store.js';
import { followPointer, TransientError } from './pointer.js';
import { decideFinding, decideResource, withContentHash } from './changes.js';
import type { ChangeRecord } from '../core/schemas.js';
import { feedKey, siblingFeedKey, writeDeadLetters, writeLatestState, type FeedKind, type FeedSink } from './sink-s3.js';
import { trustFields, withTrust } from '../policy/trust.js';
import { contentHash, contentTexts } from '../core/content.js';
import { derivationOf, derivedFrom, derivesStored, sourceBytesHash, sourceHash, type Derivation } from './derivation.js';
import type { TrustRegister } from '../registers/trusted-accounts.js';
import { deadLetter, decodeRecord, type DeadLetter, type DecodeLimits, type RawRecord } from './validate.js';

/** The account list, as the enrichment step reads it (AccountDirectory in production). */
export interface AccountSource {
  /**
   * The current list. Never changed once returned: a new list is a new map (processors/derivation.ts fingerprints a
   * map once, by identity).
   */
  current(): Promise<ReadonlyMap<string, AccountRecord>>;
}

/** The latest state of each resource (S3 `latest/` in production). */
export interface LatestStore {
  write(items: { record: ResourceRecord & Record<string, unknown>; version: number }[]): Promise<{ failed: { index: number; reason: string; permanent: boolean }[] }>;
}

/** Where dead-lettered records go (S3 in production); returns one key per entry. */
export interface DeadLetterStore {
  write(entries: DeadLetter[]): Promise<string[]>;
}

export interface ProcessorDeps {
  s3: S3Client;
  opensearch: Client;
  indexPrefix: string;
  feedBucket: string;
  deadLetterBucket: string;
  feed: FeedSink;
  accounts: AccountSource;
  trustRegister: TrustRegister;
  exceptions: ExceptionIndex;
  catalog: Catalog;
  /** refresh OpenSearch after landing (tests, demo) */
  refresh?: boolean;
  /** gzip inflation limit and time bounds of the record contract */
  limits?: DecodeLimits;
  /** retry rounds of OpenSearch bulk writes before a batch item is reported failed */
  bulk?: BulkOptions;
  /**
   * change-only landing (default on): a newer copy whose content equals the stored one lands nowhere. Off, every
   * copy is written again as before; the scores are the same either way (test/integration/scores-change-only.test.ts).
   */
  changeOnly?: boolean;
  /** the stores; by default OpenSearch, S3 `latest/` and the S3 dead-letter bucket of the clients above */
  documents?: DocumentStore;
  latest?: LatestStore;
  deadLetters?: DeadLetterStore;
}

export interface BatchResult {
  received: number;
  /** copies landed in every store (findings of per-record checks count too) */
  landed: number;
  deadLettered: number;
  deadLetterKeys: string[];
  /** a store already held a newer copy: nothing to do */
  alreadyNewer: number;
  /** copies every store already held (a replay or a second put): not fed again */
  replayed: number;
  /** newer copies whose content equals the stored one (change-only landing): written nowhere */
  unchanged: number;
  /** of `unchanged`, the resources recognised by their fingerprints without deriving them again (processors/derivation.ts) */
  recalled: number;
  /** change records landed (created, modified and deleted resources) */
  changes: number;
  markedDeleted: number;
  /** inventory runs left pending (runs are applied in the batch they land in: 0 unless applying failed) */
  runsPending: number;
  /** stream positions whose landing failed: deliver again */
  failures: { shardId: string; sequenceNumber: string; reason: string }[];
  feedKeys: string[];
}

/** One record on its way through the batch, tied to the stream item it came from. */
interface Item {
  raw: number;
  record: Storable;
  identity: string;
  version: number;
  index: string;
}

/** What the plan step decided for an item. */
interface Decision {
  /** newest copy of its identity in the batch and not older than the stored one: write it to the document store */
  write: boolean;
  /** no store holds this copy yet (or its stored feed object is missing): it goes to the feed */
  feed: boolean;
  /** the feed object the stored copy names, kept on the rewritten document */
  keepFeedKey?: string;
  /** the stored copy is newer */
  older: boolean;
  /** a newer copy with the stored content (change-only landing): it lands nowhere */
  unchanged?: boolean;
  /** a finding's stored status, when one was stored: a different one is a flip */
  previousStatus?: string;
}

/** Failures, dead letters and counters of one batch: every step writes here, the result is read from here. */
export class BatchLedger {
  private readonly failed = new Map<number, string>();
  private readonly letters: { raw: number; entry: DeadLetter }[] = [];
  readonly counts = { landed: 0, alreadyNewer: 0, replayed: 0, unchanged: 0, recalled: 0, changes: 0, markedDeleted: 0, runsPending: 0 };
  readonly feedKeys: string[] = [];
  deadLetterKeys: string[] = [];
  deadLettered = 0;

  constructor(readonly raws: RawRecord[]) {}

  /** the stream item is delivered again; the first reason is kept */
  fail(raw: number, reason: string): void {
    if (!this.failed.has(raw)) this.failed.set(raw, reason);
  }

  failAll(raws: Iterable<number>, reason: string): void {
    for (const r of raws) this.fail(r, reason);
  }

  hasFailed(raw: number): boolean {
    return this.failed.has(raw);
  }

  deadLetter(raw: number, stage: DeadLetter['stage'], reason: string, label?: string): void {
    this.letters.push({ raw, entry: deadLetter(this.raws[raw]!, stage, reason, label) });
  }

  isDeadLettered(raw: number, label?: string): boolean {
    return this.letters.some((d) => d.raw === raw && (label === undefined || d.entry.record === label));
  }

  /** dead letters of items that did not fail otherwise (a failed item is delivered again and judged then) */
  pendingLetters(): { raw: number; entry: DeadLetter }[] {
    return this.letters.filter((d) => !this.failed.has(d.raw));
  }

  result(): BatchResult {
    return {
      received: this.raws.length,
      ...this.counts,
      deadLettered: this.deadLettered,
      deadLetterKeys: this.deadLetterKeys,
      failures: [...this.failed.entries()]
        .sort(([a], [b]) => a - b)
        .map(([i, reason]) => ({ shardId: this.raws[i]!.shardId, sequenceNumber: this.raws[i]!.sequenceNumber, reason })),
      feedKeys: [...this.feedKeys].sort(),
    };
  }
}

/** Pure enrichment of one decoded record. */
export interface EnrichContext {
  accounts: ReadonlyMap<string, AccountRecord>;
  trustRegister: TrustRegister;
  exceptions: ExceptionIndex;
  /** the inputs beside the record, fingerprinted: given, a resource carries its `sourceHash` and `derivedFrom` */
  derivation?: Derivation;
}

export function enrichRecord<R extends Storable>(record: R, ctx: EnrichContext): R {
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

const label = (item: Item) => `${item.record.recordType} ${item.identity}`;
const errorText = (err: unknown) => `${(err as Error).name}: ${(err as Error).message}`;

/** The stores of a deps object: the given ones, or those of its clients. */
export function storesOf(deps: ProcessorDeps): { documents: DocumentStore; latest: LatestStore; deadLetters: DeadLetterStore } {
  return {
    documents: deps.documents ?? new OpenSearchStore(deps.opensearch, deps.indexPrefix, { refresh: deps.refresh, ...deps.bulk }),
    latest: deps.latest ?? { write: (items) => writeLatestState(deps.s3, deps.feedBucket, items) },
    deadLetters: deps.deadLetters ?? {
      write: async (entries) => {
        const keys = await writeDeadLetters(deps.s3, deps.deadLetterBucket, entries);
        // searchable copies for the dashboards; the S3 dead letter is the record of it, so a failure here only logs
        if (keys.length) {
          await indexDeadLetters(deps.opensearch, deps.indexPrefix, entries.map((e, i) => ({ ...e, key: keys[i]! })), { refresh: deps.refresh }).then(
            (r) => r.failed && log.warn({ failed: r.failed }, 'dead letters not indexed (they are in S3)'),
            (err: Error) => log.warn({ err: err.message }, 'dead letters not indexed (they are in S3)'),
          );
        }
        return keys;
      },
    },
  };
}

export async function processBatch(raws: RawRecord[], deps: ProcessorDeps): Promise<BatchResult> {
  const ledger = new BatchLedger(raws);
  if (!raws.length) return ledger.result();
  const stores = storesOf(deps);
  const decoded = await decodeStep(raws, deps, ledger);
  try {
    const { items, known } = await enrichStep(decoded, deps, stores, ledger);
    await landStep(items, known, deps, stores, ledger);
  } catch (err) {
    // nothing of the batch is known to have landed everywhere: deliver all of it again
    log.error({ err: (err as Error).message }, 'batch landing failed');
    ledger.failAll(decoded.map((d) => d.raw), errorText(err));
  }
  await deadLetterStep(stores.deadLetters, ledger);
  return ledger.result();
}

/** A record read from a stream item, with the JSON text it was read from. */
interface DecodedItem {
  raw: number;
  record: Storable;
  json: string;
}

/** Step 1: bytes to records; poison goes to the ledger's dead letters, an unreadable pointer target is retried. */
async function decodeStep(raws: RawRecord[], deps: ProcessorDeps, ledger: BatchLedger): Promise<DecodedItem[]> {
  const out: DecodedItem[] = [];
  const limit = pLimit(16);
  await Promise.all(
    raws.map((raw, i) =>
      limit(async () => {
        let decoded = decodeRecord(raw.data, deps.limits);
        let stage: DeadLetter['stage'] = 'validate';
        if (decoded.ok && decoded.record.recordType === 'pointer') {
          stage = 'pointer';
          try {
            decoded = await followPointer(deps.s3, decoded.record, deps.limits);
          } catch (err) {
            if (err instanceof TransientError) return ledger.fail(i, err.message);
            throw err;
          }
        }
        if (!decoded.ok) ledger.deadLetter(i, stage, decoded.reason, decoded.label);
        else out.push({ raw: i, record: decoded.record as Storable, json: decoded.json });
      }),
    ),
  );
  return out.sort((a, b) => a.raw - b.raw);
}

/** Stored copies of the batch's documents, by `index|id`: read once, by the enrich step or the plan step. */
type Known = Map<string, StoredCopy | undefined>;
const storeKey = (index: string, identity: string) => `${index}|${documentId(identity)}`;

/**
 * Step 2: account, trust and exception enrichment; the standard's per-record checks add their findings. Under
 * change-only landing a resource whose stored copy has the same fingerprints (processors/derivation.ts) is not
 * derived again: it is unchanged, and so are its findings.
 */
async function enrichStep(decoded: DecodedItem[], deps: ProcessorDeps, stores: { documents: DocumentStore }, ledger: BatchLedger): Promise<{ items: Item[]; known: Known }> {
  const accounts = await deps.accounts.current();
  const inputs = { accounts, trustRegister: deps.trustRegister, exceptions: deps.exceptions };
  const ctx: EnrichContext = { ...inputs, derivation: derivationOf(inputs, deps.catalog) };
  const names = indexNames(deps.indexPrefix);
  const item = (raw: number, record: Storable): Item => ({
    raw,
    record,
    identity: identityOf(record),
    version: versionOf(record),
    index: kindOf(record).index(record, names)!,
  });
  // the stored copies of this batch's resources, in one read (the plan step reuses them)
  const resources = deps.changeOnly === false ? [] : decoded.flatMap((d) => (d.record.recordType === 'resource' ? [{ ...item(d.raw, d.record), json: d.json }] : []));
  const known: Known = new Map();
  if (resources.length) {
    const got = await stores.documents.stored(resources.map((r) => ({ index: r.index, id: documentId(r.identity) })));
    resources.forEach((r, i) => known.set(storeKey(r.index, r.identity), got[i]));
  }
  const copies = new Map<string, number>();
  for (const r of resources) copies.set(r.identity, (copies.get(r.identity) ?? 0) + 1);
  const recalled = new Set(
    resources.filter((r) => derivesStored(r.record as ResourceRecord, known.get(storeKey(r.index, r.identity)), ctx.derivation!, r.version, copies.get(r.identity)! > 1, r.json)).map((r) => r.raw),
  );
  ledger.counts.recalled += recalled.size;
  ledger.counts.unchanged += recalled.size;
  const items: Item[] = [];
  for (const d of decoded) {
    if (recalled.has(d.raw)) continue;
    for (const record of processRecord(d.record, ctx, deps.catalog, d.json)) items.push(item(d.raw, record));
  }
  return { items, known };
}

/**
 * The per-record work of the enrich step: the enriched record (a resource with its content hash and, given
 * `ctx.derivation`, its fingerprints; `json` is the text it was read from, for `sourceBytesHash`), then the enriched
 * findings of its per-record checks. The processor bench (bench/cases/processor.ts) measures exactly this.
 */
export function processRecord(record: Storable, ctx: EnrichContext, catalog: Catalog, json?: string): Storable[] {
  if (record.recordType !== 'resource') return [enrichRecord(record, ctx)];
  const out = enrichResource(record, ctx, json);
  const all: Storable[] = [out];
  for (const finding of checkRecord(catalog, out)) {
    // a finding of the record already carries the record's account context (the same object): only exceptions remain
    const f = finding.account !== undefined && finding.account === accountFor(finding, ctx.accounts) ? withException(finding, ctx.exceptions) : enrichRecord(finding, ctx);
    all.push(f);
  }
  return all;
}

/**
 * enrichRecord then withContentHash of a resource, built as one object instead of three successive copies: the
 * same keys in the same order (test/unit/processors-record.test.ts pins it to the composition).
 */
function enrichResource(record: ResourceRecord, ctx: EnrichContext, json?: string): ResourceRecord {
  const account = accountFor(record, ctx.accounts);
  const trust = trustFields(record, { orgAccounts: ctx.accounts, register: ctx.trustRegister });
  // the content fields' canonical texts, written once for both hashes
  const texts = contentTexts(record);
  const source = ctx.derivation && { hash: sourceHash(record, texts), from: derivedFrom(record, ctx.derivation) };
  // Object.assign then named stores, not `{ ...record, account, ... }`: the same keys in the same order (a key the
  // record already has keeps its place), but V8 builds a spread-then-extend literal through fresh hidden classes each
  // time, about 8 µs a record against a fraction of that (measured with bench/profile-processor.ts)
  const out: ResourceRecord = Object.assign({}, record);
  if (account !== undefined) out.account = account;
  out.trustedAccounts = trust.trustedAccounts;
  out.publicVerdict = trust.publicVerdict;
  out.publicReason = trust.publicReason;
  out.policyStatements = trust.policyStatements;
  if (trust.public === undefined) delete out.public;
  else out.public = trust.public;
  // the content hash every store keeps, so the next copy can tell whether anything changed
  out.contentHash = contentHash(out, texts);
  // what it was derived from, so an unchanged copy of it next run need not be derived again
  if (source) {
    out.sourceHash = source.hash;
    if (json) out.sourceBytesHash = sourceBytesHash(json);
    out.derivedFrom = source.from;
  }
  return out;
}

/** Step 3: against what the document store holds, decide for each copy whether it is written and fed. */
async function planStep(items: Item[], known: Known, stores: { documents: DocumentStore }, feed: FeedSink, changeOnly: boolean): Promise<Decision[]> {
  const unread = items.filter((i) => !known.has(storeKey(i.index, i.identity)));
  const read = await stores.documents.stored(unread.map((i) => ({ index: i.index, id: documentId(i.identity) })));
  unread.forEach((it, i) => known.set(storeKey(it.index, it.identity), read[i]));
  const stored = items.map((i) => known.get(storeKey(i.index, i.identity)));
  // the newest copy of each identity in the batch is the one written (the last of equal ones)
  const newest = new Map<string, number>();
  items.forEach((it, i) => {
    const prev = newest.get(it.identity);
    if (prev === undefined || it.version >= items[prev]!.version) newest.set(it.identity, i);
  });
  const present = await writtenFeedObjects(stored.map((s, i) => (s?.version === items[i]!.version ? s.feedKey : undefined)), feed);
  // two copies with the same identity and version in one batch (the same record put twice): feed it once
  const fedInBatch = new Set<string>();
  return items.map((it, i): Decision => {
    const s: StoredCopy | undefined = stored[i];
    const older = s !== undefined && s.version > it.version;
    const same = s !== undefined && s.version === it.version;
    const copy = `${it.identity}@${it.version}`;
    let fed = older || (same && s.feedKey !== undefined && present.get(s.feedKey) === true);
    if (!fed && fedInBatch.has(copy)) fed = true;
    if (!fed) fedInBatch.add(copy);
    // an inventory run already in the ledger keeps its state (a replay must not make an applied run pending again)
    const keepRun = it.record.recordType === 'inventory-run' && same;
    // change-only landing: a newer copy that changes nothing lands nowhere (the run's `seen` list is its presence)
    if (changeOnly && s && !older && !same && unchangedCopy(it.record, s)) return { write: false, feed: false, older: false, unchanged: true };
    if (it.record.recordType === 'finding' && !older) {
      // this status since: kept while only the evidence or exception moves, reset when the status flips
      const keep = s?.state && s.state.status === it.record.status && !s.state.resolved;
      const since = keep ? (s.state!.firstObservedAt ?? s.state!.observedAt ?? it.record.observedAt) : it.record.observedAt;
      it.record = { ...it.record, firstObservedAt: since < it.record.observedAt ? since : it.record.observedAt, lastObservedAt: it.record.observedAt };
    }
    const previousStatus = it.record.recordType === 'finding' ? s?.state?.status : undefined;
    return {
      ...(previousStatus ? { previousStatus } : {}),
      write: newest.get(it.identity) === i && !older && !keepRun,
      feed: !fed,
      keepFeedKey: same && fed ? s.feedKey : undefined,
      older,
    };
  });
}

/** Which of the feed objects stored copies name were written: one HEAD per object, not per copy. */
async function writtenFeedObjects(keys: (string | undefined)[], feed: FeedSink): Promise<ReadonlyMap<string, boolean>> {
  const named = [...new Set(keys.filter((k): k is string => k !== undefined))];
  return new Map(await Promise.all(named.map(async (k) => [k, await feed.exists(k)] as const)));
}

/** The feed objects of this batch: one per kind, named by the copies it holds. */
function feedPlan(items: Item[], decisions: Decision[], at: Date): Map<FeedKind, { key: string; members: number[] }> {
  const byKind = new Map<FeedKind, number[]>();
  items.forEach((it, i) => {
    if (!decisions[i]!.feed) return;
    const kind = kindOf(it.record).feedKind as FeedKind;
    byKind.set(kind, [...(byKind.get(kind) ?? []), i]);
  });
  return new Map(
    [...byKind].map(([kind, members]) => [kind, { key: feedKey(kind, at, members.map((i) => ({ identity: items[i]!.identity, version: items[i]!.version }))), members }]),
  );
}

/** Steps 3-7 for the decoded, enriched items. */
async function landStep(items: Item[], known: Known, deps: ProcessorDeps, stores: ReturnType<typeof storesOf>, ledger: BatchLedger): Promise<void> {
  const { documents } = stores;
  await documents.prepare(items.map((i) => ({ index: i.index, resourceType: i.record.recordType === 'resource' ? i.record.resourceType : undefined })));
  const decisions = await planStep(items, known, stores, deps.feed, deps.changeOnly !== false);
  // the partition hour of this batch's feed objects: the first record's arrival, the same on every replay of it
  const at = ledger.raws[0]!.arrivalTime;
  const objects = feedPlan(items, decisions, at);
  // the feed object of each copy (identity@version), also for a second put of it in the same batch
  const feedKeyOf = new Map<string, string>();
  for (const { key, members } of objects.values()) for (const i of members) feedKeyOf.set(`${items[i]!.identity}@${items[i]!.version}`, key);

  // the stored content of resources about to change, read before they are overwritten (for the change's diff)
  const prior = await priorContents(items, decisions, stores);

  // 3b. change history, before the resources it describes are written: once a resource's new state is stored, a
  // redelivery sees nothing changed, so a change that had not landed by then would be lost for good. A change
  // that landed before a failure is found again by its changeId and not fed twice (landChangeRecords).
  try {
    ledger.counts.changes += await landChanges(
      items.filter((it, i) => it.record.recordType === 'resource' && decisions[i]!.write),
      items.flatMap((it, i) => (it.record.recordType === 'finding' && decisions[i]!.write ? [{ item: it, previousStatus: decisions[i]!.previousStatus }] : [])),
      prior,
      deps,
      stores,
      at,
    );
  } catch (err) {
    // these resources (and their findings, which share the stream item) are not written: delivered again, they
    // still differ from what is stored and their changes are computed again
    const raws = items.filter((it, i) => it.record.recordType === 'resource' && decisions[i]!.write).map((it) => it.raw);
    ledger.failAll(raws, `changes: ${errorText(err)}`);
  }

  // 4. the document store: the newest copy of each identity, carrying the feed object its copy goes to
  const ops: IndexOp[] = [];
  items.forEach((it, i) => {
    const d = decisions[i]!;
    if (!d.write || ledger.hasFailed(it.raw)) return;
    const key = feedKeyOf.get(`${it.identity}@${it.version}`) ?? d.keepFeedKey;
    const doc = it.record.recordType === 'inventory-run' ? runLedgerDocument({ run: it.record, state: initialRunState(it.record) }) : documentFor(it.record);
    ops.push({ index: it.index, id: documentId(it.identity), version: it.version, doc: key ? { ...doc, feedKey: key } : doc, ref: i });
  });
  const outcome = await indexDerivedLast(ops, items, documents, ledger);
  const notWritten = new Set<number>();
  for (const f of outcome.failed) {
    notWritten.add(f.ref);
    ledger.fail(items[f.ref]!.raw, `OpenSearch: ${f.reason}`);
  }
  for (const r of outcome.rejected) {
    notWritten.add(r.ref);
    ledger.deadLetter(items[r.ref]!.raw, 'opensearch', r.reason, label(items[r.ref]!));
  }
  // a conflict: another writer stored a newer copy since the plan step
  for (const ref of outcome.conflicts) decisions[ref]!.older = true;
  ledger.counts.alreadyNewer += decisions.filter((d) => d.older).length;
  // copies of an identity share the fate of the copy written for it
  const writtenFor = new Map<string, number>(ops.map((op) => [items[op.ref]!.identity, op.ref]));
  const settled = (i: number) => {
    const w = writtenFor.get(items[i]!.identity);
    return !decisions[i]!.older && (w === undefined || !notWritten.has(w)) && !ledger.hasFailed(items[i]!.raw) && !ledger.isDeadLettered(items[i]!.raw, label(items[i]!));
  };

  // 5. the latest state and the trust map follow the document store's decision
  const current = ops.map((op) => op.ref).filter((i) => !notWritten.has(i) && !decisions[i]!.older && items[i]!.record.recordType === 'resource');
  await landLatestAndTrust(current, items, stores, ledger);

  // 6. the feed: the copies no store held yet, of items whose other landings succeeded
  for (const [kind, { key, members }] of objects) {
    const ok = members.filter(settled);
    if (!ok.length) continue;
    // Inventory runs stay in the feed, one line per account and run: a change-only feed is otherwise silent both
    // when nothing changed and when nothing was inventoried, and the run line (scopes complete or not, errors met)
    // tells a SIEM which. Without `seen`: identity hashes mean nothing there and are most of a run's bytes.
    const records = ok.map((i) => {
      const r = items[i]!.record;
      return r.recordType === 'inventory-run' ? feedCopyOfRun(r) : r;
    });
    try {
      // OCSF copies first: the findings object is what a replay checks for, so it is written last
      if (kind === 'finding') {
        const ocsfKey = siblingFeedKey(key, 'ocsf-finding');
        await deps.feed.write('ocsf-finding', records.map((f) => toOcsf(f as FindingRecord, { catalog: deps.catalog })), ocsfKey);
        ledger.feedKeys.push(ocsfKey);
      }
      await deps.feed.write(kind, records, key);
      ledger.feedKeys.push(key);
    } catch (err) {
      ledger.failAll(ok.map((i) => items[i]!.raw), `feed ${kind}: ${errorText(err)}`);
    }
  }

  items.forEach((it, i) => {
    if (!settled(i)) return;
    if (decisions[i]!.unchanged) ledger.counts.unchanged++;
    else if (decisions[i]!.feed) ledger.counts.landed++;
    else ledger.counts.replayed++;
  });

  // 7. inventory runs whose every resource has landed mark what they did not see as deleted
  try {
    const { applied, pending } = await applyRuns(deps, stores);
    ledger.counts.markedDeleted += applied;
    ledger.counts.runsPending = pending;
  } catch (err) {
    // the runs stay pending in the ledger; deliver this batch's run records (or its last record) again so the step runs again
    const runs = items.filter((it) => it.record.recordType === 'inventory-run').map((it) => it.raw);
    ledger.failAll(runs.length ? runs : [ledger.raws.length - 1], `inventory runs: ${errorText(err)}`);
  }
}

/**
 * The document store's writes, resources last: a resource document carries the fingerprints that let the next
 * copy skip deriving its findings (processors/derivation.ts), so it is written only once the findings of its stream
 * item have been. A resource stored ahead of a finding that failed would let a newer, unchanged copy skip the
 * finding for good.
 */
async function indexDerivedLast(ops: IndexOp[], items: Item[], documents: DocumentStore, ledger: BatchLedger): Promise<BulkOutcome> {
  const isResource = (op: IndexOp) => items[op.ref]!.record.recordType === 'resource';
  const first = ops.filter((op) => !isResource(op));
  const last = ops.filter(isResource);
  if (!first.length || !last.length) return documents.index(ops);
  const a = await documents.index(first);
  // a finding refused for its content is dead-lettered and would be refused again: only a failed write holds back
  for (const f of a.failed) ledger.fail(items[f.ref]!.raw, `OpenSearch: ${f.reason}`);
  const held = last.filter((op) => ledger.hasFailed(items[op.ref]!.raw));
  const b = await documents.index(last.filter((op) => !held.includes(op)));
  return {
    indexed: a.indexed + b.indexed,
    alreadyNewer: a.alreadyNewer + b.alreadyNewer,
    conflicts: [...a.conflicts, ...b.conflicts],
    rejected: [...a.rejected, ...b.rejected],
    // a resource held back is not written: reported like a failed write, so it is delivered again
    failed: [...a.failed, ...b.failed, ...held.map((op) => ({ ref: op.ref, reason: 'held back: a finding of its record did not land' }))],
    requests: a.requests + b.requests,
  };
}

/** Whether a newer copy carries exactly what the store holds (processors/changes.ts decides). */
function unchangedCopy(record: Storable, stored: StoredCopy): boolean {
  const state = stored.state;
  if (!state) return false;
  if (record.recordType === 'resource') {
    // a document written before identity hashes existed is written once more, so a run's `seen` list covers it
    if (!state.identityHash) return false;
    // a deletion marker keeps the content of the resource it marks: a copy that exists again is a change
    if ((state.configurationItemStatus ?? 'OK') !== record.configurationItemStatus) return false;
    return decideResource(record, { ...state, configurationItemCaptureTime: undefined }).land === false;
  }
  if (record.recordType === 'finding') return decideFinding(record, { ...state, lastObservedAt: undefined, observedAt: undefined }).land === false;
  // an account or error that says what the stored one says (its presence in this run is the run record's `errors`)
  if (record.recordType === 'account' || record.recordType === 'collection-error') return state.contentHash === recordContentHash(record);
  return false;
}

type Prior = Map<string, Awaited<ReturnType<NonNullable<DocumentStore['contents']>>>[number]>;

/** The stored content of each resource that is about to be rewritten, by identity (one mget). */
async function priorContents(items: Item[], decisions: Decision[], stores: { documents: DocumentStore }): Promise<Prior> {
  const wanted = items.filter((it, i) => it.record.recordType === 'resource' && decisions[i]!.write);
  if (!wanted.length || !stores.documents.contents) return new Map();
  const got = await stores.documents.contents(wanted.map((it) => ({ index: it.index, id: documentId(it.identity) })));
  return new Map(wanted.map((it, i) => [it.identity, got[i]]));
}

/**
 * One change record per resource copy that changed (created, modified, deleted), with the findings of the same
 * resource that flipped PASS/FAIL in this batch; indexed under its changeId (a replay writes it again, the same)
 * and fed once under a key named by the changes it holds.
 */
async function landChanges(resources: Item[], findings: { item: Item; previousStatus?: string }[], prior: Prior, deps: ProcessorDeps, stores: { documents: DocumentStore }, at: Date): Promise<number> {
  const changes: ChangeRecord[] = [];
  for (const it of resources) {
    const record = it.record as ResourceRecord;
    const before = prior.get(it.identity);
    const decided = decideResource(record, before, record.trigger ?? {});
    if (!decided.land) continue;
    // findings of this resource written in this batch with another status than stored: they flipped with this change
    const flipped = findings.flatMap(({ item, previousStatus }) => {
      const f = item.record as FindingRecord;
      if (f.resourceArn !== record.arn || !previousStatus || previousStatus === f.status) return [];
      return [{ requirementId: f.requirementId, from: previousStatus as 'PASS' | 'FAIL', to: f.status }];
    });
    changes.push({ ...decided.change, flipped });
  }
  return landChangeRecords(changes, deps, stores, at);
}

async function landChangeRecords(changes: ChangeRecord[], deps: ProcessorDeps, stores: { documents: DocumentStore }, at: Date): Promise<number> {
  if (!changes.length) return 0;
  const index = indexNames(deps.indexPrefix).changes;
  // a change stored with the feed object it went to, and that object written, was fed by an earlier delivery of
  // this batch (which failed later on): it is indexed again but not fed twice
  const stored = await stores.documents.stored(changes.map((c) => ({ index, id: c.changeId })));
  const present = await writtenFeedObjects(stored.map((s) => s?.feedKey), deps.feed);
  const fed = (i: number) => stored[i]?.feedKey !== undefined && present.get(stored[i]!.feedKey!) === true;
  const fresh = changes.filter((_, i) => !fed(i));
  const key = fresh.length ? feedKey('change', at, fresh.map((c) => ({ identity: c.changeId, version: Date.parse(c.changedAt) }))) : undefined;
  const outcome = await stores.documents.index(
    changes.map((c, ref) => ({ index, id: c.changeId, version: Date.parse(c.changedAt), doc: { ...c, diffPaths: c.diff.map((d) => d.path), feedKey: fed(ref) ? stored[ref]!.feedKey : key }, ref })),
  );
  if (outcome.failed.length || outcome.rejected.length) throw new Error(`${outcome.failed.length + outcome.rejected.length} change records did not land: ${(outcome.failed[0] ?? outcome.rejected[0])!.reason}`);
  if (key) await deps.feed.write('change', fresh, key);
  return changes.length;
}

async function landLatestAndTrust(current: number[], items: Item[], stores: ReturnType<typeof storesOf>, ledger: BatchLedger): Promise<void> {
  const latest = stores.latest
    .write(current.map((i) => ({ record: items[i]!.record as ResourceRecord, version: items[i]!.version })))
    .then((r) => {
      for (const f of r.failed) {
        const item = items[current[f.index]!]!;
        // a request S3 refuses for what it is (not for the deployment's state) will never succeed: dead-letter it
        if (f.permanent) ledger.deadLetter(item.raw, 'latest', f.reason, label(item));
        else ledger.fail(item.raw, `latest state: ${f.reason}`);
      }
    });
  try {
    await stores.documents.updateTrust(current.map((i) => items[i]!.record as ResourceRecord));
  } catch (err) {
    ledger.failAll(current.map((i) => items[i]!.raw), `trusted-accounts: ${errorText(err)}`);
  }
  await latest;
}

/**
 * Deletions only from evidence: a pending run is applied as soon as it is in the ledger. Its `seen` list names
 * everything it saw, so nothing needs to have landed first, whatever shard the resources travelled on and in
 * whatever order they arrived. Of several pending runs of one account and collectors only the newest is applied: an
 * older one can add no evidence the newer one lacks, and applying it after the newer one could only delete by stale
 * evidence.
 */
async function applyRuns(deps: ProcessorDeps, stores: ReturnType<typeof storesOf>): Promise<{ applied: number; pending: number }> {
  const { documents } = stores;
  const pending = await documents.pendingRuns(200);
  if (!pending.length) return { applied: 0, pending: 0 };
  const newest = await documents.newestApplied([...new Set(pending.map((p) => coverageKey(p.run)))]);
  const { apply, superseded } = planRuns(pending, newest);
  let applied = 0;
  const done: RunState[] = superseded.map((state) => ({ ...state, state: 'superseded' as const }));
  for (const state of apply) {
    const marked = await markDeleted(state.run, deps, stores);
    applied += marked;
    done.push({ ...state, state: 'applied', markedDeleted: marked });
  }
  await documents.setRunState(done);
  return { applied, pending: 0 };
}

/**
 * Pure: of the pending runs, the newest of each account and collectors is applied and the older ones are
 * superseded (a per-collector Lambda's run covers only its collector: it supersedes nothing of the others); so is
 * one that started before a run of its coverage already applied (`newestApplied`: coverage -> its startedAt), as
 * when resharding let an account's older run record arrive after a newer one.
 */
export function planRuns<S extends { run: InventoryRunRecord }>(pending: S[], newestApplied: ReadonlyMap<string, string> = new Map()): { apply: S[]; superseded: S[] } {
  const newest = new Map<string, S>();
  const later = (a: InventoryRunRecord, b: InventoryRunRecord) => a.startedAt > b.startedAt || (a.startedAt === b.startedAt && a.finishedAt > b.finishedAt);
  for (const p of pending) {
    const cur = newest.get(coverageKey(p.run));
    if (!cur || later(p.run, cur.run)) newest.set(coverageKey(p.run), p);
  }
  const before = (p: S) => {
    const applied = newestApplied.get(coverageKey(p.run));
    return applied !== undefined && Date.parse(p.run.startedAt) < Date.parse(applied);
  };
  const apply = [...newest.values()].filter((p) => !before(p));
  return { apply, superseded: pending.filter((p) => !apply.includes(p)) };
}

/** Land deletion markers for what a run's complete scopes did not see: latest state, trusted accounts, feed, OpenSearch. */
async function markDeleted(run: InventoryRunRecord, deps: ProcessorDeps, stores: ReturnType<typeof storesOf>): Promise<number> {
  const markers: DeletionMarker[] = await stores.documents.unseen(run);
  if (!markers.length) return 0;
  // OpenSearch last: until it holds the markers, a retry of the run finds the same resources again
  const latest = await stores.latest.write(markers);
  if (latest.failed.length) throw new Error(`latest state: ${latest.failed[0]!.reason}`);
  await stores.documents.updateTrust(markers.map((m) => m.record));
  // named by the markers it holds, so a retry overwrites it
  const key = feedKey('resource', new Date(run.finishedAt), markers.map((m) => ({ identity: m.record.arn, version: m.version })));
  await deps.feed.write('resource', markers.map((m) => m.record), key);
  const names = indexNames(deps.indexPrefix);
  const ops: IndexOp[] = markers.map((m, ref) => ({
    index: kindOf(m.record).index(m.record, names)!,
    id: documentId(m.record.arn),
    version: m.version,
    doc: { ...documentFor(withContentHash(m.record)), feedKey: key },
    ref,
  }));
  const outcome = await stores.documents.index(ops);
  if (outcome.failed.length || outcome.rejected.length) {
    throw new Error(`${outcome.failed.length + outcome.rejected.length} deletion markers did not land: ${(outcome.failed[0] ?? outcome.rejected[0])!.reason}`);
  }
  // the change history says when each went and which run found it gone
  const gone = markers.flatMap((m) => {
    const d = decideResource(
      { ...withContentHash(m.record), configurationItemCaptureTime: m.record.deletedAt },
      { contentHash: m.record.contentHash, configurationItemCaptureTime: m.record.configurationItemCaptureTime, configurationItemStatus: 'OK' },
    );
    return d.land ? [d.change] : [];
  });
  await landChangeRecords(gone, deps, stores, new Date(run.finishedAt));
  log.info({ runId: run.runId, accountId: run.accountId, marked: markers.length - outcome.alreadyNewer }, 'resources unseen by complete scopes of a run marked deleted');
  return markers.length - outcome.alreadyNewer;
}

/** Step 8: dead letters, last: a record is only done once its dead-letter entry is stored. */
async function deadLetterStep(store: DeadLetterStore, ledger: BatchLedger): Promise<void> {
  const letters = ledger.pendingLetters();
  if (!letters.length) return;
  try {
    ledger.deadLetterKeys = await store.write(letters.map((d) => d.entry));
    ledger.deadLettered = letters.length;
    for (const d of letters) log.warn({ stage: d.entry.stage, reason: d.entry.reason, sequenceNumber: d.entry.sequenceNumber }, 'record dead-lettered');
  } catch (err) {
    ledger.failAll(letters.map((d) => d.raw), `dead-letter write failed: ${(err as Error).message}`);
  }
}
