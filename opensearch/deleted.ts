// A complete inventory run of an account, region and collector saw everything that exists there:
// resources it did not see are marked `ResourceDeleted` in the latest state. No _update_by_query on
// this cluster: search, then index a deletion copy whose version is one above the stored one, so a
// newer capture (a later run) still wins over the marker.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import type { InventoryRunRecord, ResourceRecord } from '../core/schemas.js';
import { withoutSearchCopies } from './ops.js';

export type DeletedResource = ResourceRecord & { deletedAt: string; deletedByRun: string };

export interface DeletionMarker {
  record: DeletedResource;
  version: number;
}

/** Pure: the query for resources of this scope that the run did not see and that existed before it started. */
export function unseenQuery(run: InventoryRunRecord) {
  return {
    bool: {
      filter: [
        { term: { awsAccountId: run.accountId } },
        // a global collector (IAM, S3 ListBuckets) covers its resources in every region they report
        ...(run.region === 'global' ? [] : [{ term: { awsRegion: run.region } }]),
        { term: { collector: run.collector } },
        { range: { configurationItemCaptureTime: { lt: run.startedAt } } },
      ],
      must_not: [
        { term: { configurationItemStatus: 'ResourceDeleted' } },
        { term: { runId: run.runId } },
        // a run that lists what it saw: nothing it saw is unseen, landed yet or not, rewritten or unchanged
        ...(run.seen ? [{ terms: { identityHash: run.seen } }] : []),
      ],
    },
  };
}

export function deletionMarker(source: ResourceRecord, storedVersion: number, run: InventoryRunRecord): DeletionMarker {
  return {
    record: { ...source, configurationItemStatus: 'ResourceDeleted', deletedAt: run.finishedAt, deletedByRun: run.runId },
    version: storedVersion + 1,
  };
}

/** Every resource the complete run did not see, as deletion markers to land like any other copy. */
export async function findUnseenResources(client: Client, prefix: string, run: InventoryRunRecord): Promise<DeletionMarker[]> {
  if (!run.complete) return [];
  const index = indexNames(prefix).resources;
  const markers: DeletionMarker[] = [];
  let after: (string | number)[] | undefined;
  for (;;) {
    const res = await client.search({
      index,
      ignore_unavailable: true,
      allow_no_indices: true,
      body: { size: 1000, version: true, query: unseenQuery(run), sort: [{ arn: 'asc' }], ...(after ? { search_after: after } : {}) },
    });
    const hits = res.body.hits.hits as { _source: ResourceRecord; _version: number; sort: (string | number)[] }[];
    for (const h of hits) markers.push(deletionMarker(withoutSearchCopies(h._source as ResourceRecord & Record<string, unknown>), h._version, run));
    if (hits.length < 1000) return markers;
    after = hits.at(-1)!.sort;
  }
}
