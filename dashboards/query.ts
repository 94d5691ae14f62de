// The request OpenSearch Dashboards sends for a saved visualization or search, built from the saved object
// alone (its search source, filters, aggregation config and index pattern), and the response turned into
// table rows the way Dashboards tabifies it. Tests run these against the real indexes to check that each
// panel answers its question; `census dashboards query` could use it to show a panel in a terminal.
import type { Client } from '@opensearch-project/opensearch';
import type { Agg, SavedObject } from './build.js';

export interface TimeRange {
  from: string;
  to: string;
}

export interface PanelRequest {
  index: string;
  body: Record<string, unknown>;
}

interface SearchSource {
  query?: { query?: string; language?: string };
  filter?: { meta?: { negate?: boolean; disabled?: boolean }; query?: Record<string, unknown> }[];
}

function sourceOf(o: SavedObject): SearchSource {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: string } | undefined;
  return meta?.searchSourceJSON ? (JSON.parse(meta.searchSourceJSON) as SearchSource) : {};
}

function patternOf(o: SavedObject, objects: SavedObject[]): SavedObject {
  const ref = o.references.find((r) => r.name === 'kibanaSavedObjectMeta.searchSourceJSON.index');
  const pattern = ref && objects.find((x) => x.type === 'index-pattern' && x.id === ref.id);
  if (!pattern) throw new Error(`${o.type} ${o.id}: its index pattern is not among the objects`);
  return pattern;
}

/** Lucene as Dashboards sends it; an empty query matches everything. */
function queryDsl(query: string | undefined): Record<string, unknown> {
  return query?.trim() ? { query_string: { query, analyze_wildcard: true } } : { match_all: {} };
}

/** query + enabled filters (panel's and dashboard's) + the time range on the pattern's time field. */
export function boolQuery(sources: SearchSource[], timeField: string | undefined, time: TimeRange | undefined): Record<string, unknown> {
  const must: unknown[] = [];
  const filter: unknown[] = [];
  const mustNot: unknown[] = [];
  for (const s of sources) {
    if (s.query?.query?.trim()) {
      if (s.query.language !== 'lucene') throw new Error(`query language ${s.query.language} is not translated (only Lucene)`);
      must.push(queryDsl(s.query.query));
    }
    for (const f of s.filter ?? []) {
      if (f.meta?.disabled || !f.query) continue;
      (f.meta?.negate ? mustNot : filter).push(f.query);
    }
  }
  if (timeField && time) filter.push({ range: { [timeField]: { gte: time.from, lte: time.to, format: 'strict_date_optional_time' } } });
  return { bool: { must: must.length ? must : [{ match_all: {} }], filter, must_not: mustNot } };
}

function metricDsl(a: Agg): Record<string, unknown> | undefined {
  const p = a.params as { field?: string; sortField?: string; sortOrder?: string; size?: number };
  switch (a.type) {
    case 'count':
      return undefined;
    case 'avg':
    case 'sum':
    case 'min':
    case 'max':
    case 'cardinality':
      return { [a.type]: { field: p.field } };
    case 'top_hits':
      return { top_hits: { size: p.size ?? 1, sort: [{ [p.sortField!]: { order: p.sortOrder ?? 'desc' } }], _source: { includes: [p.field] } } };
    default:
      throw new Error(`metric ${a.type} is not translated`);
  }
}

/** `auto` intervals as Dashboards picks them: about 50 buckets over the range, at a round size. */
function autoInterval(time: TimeRange | undefined): string {
  const span = time ? Date.parse(time.to) - Date.parse(time.from) : 7 * 86_400_000;
  const steps: [number, string][] = [
    [60_000, '1m'],
    [300_000, '5m'],
    [600_000, '10m'],
    [1_800_000, '30m'],
    [3_600_000, '1h'],
    [10_800_000, '3h'],
    [43_200_000, '12h'],
    [86_400_000, '1d'],
  ];
  return (steps.find(([ms]) => span / ms <= 50) ?? steps.at(-1)!)[1];
}

