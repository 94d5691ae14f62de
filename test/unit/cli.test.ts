// The CLI as people meet it: help, --version, usage errors (one line, exit 2), exit codes, --output json,
// completion, in-process through main(). The child-process cases (EPIPE, collect's exit 3 against an unreachable
// endpoint) are in test/integration/cli-process.test.ts, so the unit project stays quick.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { areas, buildProgram, main } from '../../bin/census.js';
import { completionScript } from '../../bin/tools.js';
import { incompleteReason } from '../../collectors/cli.js';
import type { RunSummary } from '../../collectors/run.js';
import { collectionErrorRecord } from '../records.js';
import { loadConfig } from '../../platform/config.js';
import { resourceRecord } from '../records.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

function leaves(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const here = cmd.name() === 'census' ? [] : [...path, cmd.name()];
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (!subs.length) return [{ path: here, cmd }];
  return subs.flatMap((c) => leaves(c, here));
}

/** Run main() in-process, capturing what it writes. */
async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  try {
    const code = await main(['node', 'census', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    log.mockRestore();
    error.mockRestore();
  }
}

const USAGE = /^census: .+\nsee 'census [a-z -]*--help'\n$/;

describe('census CLI', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every command with a one-line purpose, and documents exit codes and an example in every command help', async () => {
    const program = await buildProgram(['node', 'census']);
    const help = program.helpInformation();
    for (const c of program.commands) {
      expect(c.description(), c.name()).not.toBe('');
      expect(help).toContain(c.name());
    }
    const lacking = leaves(program)
      .filter(({ cmd }) => {
        let text = '';
        cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
        cmd.outputHelp();
        return !/example/i.test(text) || !/exit status/i.test(text);
      })
      .map(({ path }) => path.join(' '));
    expect(lacking).toEqual([]);
  }, 60_000);

  it('registers each command through its area loader only', async () => {
    const full = await buildProgram(['node', 'census']);
    const owned = areas.flatMap((a) => a.commands).sort();
    expect(full.commands.map((c) => c.name()).sort()).toEqual(owned);
    const one = await buildProgram(['node', 'census', '--config', 'x.yaml', 'policy', 'principals', 'f.json']);
    expect(one.commands.map((c) => c.name()).sort()).toEqual(['exceptions', 'policy', 'process', 'redrive']);
  });

  it('prints the version and exits 0', async () => {
    const r = await run('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^census \d+\.\d+\.\d+ node\/\d+/);
  });

  it('a usage error is one line plus where to look, exit 2, for commands and options', async () => {
    for (const args of [['no-such-command'], ['policy', 'principals', '--nope'], ['policy', 'principals'], ['collect', '--page-size', 'x'], ['collect', '--payers', '12345']]) {
      const r = await run(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr, args.join(' ')).toMatch(USAGE);
      expect(r.stdout).toBe('');
    }
    expect((await run('collect', '--page-size', 'x')).stderr).toBe(`census: option '--page-size <n>' argument 'x' is invalid. --page-size "x": expected a positive integer\nsee 'census collect --help'\n`);
    expect((await run('policy', 'principals', '--nope')).stderr).toMatch(/see 'census policy principals --help'/);
  });

  it('exits 2 for a bad value of every flag whose value has a form (number, date, ID, URL, choice)', async () => {
    const program = await buildProgram(['node', 'census']);
    const typed = /--(as-of|observed-at|run-at|page-size|concurrency|payers|seed|accounts <n>|url|output|format|product-account|date|collectors|until|max-attempts)/;
    const checked: string[] = [];
    const untyped: string[] = [];
    for (const { path, cmd } of leaves(program)) {
      for (const o of cmd.options as Option[]) {
        if (!o.required && !o.optional) continue; // boolean flags take no value
        const validates = Boolean(o.argChoices) || (o.parseArg !== undefined && throwsOn(o, 'not-a-value!'));
        if (!validates) {
          if (typed.test(o.flags)) untyped.push(`${path.join(' ')} ${o.flags}`);
          continue;
        }
        const positional = cmd.registeredArguments.filter((a) => a.required).map(() => 'x.json');
        const r = await run(...path, ...positional, o.long!, 'not-a-value!');
        expect({ flag: `${path.join(' ')} ${o.long}`, code: r.code }).toEqual({ flag: `${path.join(' ')} ${o.long}`, code: 2 });
        expect(r.stderr).toMatch(USAGE);
        checked.push(`${path.join(' ')} ${o.long}`);
      }
    }
    expect(untyped).toEqual([]);
    expect(checked).toEqual(expect.arrayContaining(['collect --payers', 'collect --page-size', 'collect --concurrency', 'check --observed-at', 'score --as-of', 'demo --accounts', 'process --until', 'status --output']));
    expect(checked.length).toBeGreaterThan(20);
  });

  it('--output json of every offline data command parses as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-output-'));
    const policy = join(dir, 'trust.json');
    writeFileSync(policy, JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::464622532012:root' }, Action: 'sts:AssumeRole' }] }));
    const records = join(dir, 'records.ndjson');
    writeFileSync(records, `${JSON.stringify(resourceRecord())}\n`);
    const register = join(dir, 'exceptions.csv');
    writeFileSync(register, 'exceptionId,accountId,requirementId,resourceId,reason,approvedBy,expiresAt\nEX-1,111111111111,CSS-1,b,legacy,ciso,2026-12-10\n');
    const cases: string[][] = [
      ['requirements', 'list'],
      ['policy', 'principals', policy],
      ['check', records, '--observed-at', '2026-11-24T00:00:00Z'],
      ['score', '--input', join(repoRoot, 'test/fixtures/scoring/offline'), '--as-of', '2026-11-24', '--out', join(dir, 'scores'), '--no-workbooks'],
      ['status', '--input', join(dir, 'scores'), '--as-of', '2026-11-24T12:00:00Z'],
      ['exceptions', 'validate', register, '--no-catalog', '--as-of', '2026-11-24'],
    ];
    for (const args of cases) {
      const r = await run(...args, '--output', 'json');
      expect({ args: args.slice(0, 2), code: r.code, stderr: r.code ? r.stderr : '' }).toEqual({ args: args.slice(0, 2), code: 0, stderr: '' });
      expect(() => JSON.parse(r.stdout), args.join(' ')).not.toThrow();
    }
  }, 60_000);

  it('classifies a role trusting Datadog as a known vendor with no flag (the vendored fwd:cloudsec list)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-dd-'));
    const file = join(dir, 'role.json');
    writeFileSync(file, JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::464622532012:root' }, Action: 'sts:AssumeRole' }] }));
    const r = await run('policy', 'principals', file, '--output', 'json');
    expect(JSON.parse(r.stdout).accounts).toEqual([{ accountId: '464622532012', via: 'principal', classification: 'known', name: 'Datadog', approved: null }]);
    const none = await run('policy', 'principals', file, '--known-accounts', 'none', '--output', 'json');
    expect(JSON.parse(none.stdout).accounts[0].classification).toBe('unknown');
  });

  it('collect calls a run incomplete when a payer failed, no account was found, or an account was not inventoried', () => {
    const summary = (accounts: Partial<RunSummary['accounts']>) => ({ payers: ['111111111111'], accounts: { total: 3, active: 3, suspended: 0, inventoried: 3, notInventoried: [], ...accounts } }) as RunSummary;
    const payerDenied = collectionErrorRecord({ accountId: '111111111111', code: 'AccessDenied', message: 'not authorized to assume CensusAudit' });
    const regionThrottled = collectionErrorRecord({ accountId: '222222222222', region: 'eu-west-1', collector: 'ec2', code: 'Throttling', message: 'slow down' });
    expect(incompleteReason(summary({}), [regionThrottled])).toBeUndefined();
    expect(incompleteReason(summary({}), [payerDenied, regionThrottled])).toBe(
      'discovery failed for payer(s) 111111111111\nfirst errors:\n  111111111111: AccessDenied: not authorized to assume CensusAudit\n  222222222222 eu-west-1 ec2: Throttling: slow down',
    );
    expect(incompleteReason(summary({ total: 0, active: 0, inventoried: 0 }), [])).toBe('no account found in the payer organizations');
    expect(incompleteReason(summary({ inventoried: 2, notInventoried: ['333333333333'] }), [])).toBe('1 account(s) could not be inventoried: 333333333333');
  });

  it('completes commands, subcommands and flags in bash', async () => {
    const script = completionScript('bash', await buildProgram(['node', 'census']));
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _census_complete; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim();
    expect(complete('census pol')).toBe('policy');
    expect(complete('census policy pri')).toBe('principals');
    expect(complete('census --config x.yaml policy pri')).toBe('principals');
    expect(complete('census collect --pay')).toBe('--payers');
    expect((await run('completion', 'fish')).stdout).toMatch(/complete -c census -n '__fish_use_subcommand' -a 'collect'/);
    expect((await run('completion', 'zsh')).stdout).toMatch(/bashcompinit/);
    expect((await run('completion', 'tcsh')).code).toBe(2);
  });

  it('exports one JSON Schema file per record kind', async () => {
    const out = mkdtempSync(join(tmpdir(), 'census-schemas-'));
    expect((await run('schemas', '--out', out)).code).toBe(0);
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

function throwsOn(o: Option, value: string): boolean {
  try {
    o.parseArg!(value, undefined as never);
    return false;
  } catch {
    return true;
  }
}
