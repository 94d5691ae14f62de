// The contract between the saved objects and the indexes: every field a saved object uses exists in the
// mappings of the indexes its pattern matches, with a type that supports how it is used; every reference
// resolves inside the set; every JSON attribute parses. The same check runs on the mappings the templates
// declare (unit) and on the `_mapping` the cluster returns after the processors created the indexes.
import type { SavedObject } from './build.js';
import { NUMERIC } from './fields.js';

/** field path -> every OpenSearch type it has across the indexes a pattern matches */
export type PatternFields = Map<string, Set<string>>;

const KEYWORDISH = new Set(['keyword', 'boolean', ...NUMERIC]);
const NUMBER = NUMERIC;
const ORDERED = new Set(['date', 'keyword', ...NUMERIC]);
const DATE_OR_NUMBER = new Set(['date', ...NUMERIC]);

/** Which field types each aggregation accepts. */
export const AGG_FIELD_TYPES: Record<string, Set<string>> = {
  terms: KEYWORDISH,
  significant_terms: KEYWORDISH,
  cardinality: new Set([...KEYWORDISH, 'date']),
  date_histogram: new Set(['date']),
  histogram: NUMBER,
  avg: NUMBER,
  sum: NUMBER,
  median: NUMBER,
  min: DATE_OR_NUMBER,
  max: DATE_OR_NUMBER,
  top_hits: new Set([...KEYWORDISH, 'date']),
};

/** Field names a Lucene query string refers to (`field:value`, `NOT field:(a OR b)`, `field:>0`). */
export function luceneFields(query: string): string[] {
  const out = new Set<string>();
  // strip quoted phrases first: a colon inside a value is not a field
  const bare = query.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const m of bare.matchAll(/(?:^|[\s(!+-])([A-Za-z_@][\w.@-]*):/g)) out.add(m[1]!);
  return [...out];
}

interface Use {
  field: string;
  /** accepted types; undefined = any searchable field */
  types?: Set<string>;
  how: string;
}

function parse(o: SavedObject, attr: string, value: unknown, problems: string[]): unknown {
  if (typeof value !== 'string') {
    problems.push(`${o.type} ${o.id}: ${attr} is not a JSON string`);
    return undefined;
  }
  try {
    return JSON.parse(value);
  } catch (err) {
    problems.push(`${o.type} ${o.id}: ${attr} does not parse: ${(err as Error).message}`);
    return undefined;
  }
}

interface SearchSourceJson {
  query?: { query?: string; language?: string };
  filter?: { meta?: { key?: string; indexRefName?: string; disabled?: boolean }; query?: unknown }[];
  indexRefName?: string;
}

function searchSourceUses(o: SavedObject, problems: string[]): { source?: SearchSourceJson; uses: (Use & { ref?: string })[] } {
  const meta = o.attributes.kibanaSavedObjectMeta as { searchSourceJSON?: unknown } | undefined;
  const source = parse(o, 'kibanaSavedObjectMeta.searchSourceJSON', meta?.searchSourceJSON, problems) as SearchSourceJson | undefined;
  const uses: (Use & { ref?: string })[] = [];
  if (!source) return { uses };
  if (source.query?.language !== 'lucene' && source.query?.query) problems.push(`${o.type} ${o.id}: query language ${source.query?.language} (the checks read Lucene)`);
  for (const f of luceneFields(source.query?.query ?? '')) uses.push({ field: f, how: 'query' });
  for (const f of source.filter ?? []) if (f.meta?.key) uses.push({ field: f.meta.key, how: 'filter', ref: f.meta.indexRefName });
  return { source, uses };
}

interface VisAgg {
  id: string;
  type: string;
  params: { field?: string; sortField?: string; filters?: { input: { query: string } }[] };
}

/** Fields a visualization uses, by how. */
export function visualizationUses(visState: { type: string; aggs: VisAgg[]; params: Record<string, unknown> }): Use[] {
  const uses: Use[] = [];
  for (const a of visState.aggs) {
    if (a.params.field !== undefined) uses.push({ field: a.params.field, types: AGG_FIELD_TYPES[a.type], how: a.type });
    if (a.params.sortField) uses.push({ field: a.params.sortField, types: DATE_OR_NUMBER, how: `${a.type} sort` });
    for (const f of a.params.filters ?? []) for (const field of luceneFields(f.input.query)) uses.push({ field, how: 'filters agg' });
  }
  return uses;
}

function checkUse(o: SavedObject, use: Use, fields: PatternFields, patternTitle: string, problems: string[]): void {
  const types = fields.get(use.field);
  if (!types) {
    problems.push(`${o.type} ${o.id}: ${use.how} on "${use.field}", which no index of ${patternTitle} maps`);
    return;
  }
  for (const t of types) {
    if (t === 'object') problems.push(`${o.type} ${o.id}: ${use.how} on "${use.field}", stored but not indexed in ${patternTitle}`);
    else if (use.types && !use.types.has(t)) problems.push(`${o.type} ${o.id}: ${use.how} on "${use.field}" needs ${[...use.types].join('|')}, ${patternTitle} maps it as ${t}`);
  }
}

/**
 * Every problem of a set of saved objects against the field types of the indexes each pattern matches
 * (`fieldsOf(title)`); empty when the objects are sound.
 */
