// The one configuration gate: every command reads `--config FILE` (and CENSUS_*) through platform/config.ts,
// unknown keys are refused with the closest known key, and keys of the file change what commands do.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../bin/census.js';
import { closestKey, configKeys, envName, loadConfig, parseConfigText } from '../../platform/config.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'census-cfg-'));

function leaves(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const here = cmd.name() === 'census' ? [] : [...path, cmd.name()];
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  return subs.length ? subs.flatMap((c) => leaves(c, here)) : [{ path: here, cmd }];
}

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const code = await main(['node', 'census', ...args]);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('configuration gate', () => {
  afterEach(() => vi.restoreAllMocks());

  it('refuses an unknown key, naming it and the closest known one', () => {
    expect(() => parseConfigText('catalogue: x.yaml\n', 'f.yaml')).toThrow('config file f.yaml: unknown key "catalogue" (did you mean "catalog"?)');
    expect(() => parseConfigText('index_prefix: x\n', 'f.yaml')).toThrow(/unknown key "index_prefix" \(did you mean "indexPrefix"\?\)/);
    expect(closestKey('opensearchURL')).toBe('opensearchUrl');
    expect(closestKey('auditrol')).toBe('auditRole');
    expect(parseConfigText('', 'empty.yaml')).toEqual({});
    expect(() => parseConfigText('- a\n', 'list.yaml')).toThrow(/expected a mapping/);
  });

  it('takes flags over CENSUS_* over the file, for every key', () => {
    const file = configFile('layers.yaml', 'auditRole: FromFile\nindexPrefix: file\n');
    for (const key of configKeys()) expect(envName(key)).toMatch(/^CENSUS_[A-Z0-9_]+$/);
    const cfg = loadConfig({ config: file, indexPrefix: 'flag' }, { CENSUS_AUDIT_ROLE: 'FromEnv', CENSUS_REGISTER_TTL_SECONDS: '60', CENSUS_OPENSEARCH_SIGV4: 'true' });
    expect([cfg.auditRole, cfg.indexPrefix, cfg.registerTtlSeconds, cfg.opensearchSigv4]).toEqual(['FromEnv', 'flag', 60, true]);
    // CENSUS_CONFIG names the file when --config does not
    expect(loadConfig({}, { CENSUS_CONFIG: file }).auditRole).toBe('FromFile');
  });

  it('examples/census.yaml documents exactly the keys the loader knows, and loads', () => {
    const text = readFileSync(join(repoRoot, 'examples/census.yaml'), 'utf8');
    // every key appears, set or commented out with its default
    const documented = [...text.matchAll(/^#? ?([a-zA-Z0-9]+):/gm)].map((m) => m[1]!);
    expect(new Set(documented.filter((k) => (configKeys() as string[]).includes(k)))).toEqual(new Set(configKeys()));
    expect(() => parseConfigText(text, 'examples/census.yaml')).not.toThrow();
    expect(parseYaml(text)).not.toBeNull();
  });

  it('every command goes through the gate: a file with an unknown key stops each one with the same error', async () => {
    const bad = configFile('bad.yaml', 'catalogue: x.yaml\n');
    const program = await buildProgram(['node', 'census']);
    const passed: string[] = [];
    for (const { path, cmd } of leaves(program)) {
      const positional = cmd.registeredArguments.filter((a) => a.required).map((a) => (a.argChoices ? a.argChoices[0]! : 'x.json'));
      const mandatory = cmd.options.filter((o) => o.mandatory).flatMap((o) => [o.long!, o.argChoices?.[0] ?? (o.long === '--url' ? 'http://127.0.0.1:1' : 'x')]);
      const r = await run('--config', bad, ...path, ...positional, ...mandatory);
      if (r.code === 1 && r.stderr.includes('unknown key "catalogue" (did you mean "catalog"?)')) passed.push(path.join(' '));
      else passed.push(`${path.join(' ')}: exit ${r.code} ${r.stderr.split('\n')[0]}`);
    }
    expect(passed).toEqual(leaves(program).map(({ path }) => path.join(' ')));
  }, 60_000);

  it('honours the keys of the file in the commands that use them', async () => {
    // catalog: requirements list shows the company catalog
    const withCatalog = configFile('catalog.yaml', `catalog: ${join(repoRoot, 'test/fixtures/standard/custom-catalog.yaml')}\n`);
    expect((await run('--config', withCatalog, 'requirements', 'list')).stdout).toMatch(/^Example Corp Cloud Standard 3/);
    // a flag still wins over the file
    expect((await run('--config', withCatalog, 'requirements', 'list', '--catalog', join(repoRoot, 'standard/catalog.yaml'))).stdout).toMatch(/^Cloud Security Standard/);

    // knownAccounts and trustedAccounts: policy principals classifies by them
    const policy = configFile('trust.json', JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['464622532012', '999999999999'] }, Action: 'sts:AssumeRole' }] }));
    const register = configFile('ours.csv', 'accountId,name,approved,note\n999999999999,Partner,yes,\n');
    const trust = configFile('trust.yaml', `knownAccounts: none\ntrustedAccounts: [${register}]\n`);
    const report = JSON.parse((await run('--config', trust, 'policy', 'principals', policy, '--output', 'json')).stdout) as { accounts: { accountId: string; classification: string; name: string | null }[] };
    expect(report.accounts.map((a) => [a.accountId, a.classification, a.name])).toEqual([
      ['464622532012', 'unknown', null],
      ['999999999999', 'known', 'Partner'],
    ]);

    // indexPrefix: the dashboards export names the configured indexes
    const prefix = configFile('prefix.yaml', 'indexPrefix: acme\n');
    const out = join(dir, 'dash.ndjson');
    expect((await run('--config', prefix, 'dashboards', 'export', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/acme-findings/);

    // payers: checked as strictly as the flag, before anything runs
    const payers = configFile('payers.yaml', "payers: ['12345']\n");
    const collect = await run('--config', payers, 'collect', '--out', join(dir, 'r.ndjson'));
    expect(collect.code).toBe(2);
    expect(collect.stderr).toMatch(/"12345" is not a 12-digit account ID/);

    // opensearchUrl and indexPrefix: status asks the configured cluster
    const cluster = configFile('cluster.yaml', 'opensearchUrl: http://127.0.0.1:9\nindexPrefix: acme\n');
    const status = await run('--config', cluster, 'status');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/OpenSearch http:\/\/127\.0\.0\.1:9 acme-inventory-runs/);

    // exceptions: status --input reads the configured register
    const exceptions = configFile('exceptions.csv', 'exceptionId,accountId,requirementId,resourceId,reason,approvedBy,expiresAt\nEX-9,111111111111,CSS-1,b,legacy,ciso,2026-12-01\n');
    const withRegister = configFile('register.yaml', `exceptions: ${exceptions}\n`);
    const s = JSON.parse((await run('--config', withRegister, 'status', '--input', dir, '--as-of', '2026-11-24T00:00:00Z', '--output', 'json')).stdout) as { expiringExceptions: { exceptionId: string; daysLeft: number }[] };
    expect(s.expiringExceptions).toEqual([expect.objectContaining({ exceptionId: 'EX-9', daysLeft: 7 })]);
  }, 60_000);
});
