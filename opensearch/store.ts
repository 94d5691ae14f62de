// The document store of the processors on OpenSearch: the stored version of each identity (and the feed
// object its copy went to), versioned bulk writes, the trust map, and the inventory-run ledger (one entry per
// account and run) that deletions are applied from. The pipeline sees only the DocumentStore interface, so it
// can be tested with an in-memory store.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import { identityOf } from '../core/records.js';
import { coverageKey, deletingScopes, resourceCountOf, scopesOf } from '../core/runs.js';
import { InventoryRunRecord, type ResourceRecord } from '../core/schemas.js';
import { bulkIndex, documentId, type BulkOptions, type BulkOutcome, type IndexOp } from './bulk.js';
import { findUnseenResources, unseenQuery, type DeletionMarker } from './deleted.js';
import { propertiesFor } from './mappings.js';
import { ensureIndexTemplatesOnce, ensureResourceIndex } from './templates.js';
import { updateTrustedAccountDocuments } from './trusted-accounts.js';

/** What a store holds for one identity: the version and the feed object that copy went to. */
export interface StoredCopy {
  version: number;
  feedKey?: string;
  /** what change-only landing compares (processors/changes.ts): a resource's content hash, a finding's state */
  state?: StoredState;
}

/** The fields of a stored copy that tell whether a newer copy changed anything. */
export interface StoredState {
  contentHash?: string;
  sourceHash?: string;
  sourceBytesHash?: string;
  derivedFrom?: string;
  identityHash?: string;
  configurationItemCaptureTime?: string;
  configurationItemStatus?: string;
  publicVerdict?: string;
  status?: string;
  evidence?: string;
  exception?: { exceptionId?: string; active?: boolean } | null;
  resolved?: unknown;
  observedAt?: string;
  firstObservedAt?: string;
  lastObservedAt?: string;
}

/** what `stored` reads of each document (in-memory test stores read the same) */
export const STATE_FIELDS = [
  'contentHash',
  'sourceHash',
  'sourceBytesHash',
  'derivedFrom',
  'identityHash',
  'configurationItemCaptureTime',
  'configurationItemStatus',
  'publicVerdict',
  'status',
  'evidence',
  'exception',
  'resolved',
  'observedAt',
  'firstObservedAt',
  'lastObservedAt',
];

/** The previous content of a resource, for the diff of its change record. */
export interface StoredContent {
  configuration?: unknown;
  supplementaryConfiguration?: unknown;
  tags?: unknown;
  publicVerdict?: string;
  contentHash?: string;
  configurationItemCaptureTime?: string;
  configurationItemStatus?: string;
}

/** An inventory run as kept in the run ledger. */
export interface RunState {
  run: InventoryRunRecord;
  /**
   * pending: to be applied; applied: unseen resources of its complete scopes marked; incomplete: nothing it may
   * delete (no complete scope, or no `seen`); superseded: a newer run of the account and collectors was applied first
   */
  state: 'pending' | 'applied' | 'incomplete' | 'superseded';
  markedDeleted?: number;
  /** the feed object the run record went to (kept, so a replay of the run record is not fed again) */
  feedKey?: string;
}

export interface DocumentStore {
  /** create what the records need (templates, family indexes, the run ledger) */
  prepare(indexes: { index: string; resourceType?: string }[]): Promise<void>;
  /** the stored copy of each (index, id), undefined where none */
  stored(keys: { index: string; id: string }[]): Promise<(StoredCopy | undefined)[]>;
  /** the stored content of changed resources, for their change records (absent: changes carry no diff) */
  contents?(keys: { index: string; id: string }[]): Promise<(StoredContent | undefined)[]>;
  index(ops: IndexOp[]): Promise<BulkOutcome>;
  updateTrust(resources: ResourceRecord[]): Promise<void>;
  /** runs not applied yet, oldest first */
  pendingRuns(limit: number): Promise<RunState[]>;
  /** the `startedAt` of the newest applied run of each coverage (core/runs.ts coverageKey) that has one */
  newestApplied(coverages: string[]): Promise<Map<string, string>>;
  unseen(run: InventoryRunRecord): Promise<DeletionMarker[]>;
  setRunState(states: RunState[]): Promise<void>;
}