function bucketDsl(a: Agg, metrics: Agg[], time: TimeRange | undefined): { dsl: Record<string, unknown>; orderMetric?: Agg } {
  const p = a.params as {
    field?: string;
    size?: number;
    orderBy?: string;
    order?: string;
    missingBucket?: boolean;
    interval?: string;
    min_doc_count?: number;
    filters?: { input: { query: string }; label: string }[];
  };
  switch (a.type) {
    case 'terms': {
      const orderMetric = metrics.find((m) => m.id === p.orderBy);
      const key = p.orderBy === '_key' ? '_key' : !orderMetric || orderMetric.type === 'count' ? '_count' : orderMetric.id;
      return {
        dsl: { terms: { field: p.field, size: p.size ?? 5, order: { [key]: p.order ?? 'desc' }, ...(p.missingBucket ? { missing: MISSING } : {}) } },
        ...(orderMetric && orderMetric.type !== 'count' && p.orderBy !== '_key' ? { orderMetric } : {}),
      };
    }
    case 'date_histogram': {
      const interval = p.interval && p.interval !== 'auto' ? p.interval : autoInterval(time);
      return { dsl: { date_histogram: { field: p.field, fixed_interval: /^\d/.test(interval) ? interval : `1${interval}`, min_doc_count: p.min_doc_count ?? 1 } } };
    }
    case 'filters':
      return { dsl: { filters: { filters: Object.fromEntries((p.filters ?? []).map((f) => [f.label, queryDsl(f.input.query)])) } } };
    default:
      throw new Error(`bucket aggregation ${a.type} is not translated`);
  }
}

/** The value Dashboards gives documents without the field when a terms bucket shows them. */
const MISSING = '__missing__';

function parseVis(o: SavedObject): { type: string; aggs: Agg[] } {
  return JSON.parse(o.attributes.visState as string) as { type: string; aggs: Agg[] };
}

/**
 * The search request of a visualization: buckets nested in their order, the metrics under the innermost
 * bucket, and a metric a terms bucket is ordered by also under that bucket (as Dashboards does).
 */
export function visualizationRequest(vis: SavedObject, objects: SavedObject[], opts: { time?: TimeRange; dashboard?: SavedObject } = {}): PanelRequest {
  const pattern = patternOf(vis, objects);
  const state = parseVis(vis);
  const metrics = state.aggs.filter((a) => a.schema === 'metric');
  const buckets = state.aggs.filter((a) => a.schema !== 'metric');
  const metricAggs = Object.fromEntries(metrics.flatMap((m) => (metricDsl(m) ? [[m.id, metricDsl(m)]] : [])));
  let inner: Record<string, unknown> = metricAggs;
  for (const b of [...buckets].reverse()) {
    const { dsl, orderMetric } = bucketDsl(b, metrics, opts.time);
    const sub = { ...inner, ...(orderMetric ? { [orderMetric.id]: metricDsl(orderMetric) } : {}) };
    inner = { [b.id]: { ...dsl, ...(Object.keys(sub).length ? { aggs: sub } : {}) } };
  }
  const sources = [sourceOf(vis), ...(opts.dashboard ? [sourceOf(opts.dashboard)] : [])];
  return {
    index: pattern.attributes.title as string,
    body: { size: 0, track_total_hits: true, query: boolQuery(sources, pattern.attributes.timeFieldName as string | undefined, opts.time), aggs: inner },
  };
}

export function searchRequest(search: SavedObject, objects: SavedObject[], opts: { time?: TimeRange; dashboard?: SavedObject; size?: number } = {}): PanelRequest {
  const pattern = patternOf(search, objects);
  const sort = (search.attributes.sort ?? []) as [string, string][];
  const sources = [sourceOf(search), ...(opts.dashboard ? [sourceOf(opts.dashboard)] : [])];
  return {
    index: pattern.attributes.title as string,
    body: {
      size: opts.size ?? 500,
      query: boolQuery(sources, pattern.attributes.timeFieldName as string | undefined, opts.time),
      sort: sort.map(([field, order]) => ({ [field]: { order } })),
    },
  };
}

