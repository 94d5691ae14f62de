// OpenSearch Dashboards saved objects for Census: index patterns over the Census indexes, the
// visualizations a security team opens first, and one overview dashboard. Built in code so that
// the index names and field names come from the same place as the indexes themselves.
import { indexNames } from '../core/indexes.js';

export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'visualization' | 'dashboard';
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
}

interface VisSpec {
  id: string;
  title: string;
  /** which index pattern it reads */
  pattern: keyof ReturnType<typeof patternIds>;
  type: 'histogram' | 'line' | 'table' | 'pie' | 'metric';
  /** KQL filter */
  query?: string;
  /** fields this visualization aggregates on: checked against the index mappings in tests */
  fields: string[];
  aggs: Record<string, unknown>[];
  params?: Record<string, unknown>;
}

const patternIds = (prefix: string) => {
  const names = indexNames(prefix);
  return {
    resources: { id: `${prefix}-resources`, title: `${names.resources}*`, timeField: 'configurationItemCaptureTime' },
    findings: { id: `${prefix}-findings`, title: `${names.findings}*`, timeField: 'observedAt' },
    trustedAccounts: { id: `${prefix}-trusted-accounts`, title: `${names.trustedAccounts}*`, timeField: undefined },
    scores: { id: `${prefix}-scores`, title: `${names.scores}*`, timeField: 'runAt' },
    accounts: { id: `${prefix}-accounts`, title: `${names.accounts}*`, timeField: undefined },
  };
};

const count = { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} };
const terms = (id: string, field: string, schema: string, size = 20) => ({
  id,
  enabled: true,
  type: 'terms',
  schema,
  params: { field, size, order: 'desc', orderBy: '1', missingBucket: false },
});

export function visualizations(): VisSpec[] {
  return [
    {
      id: 'census-failing-by-requirement',
      title: 'Census: failing findings by requirement',
      pattern: 'findings',
      type: 'histogram',
      query: 'status:FAIL and not exception.active:true',
      fields: ['requirementId', 'status', 'exception.active'],
      aggs: [count, terms('2', 'requirementId', 'segment', 40)],
    },
    {
      id: 'census-findings-by-severity',
      title: 'Census: failing findings by severity',
      pattern: 'findings',
      type: 'pie',
      query: 'status:FAIL',
      fields: ['severity', 'status'],
      aggs: [count, terms('2', 'severity', 'segment', 5)],
    },
    {
      id: 'census-resources-by-type',
      title: 'Census: resources by type',
      pattern: 'resources',
      type: 'table',
      query: 'not configurationItemStatus:ResourceDeleted',
      fields: ['resourceType', 'configurationItemStatus'],
      aggs: [count, terms('2', 'resourceType', 'bucket', 100)],
    },
    {
      id: 'census-unknown-trusted-accounts',
      title: 'Census: unknown external accounts and what they can reach',
      pattern: 'trustedAccounts',
      type: 'table',
      query: 'classification:unknown',
      fields: ['accountId', 'classification'],
      aggs: [count, terms('2', 'accountId', 'bucket', 100)],
    },
    {
      id: 'census-worst-accounts',
      title: 'Census: accounts with most failing findings',
      pattern: 'findings',
      type: 'table',
      query: 'status:FAIL and not exception.active:true',
      fields: ['accountId', 'account.name', 'account.owner'],
      aggs: [count, terms('2', 'accountId', 'bucket', 25), terms('3', 'account.owner', 'bucket', 1)],
    },
    {
      id: 'census-enterprise-score-trend',
      title: 'Census: enterprise score over time',
      pattern: 'scores',
      type: 'line',
      query: 'scope:enterprise',
      fields: ['scope', 'score', 'runAt'],
      aggs: [
        { id: '1', enabled: true, type: 'avg', schema: 'metric', params: { field: 'score' } },
        { id: '2', enabled: true, type: 'date_histogram', schema: 'segment', params: { field: 'runAt', interval: 'h', min_doc_count: 1 } },
      ],
    },
  ];
}

function indexPattern(p: { id: string; title: string; timeField: string | undefined }): SavedObject {
  return { id: p.id, type: 'index-pattern', attributes: { title: p.title, ...(p.timeField ? { timeFieldName: p.timeField } : {}) }, references: [] };
}

function visualization(v: VisSpec, prefix: string): SavedObject {
  const pattern = patternIds(prefix)[v.pattern];
  return {
    id: v.id,
    type: 'visualization',
    attributes: {
      title: v.title,
      visState: JSON.stringify({ title: v.title, type: v.type, params: v.params ?? {}, aggs: v.aggs }),
      uiStateJSON: '{}',
      description: '',
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({
          query: { query: v.query ?? '', language: 'kuery' },
          filter: [],
          indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
        }),
      },
    },
    references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: pattern.id }],
  };
}

/** Every saved object, index patterns first so that imports resolve their references. */
export function savedObjects(prefix = 'census'): SavedObject[] {
  const patterns = Object.values(patternIds(prefix)).map(indexPattern);
  const vis = visualizations().map((v) => visualization(v, prefix));
  const panels = vis.map((v, i) => ({
    panelIndex: String(i + 1),
    gridData: { x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15, i: String(i + 1) },
    version: '2.19.0',
    panelRefName: `panel_${i}`,
    embeddableConfig: {},
  }));
  const dashboard: SavedObject = {
    id: 'census-overview',
    type: 'dashboard',
    attributes: {
      title: 'Census overview',
      description: 'Inventory, trust, findings and scores across the organization',
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      timeRestore: false,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: vis.map((v, i) => ({ name: `panel_${i}`, type: 'visualization', id: v.id })),
  };
  return [...patterns, ...vis, dashboard];
}

/** The NDJSON file format OpenSearch Dashboards imports and exports. */
export function savedObjectsNdjson(prefix = 'census'): string {
  return savedObjects(prefix).map((o) => JSON.stringify(o)).join('\n') + '\n';
}

/** Fields each index pattern's visualizations need, for checking against the index mappings. */
export function fieldsUsed(): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const v of visualizations()) {
    for (const f of v.fields) (out[v.pattern] ??= new Set()).add(f);
  }
  return Object.fromEntries(Object.entries(out).map(([k, s]) => [k, [...s].sort()]));
}