export const runIndexId = (run: InventoryRunRecord) => documentId(identityOf(run));

/** Counts the ledger keeps beside each run, for the dashboards and `census status` (which read no `seen` lists). */
export const RUN_LEDGER_FIELDS = {
  state: { type: 'keyword' },
  markedDeleted: { type: 'long' },
  /** resources seen over all scopes (a run of the earlier shape: its own resourceCount) */
  resourceCount: { type: 'long' },
  scopeCount: { type: 'long' },
  completeScopes: { type: 'long' },
  incompleteScopes: { type: 'long' },
  errorCount: { type: 'long' },
  /** core/runs.ts coverageKey: the account and collectors, what a newer run supersedes an older one by */
  coverage: { type: 'keyword', ignore_above: 4096 },
} as const;

/**
 * The run ledger's mapping, from the record contract plus the ledger's own fields (the dashboards' inventory-runs
 * index pattern lists these). `seen` is kept in `_source` for applying the run, not indexed: thousands of hashes a
 * document would only grow the index.
 */
export const RUN_MAPPING = {
  dynamic: false,
  properties: {
    ...propertiesFor(InventoryRunRecord, { seen: { type: 'keyword', index: false, doc_values: false } }),
    ...RUN_LEDGER_FIELDS,
  },
};

/** Pure: the ledger document of a run in a state. */
export function runLedgerDocument(s: RunState): Record<string, unknown> {
  const scopes = scopesOf(s.run);
  return {
    ...s.run,
    state: s.state,
    resourceCount: resourceCountOf(s.run),
    scopeCount: scopes.length,
    completeScopes: scopes.filter((x) => x.complete).length,
    incompleteScopes: scopes.filter((x) => !x.complete).length,
    errorCount: s.run.errors?.length ?? 0,
    coverage: coverageKey(s.run),
    ...(s.markedDeleted !== undefined ? { markedDeleted: s.markedDeleted } : {}),
    ...(s.feedKey ? { feedKey: s.feedKey } : {}),
  };
}

/** Pure: the state a run enters the ledger in. A run that can delete waits for the processors to apply it. */
export const initialRunState = (run: InventoryRunRecord): RunState['state'] => (deletingScopes(run).length ? 'pending' : 'incomplete');

const created = new Map<string, Promise<void>>();

async function ensureRunIndex(client: Client, prefix: string): Promise<void> {
  const index = indexNames(prefix).inventoryRuns;
  let p = created.get(index);
  if (!p) {
    p = (async () => {
      const exists = await client.indices.exists({ index });
      // a ledger made before runs listed their scopes: add the new fields (mappings only grow)
      if (exists.body) return void (await client.indices.putMapping({ index, body: { properties: RUN_MAPPING.properties } as never }));
      // 400: another processor created it first
      await client.indices.create({ index, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: RUN_MAPPING } as never }, { ignore: [400] });
    })();
    created.set(index, p);
    p.catch(() => created.delete(index));
  }
  return p;
}

export class OpenSearchStore implements DocumentStore {
  constructor(
    private readonly client: Client,
    private readonly prefix: string,
    private readonly opts: BulkOptions = {},
  ) {}

  async prepare(indexes: { index: string; resourceType?: string }[]): Promise<void> {
    await ensureIndexTemplatesOnce(this.client, this.prefix);
    await ensureRunIndex(this.client, this.prefix);
    for (const t of new Set(indexes.flatMap((i) => (i.resourceType ? [i.resourceType] : [])))) await ensureResourceIndex(this.client, this.prefix, t);
  }

  async stored(keys: { index: string; id: string }[]): Promise<(StoredCopy | undefined)[]> {
    const out: (StoredCopy | undefined)[] = [];
    for (let i = 0; i < keys.length; i += 1000) {
      const slice = keys.slice(i, i + 1000);
      const res = await this.client.mget({ body: { docs: slice.map((k) => ({ _index: k.index, _id: k.id, _source: ['feedKey', ...STATE_FIELDS] })) } });
      for (const d of res.body.docs as { found?: boolean; _version?: number; _source?: { feedKey?: string } & StoredState; error?: unknown }[]) {
        // an alias or index not created yet answers with an error entry: nothing stored
        if (!d.found) {
          out.push(undefined);
          continue;
        }
        const { feedKey, ...state } = d._source ?? {};
        out.push({ version: d._version!, ...(feedKey ? { feedKey } : {}), state });
      }
    }
    return out;
  }

