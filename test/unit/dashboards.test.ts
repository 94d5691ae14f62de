import { describe, expect, it } from 'vitest';
import { savedObjects, savedObjectsNdjson } from '../../dashboards/objects.js';
import { buildImportRequest } from '../../dashboards/loader.js';

describe('dashboards saved objects', () => {
  const objects = savedObjects('census');

  it('resolves every reference inside the set, so an import needs nothing else', () => {
    const ids = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects) for (const r of o.references) expect(ids, `${o.id} -> ${r.type}:${r.id}`).toContain(`${r.type}:${r.id}`);
  });

  it('puts every visualization on the overview dashboard', () => {
    const dashboard = objects.find((o) => o.type === 'dashboard')!;
    const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as unknown[];
    const vis = objects.filter((o) => o.type === 'visualization');
    expect(panels).toHaveLength(vis.length);
    expect(dashboard.references.map((r) => r.id).sort()).toEqual(vis.map((v) => v.id).sort());
  });

  it('writes valid NDJSON with parseable visualization state', () => {
    const lines = savedObjectsNdjson('acme').trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    for (const line of lines) {
      const o = JSON.parse(line) as { type: string; attributes: { visState?: string; title?: string } };
      if (o.type === 'visualization') expect(JSON.parse(o.attributes.visState!).aggs.length).toBeGreaterThan(0);
      if (o.type === 'index-pattern') expect(o.attributes.title).toMatch(/^acme-/);
    }
  });

  it('builds the import request Dashboards expects', async () => {
    const { url, init } = buildImportRequest('http://dash:5601/', 'census');
    expect(url).toBe('http://dash:5601/api/saved_objects/_import?overwrite=true');
    expect((init.headers as Record<string, string>)['osd-xsrf']).toBe('true');
    const file = (init.body as FormData).get('file') as File;
    expect((await file.text()).split('\n').filter(Boolean)).toHaveLength(objects.length);
  });
});
