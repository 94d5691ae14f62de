// Builders for OpenSearch Dashboards saved objects (2.19 attribute shapes). The dashboards themselves are
// declared in objects.ts with these; every object id carries the index prefix, so two prefixes installed
// into one Dashboards never overwrite each other.

export type PatternKey = string;

export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'visualization' | 'dashboard' | 'search';
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
  migrationVersion: Record<string, string>;
}

/** Saved-object migration versions of OpenSearch Dashboards 2.19: objects at these versions import unchanged. */
export const MIGRATION = { 'index-pattern': '7.6.0', visualization: '7.10.0', dashboard: '7.9.3', search: '7.9.3' } as const;

export interface Agg {
  id: string;
  enabled: true;
  type: string;
  schema: string;
  params: Record<string, unknown>;
}

export type Metric = Omit<Agg, 'id' | 'schema'>;

export const count = (label?: string): Metric => ({ enabled: true, type: 'count', params: label ? { customLabel: label } : {} });
const fieldMetric = (type: string) => (field: string, label: string): Metric => ({ enabled: true, type, params: { field, customLabel: label } });
export const avg = fieldMetric('avg');
export const max = fieldMetric('max');
export const min = fieldMetric('min');
export const sum = fieldMetric('sum');
export const cardinality = fieldMetric('cardinality');
/** the value of `field` on the newest document by `sortField` */
export const topHit = (field: string, sortField: string, label: string): Metric => ({
  enabled: true,
  type: 'top_hits',
  params: { field, aggregate: 'concat', size: 1, sortField, sortOrder: 'desc', customLabel: label },
});

export type Bucket = Omit<Agg, 'id' | 'schema'> & { schema?: string };

/**
 * Terms ordered by the first metric (`orderBy: '1'`) or by the term itself (`_key`). `missing` names the
 * bucket of documents without the field: without it a table drops those rows (an unknown account has no
 * vendor name, a payer account no owner).
 */
export function terms(field: string, label: string, opts: { size?: number; orderBy?: string; order?: 'asc' | 'desc'; schema?: string; missing?: string } = {}): Bucket {
  return {
    enabled: true,
    type: 'terms',
    ...(opts.schema ? { schema: opts.schema } : {}),
    params: {
      field,
      orderBy: opts.orderBy ?? '1',
      order: opts.order ?? 'desc',
      size: opts.size ?? 20,
      otherBucket: false,
      otherBucketLabel: 'Other',
      missingBucket: opts.missing !== undefined,
      missingBucketLabel: opts.missing ?? 'Missing',
      customLabel: label,
    },
  };
}

export function dateHistogram(field: string, label: string, interval = 'auto'): Bucket {
  return {
    enabled: true,
    type: 'date_histogram',
    params: { field, useNormalizedOpenSearchInterval: true, interval, drop_partials: false, min_doc_count: 1, extended_bounds: {}, customLabel: label },
  };
}

/**
 * One bucket per Lucene query. OpenSearch returns named filter buckets sorted by name, so labels that must
 * come in a given order (unknown accounts first) carry their rank (`1 unknown`).
 */
export function filtersAgg(label: string, filters: { query: string; label: string }[]): Bucket {
  return {
    enabled: true,
    type: 'filters',
    params: { filters: filters.map((f) => ({ input: { query: f.query, language: 'lucene' }, label: f.label })), customLabel: label },
  };
}

export interface FilterSpec {
  field: string;
  value: string | boolean;
  negate?: boolean;
  /** shown but off until the analyst ticks it */
  disabled?: boolean;
  label: string;
}

export interface VisSpec {
  /** id suffix: the object id is `<prefix>-vis-<key>` */
  key: string;
  title: string;
  description: string;
  pattern: PatternKey;
  type: 'table' | 'histogram' | 'horizontal_bar' | 'line' | 'pie' | 'metric';
  /** Lucene query, sent by Dashboards as `query_string` */
  query?: string;
  filters?: FilterSpec[];
  metrics: Metric[];
  buckets?: Bucket[];
  /** axis titles of charts: what each axis measures */
  axes?: { x: string; y: string };
  /** metric shown as a percentage of 1 (scores are fractions) */
  percentage?: boolean;
  perPage?: number;
}

export interface SearchSpec {
  key: string;
  title: string;
  description: string;
  pattern: PatternKey;
  query?: string;
  filters?: FilterSpec[];
  columns: string[];
  sort: [string, 'asc' | 'desc'][];
}

export interface ControlSpec {
  key: string;
  title: string;
  pattern: PatternKey;
  controls: { field: string; label: string }[];
}