export function checkSavedObjects(objects: SavedObject[], fieldsOf: (patternTitle: string) => PatternFields): string[] {
  const problems: string[] = [];
  const byKey = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));
  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.type}:${o.id}`;
    if (seen.has(key)) problems.push(`${key}: duplicate id`);
    seen.add(key);
    for (const r of o.references) if (!byKey.has(`${r.type}:${r.id}`)) problems.push(`${key}: reference ${r.name} -> ${r.type}:${r.id} does not resolve`);
  }
  const patternOf = (o: SavedObject, refName: string | undefined) => {
    const ref = o.references.find((r) => r.name === refName);
    return ref ? byKey.get(`index-pattern:${ref.id}`) : undefined;
  };
  const fieldsCache = new Map<string, PatternFields>();
  const fieldsFor = (pattern: SavedObject) => {
    const title = pattern.attributes.title as string;
    if (!fieldsCache.has(title)) fieldsCache.set(title, fieldsOf(title));
    return { title, fields: fieldsCache.get(title)! };
  };
  const check = (o: SavedObject, uses: (Use & { ref?: string })[], defaultRef?: string) => {
    for (const use of uses) {
      const pattern = patternOf(o, use.ref ?? defaultRef);
      if (!pattern) {
        problems.push(`${o.type} ${o.id}: ${use.how} on "${use.field}" without an index pattern`);
        continue;
      }
      const { title, fields } = fieldsFor(pattern);
      checkUse(o, use, fields, title, problems);
    }
  };
  const INDEX_REF = 'kibanaSavedObjectMeta.searchSourceJSON.index';

  for (const o of objects) {
    switch (o.type) {
      case 'index-pattern': {
        const { title, fields } = fieldsFor(o);
        if (fields.size === 0) problems.push(`index-pattern ${o.id}: no index matches ${title}`);
        const list = parse(o, 'fields', o.attributes.fields, problems) as { name: string; esTypes?: string[] }[] | undefined;
        const listed = new Set<string>();
        for (const f of list ?? []) {
          if (f.name.startsWith('_')) continue;
          listed.add(f.name);
          const types = fields.get(f.name);
          if (!types) problems.push(`index-pattern ${o.id}: lists "${f.name}", which ${title} does not map`);
          else if (!f.esTypes?.every((t) => types.has(t))) problems.push(`index-pattern ${o.id}: lists "${f.name}" as ${f.esTypes?.join(',')}, ${title} maps it as ${[...types].join(',')}`);
        }
        for (const [name, types] of fields) if (!types.has('object') && !listed.has(name)) problems.push(`index-pattern ${o.id}: does not list "${name}" that ${title} maps`);
        const formats = o.attributes.fieldFormatMap === undefined ? {} : (parse(o, 'fieldFormatMap', o.attributes.fieldFormatMap, problems) ?? {});
        for (const f of Object.keys(formats)) checkUse(o, { field: f, types: NUMBER, how: 'percent format' }, fields, title, problems);
        const time = o.attributes.timeFieldName as string | undefined;
        if (time) checkUse(o, { field: time, types: new Set(['date']), how: 'time field' }, fields, title, problems);
        break;
      }
      case 'visualization': {
        const vis = parse(o, 'visState', o.attributes.visState, problems) as { type: string; aggs: VisAgg[]; params: Record<string, unknown> } | undefined;
        parse(o, 'uiStateJSON', o.attributes.uiStateJSON, problems);
        const { uses } = searchSourceUses(o, problems);
        if (!vis) break;
        if (vis.type === 'input_control_vis') {
          for (const c of (vis.params.controls ?? []) as { fieldName: string; indexPatternRefName: string }[]) {
            check(o, [{ field: c.fieldName, types: new Set(['keyword']), how: 'control', ref: c.indexPatternRefName }]);
          }
          break;
        }
        if (vis.aggs.length === 0) problems.push(`visualization ${o.id}: no aggregations`);
        check(o, [...uses, ...visualizationUses(vis)], INDEX_REF);
        break;
      }
      case 'search': {
        const { uses } = searchSourceUses(o, problems);
        const columns = (o.attributes.columns ?? []) as string[];
        const sort = (o.attributes.sort ?? []) as [string, string][];
        check(o, [...uses, ...columns.map((field) => ({ field, how: 'column' })), ...sort.map(([field]) => ({ field, types: ORDERED, how: 'sort' }))], INDEX_REF);
        break;
      }
      case 'dashboard': {
        const panels = parse(o, 'panelsJSON', o.attributes.panelsJSON, problems) as { panelRefName?: string }[] | undefined;
        parse(o, 'optionsJSON', o.attributes.optionsJSON, problems);
        if (o.attributes.timeRestore !== true) problems.push(`dashboard ${o.id}: timeRestore is not true (it would open on the last 15 minutes)`);
        const { uses } = searchSourceUses(o, problems);
        const panelPatterns = new Set<SavedObject>();
        for (const p of panels ?? []) {
          const ref = o.references.find((r) => r.name === p.panelRefName);
          if (!ref) {
            problems.push(`dashboard ${o.id}: panel ${p.panelRefName} has no reference`);
            continue;
          }
          const target = byKey.get(`${ref.type}:${ref.id}`);
          // a control's choice becomes a dashboard filter too
          if (target?.type === 'visualization' && typeof target.attributes.visState === 'string') {
            const vis = JSON.parse(target.attributes.visState) as { type: string; params: { controls?: { fieldName: string }[] } };
            if (vis.type === 'input_control_vis') for (const c of vis.params.controls ?? []) uses.push({ field: c.fieldName, how: `control ${target.id}` });
          }
          for (const r of target?.references ?? []) {
            const pattern = byKey.get(`index-pattern:${r.id}`);
            if (pattern) panelPatterns.add(pattern);
          }
        }
        // a dashboard filter applies to every panel: the field must exist in each panel's pattern
        for (const use of uses) {
          for (const pattern of panelPatterns) {
            const { title, fields } = fieldsFor(pattern);
            checkUse(o, use, fields, title, problems);
          }
        }
        break;
      }
    }
  }
  return problems;
}
