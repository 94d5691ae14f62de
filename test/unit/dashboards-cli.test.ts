// `census dashboards export` and `install` as an analyst runs them: the file the import UI takes, and the
// request the import API gets (a local HTTP listener stands where Dashboards would, which no registry ships).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/census.js';
import { checkSavedObjects } from '../../dashboards/contract.js';
import { declaredPatternFields, savedObjects, type SavedObject } from '../../dashboards/objects.js';

async function run(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (out += `${a.join(' ')}\n`));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  try {
    return { code: await main(['node', 'census', ...args]), out };
  } finally {
    log.mockRestore();
    error.mockRestore();
    err.mockRestore();
  }
}

describe('census dashboards', () => {
  afterEach(() => vi.restoreAllMocks());

  it('export writes the NDJSON the import UI takes: every object, prefixed, sound against the mappings', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'census-dash-')), 'acme.ndjson');
    const { code } = await run('dashboards', 'export', '--out', file, '--prefix', 'acme');
    expect(code).toBe(0);
    const objects = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SavedObject);
    expect(objects.map((o) => o.id)).toEqual(savedObjects('acme').map((o) => o.id));
    for (const o of objects) expect(o.id.startsWith('acme-')).toBe(true);
    expect(objects.filter((o) => o.type === 'dashboard').map((o) => o.attributes.title)).toEqual(['Census: overview', 'Census: trust map', 'Census: exceptions', 'Census: public exposure', 'Census: collection health', 'Census: changes', 'Census: owner view']);
    const declared = declaredPatternFields('acme');
    expect(checkSavedObjects(objects, (t) => declared.get(t) ?? new Map())).toEqual([]);
  });

  it('install posts the objects to the import API with osd-xsrf and overwrite, and reports what was imported', async () => {
    let seen: { url?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { url: req.url, headers: req.headers, body };
        const lines = body.split('\n').filter((l) => l.startsWith('{'));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, successCount: lines.length }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const { code, out } = await run('dashboards', 'install', '--url', `http://127.0.0.1:${port}/`, '--prefix', 'acme');
      expect(code).toBe(0);
      expect(seen.url).toBe('/api/saved_objects/_import?overwrite=true');
      expect(seen.headers?.['osd-xsrf']).toBe('true');
      expect(seen.headers?.['content-type']).toMatch(/^multipart\/form-data/);
      expect(out).toContain(`imported ${savedObjects('acme').length} saved objects`);
    } finally {
      server.close();
    }
  });

  it('install names the URL when Dashboards cannot be reached, and fails', async () => {
    const { code, out } = await run('dashboards', 'install', '--url', 'http://127.0.0.1:9/');
    expect(code).not.toBe(0);
    expect(out).toContain('cannot reach OpenSearch Dashboards at http://127.0.0.1:9/');
  });
});
