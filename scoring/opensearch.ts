// The deployed path's reads and writes in OpenSearch: the latest finding of each evaluated resource,
// paged through a composite aggregation (never the whole index in memory), and score history.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames, indexPrefix } from '../core/indexes.js';
import type { ScoreRecord } from '../core/schemas.js';
import { ensureIndexTemplates } from '../opensearch/templates.js';
import { describeSearchError as describeError, scanDocuments } from '../opensearch/scan.js';
import { GoneResources, preferred, type ClosedFinding, type EvaluatedResource } from './score.js';

const SOURCE_FIELDS = ['findingId', 'accountId', 'requirementId', 'resourceId', 'resourceArn', 'resourceType', 'region', 'status', 'evidence', 'observedAt', 'resolved'];

/** A deciding finding as read from the index, with the document it came from (to close it). */
export type IndexedEvaluation = EvaluatedResource & { documentId: string };

interface CompositeBucket {
  key: Record<string, string | null>;
  latest: { hits: { hits: { _id: string; _source: EvaluatedResource }[] } };
}
interface CompositeResponse {
  aggregations?: { resources: { after_key?: Record<string, string | null>; buckets: CompositeBucket[] } };
}

/**
 * One finding per (account, requirement, resource): the latest observation, FAIL on a tie — the same
 * choice as `preferred` in the scoring core. A resource is its ARN, or account, region, type and id
 * without one (`resourceKey`). The composite key is (account, requirement, ARN, region, type, id) in
 * that order, so the buckets of one ARN come one after another and are merged here as they stream by.
 * Pages by `after_key`, `pageSize` buckets per request.
 */
export async function* latestFindingsFromOpenSearch(
  client: Client,
  opts: { prefix?: string; pageSize?: number; onPage?: (resources: number) => void } = {},
): AsyncGenerator<IndexedEvaluation> {
  const index = indexNames(opts.prefix).findings;
  let after: Record<string, string | null> | undefined;
  let pending: IndexedEvaluation | undefined;
  const sameArn = (a: IndexedEvaluation, b: IndexedEvaluation) =>
    a.resourceArn !== null && a.resourceArn === b.resourceArn && a.accountId === b.accountId && a.requirementId === b.requirementId;
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
              { resourceArn: { terms: { field: 'resourceArn', missing_bucket: true } } },
              { region: { terms: { field: 'region' } } },
              { resourceType: { terms: { field: 'resourceType' } } },
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
      const hit = b.latest.hits.hits[0];
      if (!hit) continue;
      const doc: IndexedEvaluation = { ...hit._source, resourceArn: hit._source.resourceArn ?? null, documentId: hit._id };
      if (pending && sameArn(pending, doc)) {
        pending = preferred(pending, doc);
        continue;
      }
      if (pending) yield pending;
      pending = doc;
    }
    opts.onPage?.(agg.buckets.length);
    if (!agg.after_key || agg.buckets.length === 0) break;
    after = agg.after_key;
  }
  if (pending) yield pending;
}

/**
 * What complete inventories found gone: resources whose latest state is `ResourceDeleted`, and accounts
 * the organization once listed (accounts index) that the current account list no longer has.
 */
export async function goneFromOpenSearch(
  client: Client,
  opts: { prefix?: string; currentAccounts: { accountId: string }[]; listedAt: string },
): Promise<GoneResources> {
  const names = indexNames(opts.prefix);
  const gone = new GoneResources();
  const deleted = scanDocuments<DeletedSource>(client, {
    index: names.resources,
    query: { term: { configurationItemStatus: 'ResourceDeleted' } },
    uniqueSortField: 'arn',
    source: ['arn', 'awsAccountId', 'awsRegion', 'resourceType', 'resourceId', 'deletedAt', 'configurationItemCaptureTime'],
    what: 'deleted resources',
  });
  for await (const r of deleted) {
    gone.addDeletedResource(
      { accountId: r.awsAccountId, region: r.awsRegion, resourceType: r.resourceType, resourceId: r.resourceId, resourceArn: r.arn },
      r.deletedAt ?? r.configurationItemCaptureTime,
    );
  }
  const current = new Set(opts.currentAccounts.map((a) => a.accountId));
  // An empty list is a failed discovery, not an organization everyone left.
  if (current.size === 0) return gone;
  let afterAccount: Record<string, string> | undefined;
  for (;;) {
    const res = await client
      .search({
        index: names.accounts,
        ignore_unavailable: true,
        allow_no_indices: true,
        body: {
          size: 0,
          aggs: { ids: { composite: { size: 1000, sources: [{ accountId: { terms: { field: 'accountId' } } }], ...(afterAccount ? { after: afterAccount } : {}) } } },
        } as never,
      })
      .catch((err: unknown) => {
        throw new Error(`OpenSearch ${names.accounts}: cannot read accounts: ${describeError(err)}`);
      });
    const agg = (res.body as { aggregations?: { ids: { after_key?: Record<string, string>; buckets: { key: { accountId: string } }[] } } }).aggregations?.ids;
    if (!agg) break;
    for (const b of agg.buckets) if (!current.has(b.key.accountId)) gone.addDepartedAccount(b.key.accountId, opts.listedAt);
    if (!agg.after_key || agg.buckets.length === 0) break;
    afterAccount = agg.after_key;
  }
  return gone;
}

