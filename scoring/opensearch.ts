// The deployed path's reads and writes in OpenSearch: the latest finding of each evaluated resource,
// paged through a composite aggregation (never the whole index in memory), and score history.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames, indexPrefix } from '../core/indexes.js';
import type { ScoreRecord } from '../core/schemas.js';
import { ensureIndexTemplates } from '../opensearch/templates.js';
import type { EvaluatedResource } from './score.js';

const SOURCE_FIELDS = ['accountId', 'requirementId', 'resourceId', 'resourceArn', 'resourceType', 'region', 'status', 'evidence', 'observedAt'];

interface CompositeBucket {
  key: Record<string, string>;
  latest: { hits: { hits: { _source: EvaluatedResource }[] } };
}
interface CompositeResponse {
  aggregations?: { resources: { after_key?: Record<string, string>; buckets: CompositeBucket[] } };
}

/**
 * One finding per (account, requirement, resource): the latest observation, FAIL on a tie — the same
 * choice as `preferred` in the scoring core. Pages by `after_key`, `pageSize` resources per request.
 */
export async function* latestFindingsFromOpenSearch(
  client: Client,
  opts: { prefix?: string; pageSize?: number; onPage?: (resources: number) => void } = {},
): AsyncGenerator<EvaluatedResource> {
  const index = indexNames(opts.prefix).findings;
  let after: Record<string, string> | undefined;
  for (;;) {
    const body = {
      size: 0,
      query: { bool: { filter: [{ terms: { status: ['PASS', 'FAIL'] } }] } },
      aggs: {
        resources: {
          composite: {
            size: opts.pageSize ?? 1000,
            sources: [
              { accountId: { terms: { field: 'accountId' } } },
              { requirementId: { terms: { field: 'requirementId' } } },
              { resourceId: { terms: { field: 'resourceId' } } },
            ],
            ...(after ? { after } : {}),
          },
          aggs: {
            latest: {
              top_hits: { size: 1, sort: [{ observedAt: { order: 'desc' } }, { status: { order: 'asc' } }], _source: { includes: SOURCE_FIELDS } },
            },
          },
        },
      },
    };
    const res = await client.search({ index, body: body as never }).catch((err: unknown) => {
      throw new Error(`OpenSearch ${index}: cannot read findings: ${describeError(err)}`);
    });
    const agg = (res.body as CompositeResponse).aggregations?.resources;
    if (!agg) throw new Error(`OpenSearch ${index}: the search returned no aggregation (does the index exist?)`);
    for (const b of agg.buckets) {
      const doc = b.latest.hits.hits[0]?._source;
      if (doc) yield { ...doc, resourceArn: doc.resourceArn ?? null };
    }
    opts.onPage?.(agg.buckets.length);
    if (!agg.after_key || agg.buckets.length === 0) return;
    after = agg.after_key;
  }
}

function describeError(err: unknown): string {
  const e = err as { meta?: { body?: { error?: { type?: string; reason?: string } } }; name?: string; message?: string };
  const body = e.meta?.body?.error;
  return body?.type ? `${body.type}: ${body.reason ?? ''}` : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/** Index a run's scores; `_id` is the scoreId (which carries runAt), so every run stays as history. */
export async function indexScores(client: Client, scores: ScoreRecord[], prefix = indexPrefix()): Promise<{ indexed: number }> {
  const names = indexNames(prefix);
  // The scores mapping (score as double, ids as keywords) must exist before the first document; the
  // processors normally create it, so the job needs template rights only on a fresh cluster.
  if (!(await client.indices.exists({ index: names.scores })).body) await ensureIndexTemplates(client, prefix);
  const failures: string[] = [];
  const stats = await client.helpers.bulk({
    datasource: scores,
    onDocument: (s: ScoreRecord) => ({ index: { _index: names.scores, _id: s.scoreId } }),
    onDrop: (d) => failures.push(`${(d.document as ScoreRecord).scoreId}: ${JSON.stringify(d.error)}`),
    refreshOnCompletion: names.scores,
  });
  if (failures.length) throw new Error(`OpenSearch rejected ${failures.length} of ${scores.length} score documents: ${failures.slice(0, 3).join('; ')}`);
  return { indexed: stats.successful };
}
