import { describe, expect, it } from 'vitest';
import { checkSavedObjects, luceneFields } from '../../dashboards/contract.js';
import { declaredPatternFields, patternMappings, savedObjects, savedObjectsNdjson } from '../../dashboards/objects.js';
import { buildImportRequest } from '../../dashboards/loader.js';

const fieldsOf = (prefix: string, mappings = patternMappings) => {
  const declared = declaredPatternFields(prefix, mappings);
  return (title: string) => declared.get(title) ?? new Map();
};

describe('dashboards saved objects', () => {
  const objects = savedObjects('census');

  it('meet the contract with the mappings the templates declare', () => {
    expect(checkSavedObjects(objects, fieldsOf('census'))).toEqual([]);
  });

  it('fail the contract when a mapping field the panels use is renamed', () => {
    const { severity, ...rest } = patternMappings.currentFailing;
    const renamed = { ...patternMappings, currentFailing: { ...rest, severityLevel: severity! } };
    const problems = checkSavedObjects(objects, fieldsOf('census', renamed));
    expect(problems.some((p) => p.includes('terms on "severity", which no index of census-current-failing maps'))).toBe(true);
    // the exceptions dashboard's filter on it too
    expect(problems.some((p) => p.includes('dashboard census-dashboard-exceptions: filter on "severity"'))).toBe(true);
    // the index pattern's field list no longer matches either
    expect(problems.some((p) => p.includes('does not list "severityLevel"'))).toBe(true);
  });

  it('fail the contract when a field has the wrong type for its aggregation', () => {
    const currentFailing = { ...patternMappings.currentFailing, requirementId: { type: 'text' } };
    const problems = checkSavedObjects(objects, fieldsOf('census', { ...patternMappings, currentFailing }));
    expect(problems.some((p) => p.includes('terms on "requirementId" needs'))).toBe(true);
    const scores = { ...patternMappings.scores, score: { type: 'keyword' } };
    expect(checkSavedObjects(objects, fieldsOf('census', { ...patternMappings, scores })).some((p) => p.includes('avg on "score" needs'))).toBe(true);
    const scoresRunAt = { ...patternMappings.scores, runAt: { type: 'keyword' } };
    expect(checkSavedObjects(objects, fieldsOf('census', { ...patternMappings, scores: scoresRunAt })).some((p) => p.includes('date_histogram on "runAt" needs'))).toBe(true);
  });

  it('fail the contract on a dangling reference, unparseable JSON or a dashboard without a stored time range', () => {
    const broken = structuredClone(objects);
    const vis = broken.find((o) => o.type === 'visualization')!;
    vis.references[0]!.id = 'census-pattern-gone';
    const dash = broken.find((o) => o.type === 'dashboard')!;
    dash.attributes.panelsJSON = '[{';
    dash.attributes.timeRestore = false;
    const problems = checkSavedObjects(broken, fieldsOf('census'));
    expect(problems.some((p) => p.includes('census-pattern-gone does not resolve'))).toBe(true);
    expect(problems.some((p) => p.includes('panelsJSON does not parse'))).toBe(true);
    expect(problems.some((p) => p.includes('timeRestore is not true'))).toBe(true);
  });

  it('reads the fields of Lucene queries', () => {
    expect(luceneFields('status:FAIL AND NOT exception.active:true AND resourceCount:>0 AND message:"a:b"').sort()).toEqual(['exception.active', 'message', 'resourceCount', 'status']);
  });

  it('carries the prefix in every id and pattern, so two prefixes never overwrite each other', () => {
    const a = savedObjects('acme');
    const b = savedObjects('beta');
    for (const o of a) expect(o.id.startsWith('acme-'), o.id).toBe(true);
    const idsA = new Set(a.map((o) => o.id));
    expect(b.filter((o) => idsA.has(o.id))).toEqual([]);
    for (const o of a.filter((x) => x.type === 'index-pattern')) expect(o.attributes.title).toMatch(/^acme-/);
  });

  it('stores a time range on every dashboard, last 7 days by default', () => {
    const dashboards = objects.filter((o) => o.type === 'dashboard');
    expect(dashboards.length).toBeGreaterThanOrEqual(4);
    for (const d of dashboards) expect(d.attributes).toMatchObject({ timeRestore: true, timeFrom: 'now-7d', timeTo: 'now' });
  });

  it('labels chart axes with what they measure', () => {
    for (const o of objects.filter((x) => x.type === 'visualization')) {
      const vis = JSON.parse(o.attributes.visState as string) as { type: string; params: { valueAxes?: { title: { text: string } }[]; categoryAxes?: { title: { text: string } }[] } };
      if (!vis.params.valueAxes) continue;
      for (const axis of [...vis.params.valueAxes, ...vis.params.categoryAxes!]) expect(axis.title.text, o.id).not.toMatch(/^(Count)?$/);
    }
  });

  it('writes valid NDJSON, one object per line', () => {
    const lines = savedObjectsNdjson('acme').trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    for (const line of lines) expect((JSON.parse(line) as { id: string }).id).toMatch(/^acme-/);
  });

  it('builds the import request Dashboards expects', async () => {
    const { url, init } = buildImportRequest('http://dash:5601/', 'census');
    expect(url).toBe('http://dash:5601/api/saved_objects/_import?overwrite=true');
    expect((init.headers as Record<string, string>)['osd-xsrf']).toBe('true');
    const file = (init.body as FormData).get('file') as File;
    expect((await file.text()).split('\n').filter(Boolean)).toHaveLength(objects.length);
  });
});
