// The standard's commands through the real CLI entry point, on files.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Command, CommanderError } from 'commander';
import { registerStandardCommands } from '../../standard/cli.js';
import { FindingRecord } from '../../core/schemas.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const dir = mkdtempSync(join(tmpdir(), 'census-standard-cli-'));
const fixtures = join(import.meta.dirname, '../fixtures/standard');
let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(`${a.join(' ')}\n`));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(`${a.join(' ')}\n`));
});
afterEach(() => vi.restoreAllMocks());

/** The commands as bin/census.ts runs them: exit code 0, 1 on an error, 2 on a usage error. */
async function census(...args: string[]): Promise<number> {
  const program = new Command('census').exitOverride().configureOutput({ writeErr: (s) => void err.push(s), writeOut: (s) => void out.push(s) });
  registerStandardCommands(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride().configureOutput({ writeErr: (s) => void err.push(s), writeOut: (s) => void out.push(s) });
  try {
    await program.parseAsync(['node', 'census', ...args]);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return 2;
    console.error(`census: ${(e as Error).message}`);
    return 1;
  }
}
const stdout = () => out.join('');

describe('census requirements', () => {
  it('lists the catalog as a table', async () => {
    expect(await census('requirements', 'list')).toBe(0);
    expect(stdout()).toMatch(/^Cloud Security Standard 2026\.11 \(38 requirements/);
    expect(stdout()).toMatch(/CSS-IAM-04\s+critical\s+10\s+sweep\s+iam_root_no_access_keys\s+The root user has no access keys\s+CIS 1\.4; FSBP IAM\.4/);
    expect(stdout()).toMatch(/CSS-S3-06\s+low\s+1\s+resource\s+custom/);
  });

  it('validates a user catalog, and fails with the problems of a broken one', async () => {
    expect(await census('requirements', 'validate', join(fixtures, 'custom-catalog.yaml'))).toBe(0);
    expect(stdout()).toMatch(/valid, 3 requirements, 1 mappings/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nrequirements:\n  - { id: X-1, title: t, description: d, severity: high, remediation: r, resourceTypes: [AWS::S3::Bucket], condition: { path: "a[", op: exists } }\n');
    expect(await census('requirements', 'validate', bad)).toBe(1);
    expect(err.join('')).toMatch(/invalid catalog .*bad\.yaml:\s+requirements\[0\] \(X-1\)\.condition\.path: invalid JMESPath expression "a\["/);
  });
});

describe('census check', () => {
  it('evaluates records from an NDJSON file, sweeps each account, and prints findings', async () => {
    const records = [
      f.bucket('open', { BucketPolicy: f.bucketPolicy([f.publicStatement('s3:GetObject')]) }),
      f.securityGroup('sg-0b', [f.ingress('tcp', 3389, 3389, '0.0.0.0/0')]),
      f.detector('us-east-1', 'ENABLED'),
    ];
    const file = join(dir, 'inventory.ndjson');
    // as census collect --out writes it: resources among inventory-run (and account) records
    const run = { recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r1', accountId: f.ACCOUNT, region: 'us-east-1', collector: 'ec2', complete: true, resourceCount: 2, startedAt: f.NOW, finishedAt: f.NOW };
    writeFileSync(file, [...records, run].map((r) => JSON.stringify(r)).join('\n'));
    const findingsFile = join(dir, 'findings.ndjson');
    expect(await census('check', file, '--format', 'ndjson', '--out', findingsFile, '--observed-at', f.NOW)).toBe(0);
    const findings = readFileSync(findingsFile, 'utf8').trim().split('\n').map((l) => FindingRecord.parse(JSON.parse(l)));
    const status = (id: string, resourceId: string) => findings.find((x) => x.requirementId === id && x.resourceId === resourceId)?.status;
    expect(status('CSS-S3-01', 'open')).toBe('FAIL');
    expect(status('CSS-EC2-01', 'sg-0b')).toBe('FAIL');
    expect(status('CSS-GD-01', `${f.ACCOUNT}/us-east-1`)).toBe('PASS');
    expect(status('CSS-CT-01', f.ACCOUNT)).toBe('FAIL');
    expect(err.join('')).toMatch(/3 records, \d+ findings \(\d+ FAIL, \d+ PASS\), 0 invalid records, 0 not evaluated/);
    expect(err.join('')).toMatch(/not resources, not evaluated: 1 inventory-run/);

    out = [];
    expect(await census('check', file, '--fail-only', '--no-sweep', '--observed-at', f.NOW)).toBe(0);
    expect(stdout()).toMatch(/^STATUS\s+REQUIREMENT/);
    expect(stdout()).toMatch(/FAIL\s+CSS-EC2-01\s+critical\s+111122223333\s+us-east-1\s+arn:aws:ec2:us-east-1:111122223333:security-group\/sg-0b\s+ingress open to the internet on administrative port 3389\/tcp from 0\.0\.0\.0\/0/);
    expect(stdout()).not.toMatch(/PASS|CSS-CT-01/);
  });

  it('reports invalid records with their position, still evaluates the good ones, and exits 1', async () => {
    const file = join(dir, 'mixed.json');
    const broken = { ...f.bucket('x'), awsAccountId: 'nope' };
    writeFileSync(file, JSON.stringify([f.bucket('fine'), broken]));
    expect(await census('check', file, '--format', 'ndjson')).toBe(1);
    expect(err.join('')).toMatch(/invalid record: .*mixed\.json \[1\]: awsAccountId: must be a 12-digit AWS account ID/);
    expect(stdout()).toMatch(/"resourceId":"fine"/);
  });
});

describe('census findings import and export', () => {
  it('imports real Prowler OCSF output, then exports it as OCSF and as ASFF batches', async () => {
    const imported = join(dir, 'prowler.ndjson');
    expect(await census('findings', 'import', '--format', 'ocsf', join(fixtures, 'prowler-moto.ocsf.json'), '--out', imported)).toBe(0);
    expect(err.join('')).toMatch(/imported 12 findings \(\d+ mapped to requirements, \d+ unmapped\), skipped 0/);
    const lines = readFileSync(imported, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12);

    const ocsf = join(dir, 'out.ocsf.json');
    expect(await census('findings', 'export', '--format', 'ocsf', imported, '--out', ocsf)).toBe(0);
    const events = JSON.parse(readFileSync(ocsf, 'utf8')) as { class_uid: number }[];
    expect(events).toHaveLength(12);
    expect(events.every((e) => e.class_uid === 2003)).toBe(true);

    // 250 findings → 3 request files of ≤100
    const many = join(dir, 'many.ndjson');
    writeFileSync(many, Array.from({ length: 250 }, (_, i) => lines[i % lines.length]!.replace(/"findingId":"[0-9a-f]+"/, `"findingId":"f${i}"`)).join('\n'));
    const asffDir = join(dir, 'asff');
    expect(await census('findings', 'export', '--format', 'asff', many, '--out', asffDir)).toBe(0);
    const batches = readdirSync(asffDir).sort();
    expect(batches).toEqual(['batch-0001.json', 'batch-0002.json', 'batch-0003.json']);
    expect(batches.map((b) => (JSON.parse(readFileSync(join(asffDir, b), 'utf8')) as { Findings: unknown[] }).Findings.length)).toEqual([100, 100, 50]);
  });

  it('fails with the position of the first bad entry of a malformed file', async () => {
    const bad = join(dir, 'bad-asff.json');
    writeFileSync(bad, JSON.stringify({ Findings: [{ Id: 'x' }] }));
    expect(await census('findings', 'import', '--format', 'asff', bad)).toBe(1);
    expect(err.join('')).toMatch(/bad-asff\.json: Findings\[0\]: not an ASFF finding: ProductArn/);
  });

  it('refuses a usage error with exit code 2', async () => {
    expect(await census('findings', 'import', '--format', 'xml', 'f.json')).toBe(2);
  });
});