export type Row = Record<string, unknown>;

interface BucketJson {
  key?: unknown;
  key_as_string?: string;
  doc_count: number;
  [agg: string]: unknown;
}

function metricValue(m: Agg, bucket: BucketJson): unknown {
  if (m.type === 'count') return bucket.doc_count;
  const v = bucket[m.id] as { value?: unknown; value_as_string?: string; hits?: { hits: { _source: Record<string, unknown> }[] } } | undefined;
  if (m.type === 'top_hits') return v?.hits?.hits[0]?._source[(m.params as { field: string }).field];
  return v?.value_as_string ?? v?.value ?? null;
}

const labelOf = (a: Agg) => String((a.params as { customLabel?: string }).customLabel ?? (a.params as { field?: string }).field ?? a.type);

/** Rows as a Dashboards data table shows them: one per innermost bucket, the bucket keys then the metrics. */
export function tabify(vis: SavedObject, response: { aggregations?: Record<string, unknown>; hits?: { total?: { value: number } | number } }): Row[] {
  const state = parseVis(vis);
  const metrics = state.aggs.filter((a) => a.schema === 'metric');
  const buckets = state.aggs.filter((a) => a.schema !== 'metric');
  const rows: Row[] = [];
  const walk = (level: number, container: Record<string, unknown>, row: Row) => {
    if (level === buckets.length) {
      const doc = container as unknown as BucketJson;
      rows.push({ ...row, ...Object.fromEntries(metrics.map((m) => [labelOf(m), metricValue(m, doc)])) });
      return;
    }
    const b = buckets[level]!;
    const raw = (container[b.id] as { buckets: BucketJson[] | Record<string, BucketJson> }).buckets;
    const list = Array.isArray(raw) ? raw : Object.entries(raw).map(([key, v]) => ({ ...v, key }));
    for (const bucket of list) {
      if (bucket.doc_count === 0) continue;
      const key = bucket.key === MISSING ? (b.params as { missingBucketLabel?: string }).missingBucketLabel : (bucket.key_as_string ?? bucket.key);
      walk(level + 1, bucket, { ...row, [labelOf(b)]: key });
    }
  };
  const total = response.hits?.total;
  walk(0, { ...(response.aggregations ?? {}), doc_count: typeof total === 'number' ? total : (total?.value ?? 0) }, {});
  return rows;
}

/** Run a saved visualization or search against the cluster; rows as Dashboards would show them. */
export async function runPanel(client: Client, object: SavedObject, objects: SavedObject[], opts: { time?: TimeRange; dashboard?: SavedObject } = {}): Promise<Row[]> {
  const request = object.type === 'search' ? searchRequest(object, objects, opts) : visualizationRequest(object, objects, opts);
  const res = await client.search({ index: request.index, body: request.body as never });
  const body = res.body as { aggregations?: Record<string, unknown>; hits: { total?: { value: number }; hits: { _source: Record<string, unknown> }[] } };
  if (object.type === 'search') {
    const columns = (object.attributes.columns ?? []) as string[];
    return body.hits.hits.map((h) => Object.fromEntries(columns.map((c) => [c, valueAt(h._source, c)])));
  }
  return tabify(object, body);
}

/** `a.b.c` in a document, through arrays of objects (as Discover shows them). */
export function valueAt(doc: unknown, path: string): unknown {
  let values: unknown[] = [doc];
  for (const part of path.split('.')) {
    values = values.flatMap((v) => {
      if (v === null || typeof v !== 'object') return [];
      const next = (v as Record<string, unknown>)[part];
      return Array.isArray(next) ? next : next === undefined ? [] : [next];
    });
  }
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}
