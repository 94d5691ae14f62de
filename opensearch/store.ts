// The document store of the processors on OpenSearch: the stored version of each identity (and the feed
// object its copy went to), versioned bulk writes, the trust map, and the inventory-run ledger that
// deletions wait for. The pipeline sees only the DocumentStore interface, so it can be tested with an
// in-memory store.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import type { InventoryRunRecord, ResourceRecord } from '../core/schemas.js';
import { log } from '../platform/log.js';
import { bulkIndex, documentId, type BulkOptions, type BulkOutcome, type IndexOp } from './bulk.js';
import { findUnseenResources, unseenQuery, type DeletionMarker } from './deleted.js';
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

const STATE_FIELDS = [
  'contentHash',
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
  /** pending: waiting for the run's resources to land; applied: unseen resources marked; superseded: a newer run of the scope applied first */
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
  /** runs waiting for their resources, oldest first */
  pendingRuns(limit: number): Promise<RunState[]>;
  /** how many distinct resources of the run's scope are stored with the run's runId */
  landedOfRun(runs: InventoryRunRecord[]): Promise<number[]>;
  unseen(run: InventoryRunRecord): Promise<DeletionMarker[]>;
  setRunState(states: RunState[]): Promise<void>;
}

export const runIndexId = (run: Pick<InventoryRunRecord, 'runId' | 'accountId' | 'region' | 'collector'>) =>
  documentId([run.runId, run.accountId, run.region, run.collector].join('|'));

/** the run ledger's mapping (the dashboards' inventory-runs index pattern lists these fields) */
export const RUN_MAPPING = {
  dynamic: false,
  properties: {
    runId: { type: 'keyword' },
    accountId: { type: 'keyword' },
    region: { type: 'keyword' },
    collector: { type: 'keyword' },
    complete: { type: 'boolean' },
    resourceCount: { type: 'long' },
    startedAt: { type: 'date' },
    finishedAt: { type: 'date' },
    state: { type: 'keyword' },
    markedDeleted: { type: 'long' },
  },
};

const created = new Map<string, Promise<void>>();

async function ensureRunIndex(client: Client, prefix: string): Promise<void> {
  const index = indexNames(prefix).inventoryRuns;
  let p = created.get(index);
  if (!p) {
    p = (async () => {
      const exists = await client.indices.exists({ index });
      if (exists.body) return;
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
    return (res.body.hits.hits as { _source: InventoryRunRecord & { state: RunState['state']; feedKey?: string; markedDeleted?: number } }[]).map((h) => {
      const { state, feedKey, markedDeleted: _m, ...run } = h._source;
      return { run: run as InventoryRunRecord, state, ...(feedKey ? { feedKey } : {}) };
    });
  }

  async landedOfRun(runs: InventoryRunRecord[]): Promise<number[]> {
    if (!runs.length) return [];
    const index = indexNames(this.prefix).resources;
    // counts read what is searchable: make every acknowledged resource write visible first
    await this.client.indices.refresh({ index }, { ignore: [404] });
    const body = runs.flatMap((run) => [
      { index, ignore_unavailable: true },
      {
        size: 0,
        track_total_hits: true,
        query: {
          bool: {
            filter: [
              { term: { awsAccountId: run.accountId } },
              ...(run.region === 'global' ? [] : [{ term: { awsRegion: run.region } }]),
              { term: { collector: run.collector } },
              { term: { runId: run.runId } },
            ],
          },
        },
      },
    ]);
    const res = await this.client.msearch({ body });
    return (res.body.responses as { hits?: { total: { value: number } }; error?: unknown }[]).map((r) => {
      if (r.error) throw new Error(`counting a run's resources: ${JSON.stringify(r.error).slice(0, 300)}`);
      return r.hits!.total.value;
    });
  }

  unseen(run: InventoryRunRecord): Promise<DeletionMarker[]> {
    return findUnseenResources(this.client, this.prefix, run);
  }

  async setRunState(states: RunState[]): Promise<void> {
    if (!states.length) return;
    const index = indexNames(this.prefix).inventoryRuns;
    const body = states.flatMap((s) => [
      { index: { _index: index, _id: runIndexId(s.run), version: Date.parse(s.run.finishedAt), version_type: 'external_gte' } },
      { ...s.run, state: s.state, ...(s.markedDeleted !== undefined ? { markedDeleted: s.markedDeleted } : {}), ...(s.feedKey ? { feedKey: s.feedKey } : {}) },
    ]);
    const res = await this.client.bulk({ body, refresh: true });
    const failed = (res.body.items as Record<string, { status: number; error?: unknown }>[]).filter((i) => Object.values(i)[0]!.status >= 300);
    if (failed.length) throw new Error(`run ledger: ${failed.length} states not written: ${JSON.stringify(Object.values(failed[0]!)[0]!.error).slice(0, 300)}`);
  }
}

export { unseenQuery };

/** For logs: how far a pending run is. */
export function describeRun(run: InventoryRunRecord, landed: number): string {
  return `run ${run.runId} ${run.accountId}/${run.region}/${run.collector}: ${landed} of ${run.resourceCount} resources landed`;
}

export function logPending(run: InventoryRunRecord, landed: number): void {
  log.debug({ runId: run.runId, accountId: run.accountId, region: run.region, collector: run.collector, landed, expected: run.resourceCount }, 'inventory run waits for its resources');
}
