// OpenSearch Dashboards saved objects for Census: one index pattern per Census index (its field list
// generated from the mappings the templates create), the visualizations and saved searches, and the
// dashboards a security team opens. Built in code so index names, field names and ids come from the
// same place as the indexes themselves.
import { indexNames } from '../core/indexes.js';
import { indexMappings, type IndexKind } from '../opensearch/mappings.js';
import { RUN_MAPPING } from '../opensearch/store.js';
import {
  controlObject,
  dashboardObject,
  indexPatternObject,
  searchObject,
  visualizationObject,
  type ControlSpec,
  type DashboardSpec,
  type PatternRef,
  type SavedObject,
  type SearchSpec,
  type VisSpec,
} from './build.js';
import { flattenMapping, indexPatternFields } from './fields.js';
import { controls, dashboards, searches, visualizations } from './specs.js';

export type { SavedObject } from './build.js';

/** The mappings behind each pattern: the templates' kinds, and the processors' inventory-run ledger. */
export const patternMappings = { ...indexMappings, inventoryRuns: RUN_MAPPING.properties as Record<string, unknown> };
type MappingKind = IndexKind | 'inventoryRuns';

/** Index patterns by key: the alias they read, its time field, and the mapping kind behind it. */
export const patterns = {
  // one document per resource, its current state: no time field. Under change-only landing an unchanged resource
  // keeps the capture time of its last change, so a time filter would hide a public bucket nobody touched this week.
  resources: { alias: (p: string) => indexNames(p).resources, timeField: undefined, kind: 'resources' },
  findings: { alias: (p: string) => indexNames(p).findings, timeField: 'observedAt', kind: 'findings' },
  accounts: { alias: (p: string) => indexNames(p).accounts, timeField: undefined, kind: 'accounts' },
  trustedAccounts: { alias: (p: string) => indexNames(p).trustedAccounts, timeField: undefined, kind: 'trustedAccounts' },
  collectionErrors: { alias: (p: string) => indexNames(p).collectionErrors, timeField: 'observedAt', kind: 'collectionErrors' },
  scores: { alias: (p: string) => indexNames(p).scores, timeField: 'runAt', kind: 'scores' },
  deadLetters: { alias: (p: string) => indexNames(p).deadLetters, timeField: 'deadLetteredAt', kind: 'deadLetters' },
  // the latest scoring run only: no time field, the run is the time
  currentScores: { alias: (p: string) => indexNames(p).currentScores, timeField: undefined, kind: 'currentScores' },
  currentFailing: { alias: (p: string) => indexNames(p).currentFailing, timeField: undefined, kind: 'currentFailing' },
  inventoryRuns: { alias: (p: string) => indexNames(p).inventoryRuns, timeField: 'finishedAt', kind: 'inventoryRuns' },
  changes: { alias: (p: string) => indexNames(p).changes, timeField: 'changedAt', kind: 'changes' },
} satisfies Record<string, { alias: (prefix: string) => string; timeField: string | undefined; kind: MappingKind }>;
export type PatternName = keyof typeof patterns;

/** Pattern title = the alias itself: exactly the indexes Census writes, never a neighbour sharing the prefix. */
export function patternRef(prefix: string, key: string): PatternRef {
  const p = patterns[key as PatternName];
  if (!p) throw new Error(`unknown index pattern "${key}"`);
  return { id: `${prefix}-pattern-${key}`, title: p.alias(prefix), ...(p.timeField ? { timeField: p.timeField } : {}) };
}

export const objectId = {
  vis: (prefix: string, key: string) => `${prefix}-vis-${key}`,
  search: (prefix: string, key: string) => `${prefix}-search-${key}`,
  dashboard: (prefix: string, key: string) => `${prefix}-dashboard-${key}`,
};

export { controls, dashboards, searches, visualizations };

/** Every saved object, index patterns first so that imports resolve their references. */
export function savedObjects(prefix = 'census'): SavedObject[] {
  const patternObjects = (Object.keys(patterns) as PatternName[]).map((key) =>
    indexPatternObject(
      patternRef(prefix, key),
      indexPatternFields(flattenMapping(patternMappings[patterns[key].kind])),
      patterns[key].kind === 'scores' || patterns[key].kind === 'currentScores' ? ['score', 'gain'] : [],
    ),
  );
  const panelIds = new Map<string, { id: string; type: string }>();
  const vis = visualizations.map((v: VisSpec) => visualizationObject(v, objectId.vis(prefix, v.key), patternRef(prefix, v.pattern)));
  for (const v of visualizations) panelIds.set(v.key, { id: objectId.vis(prefix, v.key), type: 'visualization' });
  const ctl = controls.map((c: ControlSpec) => controlObject(c, objectId.vis(prefix, c.key), patternRef(prefix, c.pattern)));
  for (const c of controls) panelIds.set(c.key, { id: objectId.vis(prefix, c.key), type: 'visualization' });
  const srch = searches.map((s: SearchSpec) => searchObject(s, objectId.search(prefix, s.key), patternRef(prefix, s.pattern)));
  for (const s of searches) panelIds.set(`search:${s.key}`, { id: objectId.search(prefix, s.key), type: 'search' });
  const dash = dashboards.map((d: DashboardSpec) =>
    dashboardObject(
      d,
      objectId.dashboard(prefix, d.key),
      d.panels.map((p) => {
        const ref = panelIds.get(p.ref);
        if (!ref) throw new Error(`dashboard ${d.key}: no panel "${p.ref}"`);
        return ref;
      }),
      (key) => patternRef(prefix, key),
    ),
  );
  return [...patternObjects, ...vis, ...ctl, ...srch, ...dash];
}

/** The NDJSON file format OpenSearch Dashboards imports and exports. */
export function savedObjectsNdjson(prefix = 'census'): string {
  return savedObjects(prefix).map((o) => JSON.stringify(o)).join('\n') + '\n';
}

/** Field types of each pattern's indexes as the templates declare them, by pattern title. */
export function declaredPatternFields(prefix = 'census', mappings: Record<MappingKind, Record<string, unknown>> = patternMappings): Map<string, Map<string, Set<string>>> {
  return new Map(
    (Object.keys(patterns) as PatternName[]).map((key) => [
      patterns[key].alias(prefix),
      new Map([...flattenMapping(mappings[patterns[key].kind])].map(([f, t]) => [f, new Set([t])])),
    ]),
  );
}
