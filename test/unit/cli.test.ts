import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../bin/census.js';
import { loadConfig } from '../../platform/config.js';

function leaves(cmd: Command, path: string[] = []): { path: string; cmd: Command }[] {
  const here = [...path, cmd.name()];
  if (!cmd.commands.length) return [{ path: here.join(' '), cmd }];
  return cmd.commands.flatMap((c) => leaves(c, here));
}

describe('census CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every command with a one-line purpose', () => {
    const program = buildProgram();
    const help = program.helpInformation();
    for (const c of program.commands) {
      expect(c.description(), c.name()).not.toBe('');
      expect(help).toContain(c.name());
    }
  });

  it('gives every command help with an example', () => {
    const program = buildProgram();
    const missing = leaves(program)
      .filter(({ cmd }) => {
        let text = '';
        cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
        cmd.outputHelp();
        return !/example/i.test(text);
      })
      .map(({ path }) => path);
    // `stack up|down|status` and the built-in help are self-explanatory
    expect(missing.filter((p) => !/^census (stack|help)/.test(p))).toEqual([]);
  });

  it('exits 0 for help, 2 for usage errors, 1 for errors', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await main(['node', 'census', '--help'])).toBe(0);
    expect(await main(['node', 'census', 'no-such-command'])).toBe(2);
    expect(await main(['node', 'census', 'demo', '--accounts', 'many'])).toBe(2);
    expect(await main(['node', 'census', '--config', '/nonexistent/census.yaml', 'schemas', '--out', join(tmpdir(), 'x')])).toBe(0);
  });

  it('exports one JSON Schema file per record kind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'census-schemas-'));
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await main(['node', 'census', 'schemas', '--out', out])).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toContain('ResourceRecord.schema.json');
    expect(files).toContain('FindingRecord.schema.json');
    const schema = JSON.parse(readFileSync(join(out, 'FindingRecord.schema.json'), 'utf8')) as { required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['findingId', 'requirementId', 'status', 'recordType', 'schemaVersion']));
  });

  it('reads a config file below environment variables and flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-config-'));
    const file = join(dir, 'census.yaml');
    writeFileSync(file, 'auditRole: FromFile\nregions: [eu-west-1]\nindexPrefix: file-prefix\n');
    const cfg = loadConfig({ config: file, indexPrefix: 'flag-prefix' }, { CENSUS_AUDIT_ROLE: 'FromEnv' });
    expect(cfg.auditRole).toBe('FromEnv');
    expect(cfg.regions).toEqual(['eu-west-1']);
    expect(cfg.indexPrefix).toBe('flag-prefix');
    expect(() => loadConfig({ config: join(dir, 'missing.yaml') }, {})).toThrow(/cannot read config file/);
    // a YAML number would silently drop an account ID's leading zeros: refused, naming the field
    writeFileSync(file, 'payers: [012345678901]\n');
    expect(() => loadConfig({ config: file }, {})).toThrow(/census\.yaml\): payers\.0/);
  });
});