export interface DashboardSpec {
  key: string;
  title: string;
  description: string;
  /** panels in reading order; each row holds panels whose widths add up to 48 */
  panels: { ref: string; w: number; h: number }[];
  filters?: (FilterSpec & { pattern: PatternKey })[];
  timeFrom?: string;
  timeTo?: string;
}

export interface PatternRef {
  id: string;
  title: string;
  timeField?: string;
}

const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

function filterJson(f: FilterSpec, indexRefName: string) {
  return {
    meta: {
      alias: f.label,
      negate: f.negate ?? false,
      disabled: f.disabled ?? false,
      type: 'phrase',
      key: f.field,
      params: { query: f.value },
      indexRefName,
    },
    query: { match_phrase: { [f.field]: f.value } },
    $state: { store: 'appState' },
  };
}

function searchSource(query: string | undefined, filters: FilterSpec[], withIndex: boolean): { json: string; refs: { name: string }[] } {
  const refs = filters.map((_, i) => ({ name: `kibanaSavedObjectMeta.searchSourceJSON.filter[${i}].meta.index` }));
  const json = JSON.stringify({
    query: { query: query ?? '', language: 'lucene' },
    filter: filters.map((f, i) => filterJson(f, refs[i]!.name)),
    ...(withIndex ? { indexRefName: INDEX_REF } : {}),
  });
  return { json, refs };
}

/** Fields shown as percentages: scores and gains are fractions of 1. */
export function indexPatternObject(p: PatternRef, fields: unknown[], percentFields: string[] = []): SavedObject {
  const formats = Object.fromEntries(percentFields.map((f) => [f, { id: 'percent', params: { pattern: '0.0%' } }]));
  return {
    id: p.id,
    type: 'index-pattern',
    attributes: {
      title: p.title,
      ...(p.timeField ? { timeFieldName: p.timeField } : {}),
      fields: JSON.stringify(fields),
      ...(percentFields.length ? { fieldFormatMap: JSON.stringify(formats) } : {}),
    },
    references: [],
    migrationVersion: { 'index-pattern': MIGRATION['index-pattern'] },
  };
}

function chartParams(v: VisSpec): Record<string, unknown> {
  const horizontal = v.type === 'horizontal_bar';
  const axisLabel = { show: true, truncate: 100, filter: !horizontal, rotate: horizontal ? 0 : 0 };
  return {
    type: v.type,
    addTooltip: true,
    addLegend: true,
    legendPosition: 'right',
    times: [],
    addTimeMarker: false,
    grid: { categoryLines: false },
    categoryAxes: [
      {
        id: 'CategoryAxis-1',
        type: 'category',
        position: horizontal ? 'left' : 'bottom',
        show: true,
        style: {},
        scale: { type: 'linear' },
        labels: axisLabel,
        title: { text: v.axes?.x ?? '' },
      },
    ],
    valueAxes: [
      {
        id: 'ValueAxis-1',
        name: 'LeftAxis-1',
        type: 'value',
        position: horizontal ? 'bottom' : 'left',
        show: true,
        style: {},
        scale: { type: 'linear', mode: 'normal', ...(v.percentage ? { min: 0, max: 1, setYExtents: true } : {}) },
        labels: { show: true, rotate: 0, filter: false, truncate: 100 },
        title: { text: v.axes?.y ?? '' },
      },
    ],
    seriesParams: [
      {
        show: true,
        type: v.type === 'line' ? 'line' : 'histogram',
        mode: 'normal',
        data: { label: v.axes?.y ?? '', id: '1' },
        valueAxis: 'ValueAxis-1',
        drawLinesBetweenPoints: true,
        lineWidth: 2,
        showCircles: true,
        interpolate: 'linear',
      },
    ],
    labels: { show: false },
    thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
  };
}

function visParams(v: VisSpec): Record<string, unknown> {
  switch (v.type) {
    case 'table':
      return { perPage: v.perPage ?? 20, showPartialRows: false, showMetricsAtAllLevels: false, showTotal: false, totalFunc: 'sum', percentageCol: '' };
    case 'pie':
      return { type: 'pie', addTooltip: true, addLegend: true, legendPosition: 'right', isDonut: true, labels: { show: true, values: true, last_level: true, truncate: 100 } };
    case 'metric':
      return {
        type: 'metric',
        addTooltip: true,
        addLegend: false,
        metric: {
          percentageMode: v.percentage ?? false,
          useRanges: false,
          colorSchema: 'Green to Red',
          metricColorMode: 'None',
          colorsRange: [{ from: 0, to: v.percentage ? 1 : 10000 }],
          labels: { show: true },
          invertColors: false,
          style: { bgFill: '#000', bgColor: false, labelColor: false, subText: '', fontSize: 48 },
        },
      };
    default:
      return chartParams(v);
  }
}