interface DeletedSource {
  arn: string;
  awsAccountId: string;
  awsRegion: string;
  resourceType: string;
  resourceId: string;
  deletedAt?: string;
  configurationItemCaptureTime: string;
}

/**
 * Close the findings of gone resources in the index: `resolved` (reason and time) is added to the
 * document, `status` stays as last observed. Already closed documents are left alone.
 */
export async function closeFindings(client: Client, closed: ClosedFinding[], prefix?: string): Promise<{ closed: number }> {
  const index = indexNames(prefix).findings;
  const open = closed.filter((c): c is ClosedFinding & { documentId: string } => Boolean(c.documentId) && !c.alreadyResolved);
  if (!open.length) return { closed: 0 };
  const failures: string[] = [];
  const stats = await client.helpers.bulk({
    datasource: open,
    onDocument: (c: ClosedFinding & { documentId: string }) => [{ update: { _index: index, _id: c.documentId } }, { doc: { resolved: c.resolved } }],
    onDrop: (d) => failures.push(`${(d.document as { documentId: string }).documentId}: ${JSON.stringify(d.error)}`),
    refreshOnCompletion: index,
  });
  if (failures.length) throw new Error(`OpenSearch ${index}: cannot close ${failures.length} of ${open.length} findings: ${failures.slice(0, 3).join('; ')}`);
  return { closed: stats.successful };
}

/**
 * The score history a trend needs: the account, owner, executive and enterprise records of the latest
 * run before `runAt` and of the latest runs at least 7 and 30 days older (three small searches for the
 * run times, then those runs' records, paged).
 */
export async function scoreHistoryFromOpenSearch(client: Client, opts: { prefix?: string; runAt: string }): Promise<ScoreRecord[]> {
  const index = indexNames(opts.prefix).scores;
  const now = Date.parse(opts.runAt);
  const DAY = 24 * 3600 * 1000;
  const latestBefore = async (range: Record<string, string>) => {
    const res = await client
      .search({
        index,
        ignore_unavailable: true,
        allow_no_indices: true,
        body: { size: 1, _source: ['runAt'], query: { bool: { filter: [{ term: { scope: 'enterprise' } }, { range: { runAt: range } }] } }, sort: [{ runAt: 'desc' }] } as never,
      })
      .catch((err: unknown) => {
        throw new Error(`OpenSearch ${index}: cannot read score history: ${describeError(err)}`);
      });
    return (res.body.hits.hits as { _source: { runAt: string } }[])[0]?._source.runAt;
  };
  const runs = [
    await latestBefore({ lt: opts.runAt }),
    await latestBefore({ lte: new Date(now - 7 * DAY).toISOString() }),
    await latestBefore({ lte: new Date(now - 30 * DAY).toISOString() }),
  ].filter((r): r is string => Boolean(r));
  if (!runs.length) return [];
  const out: ScoreRecord[] = [];
  let after: (string | number)[] | undefined;
  for (;;) {
    const res = await client.search({
      index,
      body: {
        size: 1000,
        query: { bool: { filter: [{ terms: { runAt: [...new Set(runs)] } }, { terms: { scope: ['account', 'owner', 'executive', 'enterprise'] } }] } },
        sort: [{ scoreId: 'asc' }],
        ...(after ? { search_after: after } : {}),
      } as never,
    });
    const hits = res.body.hits.hits as { _source: ScoreRecord; sort: (string | number)[] }[];
    out.push(...hits.map((h) => h._source));
    if (hits.length < 1000) return out;
    after = hits.at(-1)!.sort;
  }
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
