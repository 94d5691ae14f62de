// A complete scope (collector and region) of an account's inventory run saw everything that exists there:
// resources of that scope the run did not see are marked `ResourceDeleted` in the latest state. No _update_by_query on
// this cluster: search, then index a deletion copy whose version is one above the stored one, so a
// newer capture (a later run) still wins over the marker.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import { regionsByCollector, deletingScopes } from '../core/runs.js';
import type { InventoryRunRecord, ResourceRecord } from '../core/schemas.js';
import { withoutSearchCopies } from './ops.js';
import { scanHits } from './scan.js';

export type DeletedResource = ResourceRecord & { deletedAt: string; deletedByRun: string };

export interface DeletionMarker {
  record: DeletedResource;
  version: number;
}

/** `terms` takes at most 65,536 values (index.max_terms_count): a large account's `seen` goes in several clauses. */
const TERMS_PER_CLAUSE = 50_000;

/**
 * Pure: the query for resources of the run's complete scopes that the run did not see and that existed before it
 * started; undefined when no scope of the run may delete (none complete, or a run without `seen`). One clause per
 * collector (its complete regions, or all of them for a global collector), not one per scope, so an account with
 * hundreds of scopes stays far below the bool clause limit.
 */
export function unseenQuery(run: InventoryRunRecord) {
  const byCollector = regionsByCollector(deletingScopes(run));
  if (!byCollector.size) return undefined;
  const seen = run.seen ?? [];
  const notSeen = [];
  for (let i = 0; i < seen.length; i += TERMS_PER_CLAUSE) notSeen.push({ terms: { identityHash: seen.slice(i, i + TERMS_PER_CLAUSE) } });
  return {
    bool: {
      filter: [
        { term: { awsAccountId: run.accountId } },
        {
          bool: {
            minimum_should_match: 1,
            should: [...byCollector].map(([collector, regions]) => ({
              bool: {
                filter: [
                  { term: { collector } },
                  // a global collector (IAM, S3 ListBuckets) covers its resources in every region they report
                  ...(regions.includes('global') ? [] : [{ terms: { awsRegion: regions } }]),
                ],
              },
            })),
          },
        },
        { range: { configurationItemCaptureTime: { lt: run.startedAt } } },
      ],
      must_not: [
        { term: { configurationItemStatus: 'ResourceDeleted' } },
        { term: { runId: run.runId } },
        // nothing the run saw is unseen, landed yet or not, rewritten or unchanged
        ...notSeen,
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
  const query = unseenQuery(run);
  if (!query) return [];
  const markers: DeletionMarker[] = [];
  const hits = scanHits<ResourceRecord & Record<string, unknown>>(client, { index: indexNames(prefix).resources, query, uniqueSortField: 'arn', version: true, what: `resources unseen by run ${run.runId}` });
  for await (const h of hits) markers.push(deletionMarker(withoutSearchCopies(h._source), h._version!, run));
  return markers;
}