  async contents(keys: { index: string; id: string }[]): Promise<(StoredContent | undefined)[]> {
    const out: (StoredContent | undefined)[] = [];
    const fields = ['configuration', 'supplementaryConfiguration', 'tags', 'publicVerdict', 'contentHash', 'configurationItemCaptureTime', 'configurationItemStatus'];
    for (let i = 0; i < keys.length; i += 500) {
      const res = await this.client.mget({ body: { docs: keys.slice(i, i + 500).map((k) => ({ _index: k.index, _id: k.id, _source: fields })) } });
      for (const d of res.body.docs as { found?: boolean; _source?: StoredContent }[]) out.push(d.found ? d._source : undefined);
    }
    return out;
  }

  index(ops: IndexOp[]): Promise<BulkOutcome> {
    return bulkIndex(this.client, ops, this.opts);
  }

  async updateTrust(resources: ResourceRecord[]): Promise<void> {
    await updateTrustedAccountDocuments(this.client, this.prefix, resources);
  }

  async pendingRuns(limit: number): Promise<RunState[]> {
    const index = indexNames(this.prefix).inventoryRuns;
    // run records of this very batch were just indexed: make them visible to the search
    await this.client.indices.refresh({ index }, { ignore: [404] });
    const res = await this.client.search({
      index,
      ignore_unavailable: true,
      body: { size: limit, query: { term: { state: 'pending' } }, sort: [{ finishedAt: 'asc' }] },
    });
    return (res.body.hits.hits as { _source: Record<string, unknown> }[]).map((h) => {
      const { state, feedKey, ...rest } = h._source;
      return { run: runOfLedger(rest), state: state as RunState['state'], ...(feedKey ? { feedKey: feedKey as string } : {}) };
    });
  }

  async newestApplied(coverages: string[]): Promise<Map<string, string>> {
    if (!coverages.length) return new Map();
    const res = await this.client.search({
      index: indexNames(this.prefix).inventoryRuns,
      ignore_unavailable: true,
      body: {
        size: 0,
        query: { bool: { filter: [{ term: { state: 'applied' } }, { terms: { coverage: coverages } }] } },
        aggs: { coverage: { terms: { field: 'coverage', size: coverages.length }, aggs: { newest: { max: { field: 'startedAt' } } } } },
      } as never,
    });
    const buckets = ((res.body as { aggregations?: { coverage: { buckets: { key: string; newest: { value_as_string?: string; value: number } }[] } } }).aggregations?.coverage.buckets ?? []);
    return new Map(buckets.map((b) => [b.key, b.newest.value_as_string ?? new Date(b.newest.value).toISOString()]));
  }

  unseen(run: InventoryRunRecord): Promise<DeletionMarker[]> {
    return findUnseenResources(this.client, this.prefix, run);
  }

  async setRunState(states: RunState[]): Promise<void> {
    if (!states.length) return;
    const index = indexNames(this.prefix).inventoryRuns;
    const body = states.flatMap((s) => [
      { index: { _index: index, _id: runIndexId(s.run), version: Date.parse(s.run.finishedAt), version_type: 'external_gte' } },
      runLedgerDocument(s),
    ]);
    const res = await this.client.bulk({ body, refresh: true });
    const failed = (res.body.items as Record<string, { status: number; error?: unknown }>[]).filter((i) => Object.values(i)[0]!.status >= 300);
    if (failed.length) throw new Error(`run ledger: ${failed.length} states not written: ${JSON.stringify(Object.values(failed[0]!)[0]!.error).slice(0, 300)}`);
  }
}

export { unseenQuery };

/** Pure: the run record back from its ledger document (the ledger's counts dropped; a legacy run keeps its own count). */
export function runOfLedger(doc: Record<string, unknown>): InventoryRunRecord {
  const out = { ...doc };
  for (const k of Object.keys(RUN_LEDGER_FIELDS)) if (k !== 'resourceCount' || out.scopes) delete out[k];
  return out as unknown as InventoryRunRecord;
}