/** Bucket schema of a visualization type: table rows, chart x-axis, pie slices, metric groups. */
function bucketSchema(type: VisSpec['type'], index: number): string {
  if (type === 'table') return 'bucket';
  if (type === 'metric') return 'group';
  return index === 0 ? 'segment' : 'group';
}

export function visAggs(v: VisSpec): Agg[] {
  const metrics = v.metrics.map((m, i) => ({ ...m, id: String(i + 1), schema: 'metric' }));
  const buckets = (v.buckets ?? []).map((b, i) => ({ ...b, id: String(v.metrics.length + i + 1), schema: b.schema ?? bucketSchema(v.type, i) }));
  return [...metrics, ...buckets] as Agg[];
}

export function visualizationObject(v: VisSpec, id: string, pattern: PatternRef): SavedObject {
  const filters = v.filters ?? [];
  const source = searchSource(v.query, filters, true);
  return {
    id,
    type: 'visualization',
    attributes: {
      title: v.title,
      description: v.description,
      visState: JSON.stringify({ title: v.title, type: v.type, params: visParams(v), aggs: visAggs(v) }),
      uiStateJSON: '{}',
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: source.json },
    },
    references: [{ name: INDEX_REF, type: 'index-pattern', id: pattern.id }, ...source.refs.map((r) => ({ ...r, type: 'index-pattern', id: pattern.id }))],
    migrationVersion: { visualization: MIGRATION.visualization },
  };
}

export function searchObject(s: SearchSpec, id: string, pattern: PatternRef): SavedObject {
  const filters = s.filters ?? [];
  const source = searchSource(s.query, filters, true);
  return {
    id,
    type: 'search',
    attributes: {
      title: s.title,
      description: s.description,
      hits: 0,
      columns: s.columns,
      sort: s.sort,
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: source.json },
    },
    references: [{ name: INDEX_REF, type: 'index-pattern', id: pattern.id }, ...source.refs.map((r) => ({ ...r, type: 'index-pattern', id: pattern.id }))],
    migrationVersion: { search: MIGRATION.search },
  };
}

/** An options-list control per field: picking a value adds a filter every panel of the dashboard obeys. */
export function controlObject(c: ControlSpec, id: string, pattern: PatternRef): SavedObject {
  const controls = c.controls.map((ctl, i) => ({
    id: String(i + 1),
    fieldName: ctl.field,
    parent: '',
    label: ctl.label,
    type: 'list',
    options: { type: 'terms', multiselect: false, dynamicOptions: true, size: 200, order: 'asc' },
    indexPatternRefName: `control_${i}_index_pattern`,
  }));
  return {
    id,
    type: 'visualization',
    attributes: {
      title: c.title,
      description: '',
      visState: JSON.stringify({
        title: c.title,
        type: 'input_control_vis',
        params: { controls, updateFiltersOnChange: true, useTimeFilter: false, pinFilters: false },
        aggs: [],
      }),
      uiStateJSON: '{}',
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'lucene' }, filter: [] }) },
    },
    references: controls.map((ctl) => ({ name: ctl.indexPatternRefName, type: 'index-pattern', id: pattern.id })),
    migrationVersion: { visualization: MIGRATION.visualization },
  };
}

export function dashboardObject(d: DashboardSpec, id: string, panels: { id: string; type: string }[], patternOf: (key: PatternKey) => PatternRef): SavedObject {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panelsJson = d.panels.map((p, i) => {
    if (x + p.w > 48) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridData = { x, y, w: p.w, h: p.h, i: String(i + 1) };
    x += p.w;
    rowHeight = Math.max(rowHeight, p.h);
    return { version: '2.19.0', gridData, panelIndex: String(i + 1), embeddableConfig: {}, panelRefName: `panel_${i}` };
  });
  const filters = d.filters ?? [];
  const source = searchSource(undefined, filters, false);
  return {
    id,
    type: 'dashboard',
    attributes: {
      title: d.title,
      description: d.description,
      hits: 0,
      panelsJSON: JSON.stringify(panelsJson),
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      version: 1,
      // opens on the stored range, not the last 15 minutes where a time-based panel shows nothing
      timeRestore: true,
      timeFrom: d.timeFrom ?? 'now-7d',
      timeTo: d.timeTo ?? 'now',
      refreshInterval: { pause: true, value: 0 },
      kibanaSavedObjectMeta: { searchSourceJSON: source.json },
    },
    references: [
      ...panels.map((p, i) => ({ name: `panel_${i}`, type: p.type, id: p.id })),
      ...source.refs.map((r, i) => ({ ...r, type: 'index-pattern', id: patternOf(filters[i]!.pattern).id })),
    ],
    migrationVersion: { dashboard: MIGRATION.dashboard },
  };
}
