// The Security Lake export read back as a consumer reads it: pyarrow (not the JavaScript writer's own reader)
// opens every object, every row is validated against OCSF with py-ocsf-models, and the folder layout is the
// one Security Lake documents for custom sources.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/census.js';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { repoRoot } from '../../platform/local-stack.js';
import { evaluateRecords, evaluateSweep, loadCatalog } from '../../standard/index.js';
import { readProwlerOcsfFile } from '../../standard/formats/ocsf.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const python = join(repoRoot, '.stack/venv/bin/python');
const validator = join(repoRoot, 'scripts/validate-ocsf-parquet.py');

interface Report {
  files: number;
  rows: number;
  classes: Record<string, number>;
  errors: string[];
  errorCount: number;
}

function validate(dir: string, dump?: string): { status: number; report: Report } {
  const args = [validator, dir, '--home-region', 'eu-west-1', ...(dump ? ['--dump', dump] : [])];
  try {
    return { status: 0, report: JSON.parse(execFileSync(python, args, { encoding: 'utf8' })) as Report };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, report: JSON.parse(e.stdout) as Report };
  }
}

const catalog = loadCatalog();
const resources: ResourceRecord[] = [
  f.bucket('open', { BucketPolicy: f.bucketPolicy([f.publicStatement('s3:GetObject')]), BucketAcl: f.bucketAcl([f.ownerGrant, f.allUsersRead]) }),
  f.securityGroup('sg-0b', [f.ingress('tcp', 22, 22, '0.0.0.0/0')]),
  f.iamUser('stale', { AccessKeys: [f.accessKey('stale', 'AKIASTALE0000000001', 120)], LoginProfile: f.loginProfile('stale'), MFADevices: [] }),
  f.dbInstance('db', { encrypted: false, public: true }),
  f.kmsKey('3333cccc-0000-0000-0000-000000000001', { rotation: false }),
  // another region, another day, enriched, partly unreadable and deleted: every optional attribute filled
  {
    ...f.detector('ap-southeast-2', 'DISABLED'),
    configurationItemCaptureTime: '2026-11-23T23:59:59.000Z',
    configurationItemStatus: 'ResourceDeleted',
    errors: [{ call: 'GetDetector', code: 'AccessDenied', message: 'denied' }],
    tags: { team: 'sec', env: 'prod' },
    account: { accountId: f.ACCOUNT, name: 'prod', owner: 'ann', executive: 'bob', payerId: '999988887777', ouPath: 'r/prod', tags: {}, inOrganization: true },
  },
];
const evaluated: FindingRecord[] = [
  ...evaluateRecords(catalog, resources, f.NOW),
  ...evaluateSweep(catalog, { accountId: f.ACCOUNT, regions: ['us-east-1', 'eu-west-1'], resources: [f.credentialReport({ mfa: false, key1: true })] }, f.NOW),
];
const findings = [
  ...evaluated.map((x, i) => (i === 0 ? { ...x, exception: { exceptionId: 'RISK-1', reason: 'website', approvedBy: 'ciso', expiresAt: '2027-01-01', active: true } } : x)),
  // Prowler's findings come from another account
  ...readProwlerOcsfFile(join(repoRoot, 'test/fixtures/standard/prowler-moto.ocsf.json'), catalog).findings,
];

const dir = mkdtempSync(join(tmpdir(), 'census-lake-'));
const ndjson = (items: object[]) => items.map((i) => JSON.stringify(i)).join('\n') + '\n';
writeFileSync(join(dir, 'findings.ndjson'), ndjson(findings));
writeFileSync(join(dir, 'resources.ndjson'), ndjson(resources));

const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(root.length + 1))
    .sort();

describe('census findings|resources export --format ocsf-parquet, read back with pyarrow', () => {
  const out = join(dir, 'lake');

  it('exports both kinds and every row is valid OCSF in the documented layout', async () => {
    expect(await main(['node', 'census', 'findings', 'export', '--format', 'ocsf-parquet', join(dir, 'findings.ndjson'), '--out', out, '--region', 'eu-west-1'])).toBe(0);
    expect(await main(['node', 'census', 'resources', 'export', '--format', 'ocsf-parquet', join(dir, 'resources.ndjson'), '--out', out, '--region', 'eu-west-1'])).toBe(0);
    const dump = join(dir, 'rows.ndjson');
    const { status, report } = validate(out, dump);
    expect(report.errors).toEqual([]);
    expect(status).toBe(0);
    expect(report.classes).toEqual({ '2003': findings.length, '5023': resources.length });

    const layout = /^ext\/(census-compliance-finding|census-inventory-info)\/region=[a-z0-9-]+\/accountId=\d{12}\/eventDay=\d{8}\/[0-9a-f]{20}-\d+\.parquet$/;
    for (const file of files(out)) expect(file).toMatch(layout);
    // the global IAM user and the account-level findings are filed under the home region, the detector under its own day
    const prefixes = files(out).map((x) => x.replace(/[^/]+$/, ''));
    expect(prefixes).toContain('ext/census-inventory-info/region=eu-west-1/accountId=111122223333/eventDay=20261124/');
    expect(prefixes).toContain('ext/census-inventory-info/region=ap-southeast-2/accountId=111122223333/eventDay=20261123/');
    expect(new Set(findings.map((x) => x.accountId)).size).toBeGreaterThan(1);

    // what pyarrow read is what was exported: every finding once, with its status, time and exception
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pyarrow's decoded OCSF rows, checked field by field below
    const rows = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; row: Record<string, any> });
    const byUid = new Map(rows.filter((r) => r.row.class_uid === 2003).map((r) => [r.row.finding_info.uid as string, r.row]));
    expect(byUid.size).toBe(findings.length);
    for (const x of findings) {
      const row = byUid.get(x.findingId)!;
      expect(row.time).toBe(Date.parse(x.observedAt));
      expect(row.compliance.status).toBe(x.status === 'PASS' ? 'Pass' : 'Fail');
      expect(row.cloud.account.uid).toBe(x.accountId);
    }
    expect(byUid.get(findings[0]!.findingId)!.status).toBe('Suppressed');
    expect(byUid.get(findings[0]!.findingId)!.unmapped.census.exception.exceptionId).toBe('RISK-1');
    const detector = rows.find((r) => r.row.class_uid === 5023 && r.row.resources[0].region === 'ap-southeast-2')!.row;
    expect(detector.resources[0].labels).toEqual(['team=sec', 'env=prod']);
    expect(detector.resources[0].data.configuration).toEqual(resources.at(-1)!.configuration);
    expect(detector.unmapped.census).toMatchObject({ configurationItemStatus: 'ResourceDeleted', owner: 'ann' });
    expect(detector.status_detail).toBe('GetDetector: AccessDenied');
  });

  it('a second export of the same file overwrites the same objects (no duplicates)', async () => {
    const before = files(out);
    expect(await main(['node', 'census', 'findings', 'export', '--format', 'ocsf-parquet', join(dir, 'findings.ndjson'), '--out', out, '--region', 'eu-west-1'])).toBe(0);
    expect(files(out)).toEqual(before);
    expect(validate(out).report.rows).toBe(findings.length + resources.length);
  });

  it('bad input: no --out is an error, and an invalid record is named while the valid ones are still exported', async () => {
    expect(await main(['node', 'census', 'findings', 'export', '--format', 'ocsf-parquet', join(dir, 'findings.ndjson')])).not.toBe(0);
    const mixed = join(dir, 'mixed.ndjson');
    writeFileSync(mixed, `${JSON.stringify(resources[0])}\n{"recordType":"resource","arn":""}\n`);
    const errors: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args.join(' '));
    try {
      expect(await main(['node', 'census', 'resources', 'export', '--format', 'ocsf-parquet', mixed, '--out', join(dir, 'mixed-lake'), '--region', 'eu-west-1'])).toBe(1);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toMatch(/invalid record: .*mixed\.ndjson.*(line|entry|record) 2/);
    expect(validate(join(dir, 'mixed-lake')).report.classes).toEqual({ '5023': 1 });
  });

  it('the validator rejects an object outside its partition (the layout check can fail)', () => {
    const moved = join(dir, 'moved');
    cpSync(out, moved, { recursive: true });
    const file = files(moved).find((x) => x.includes('eventDay=20261123'))!;
    const target = join(moved, file.replace('eventDay=20261123', 'eventDay=20261122'));
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(moved, file), target);
    const { status, report } = validate(moved);
    expect(status).toBe(1);
    expect(report.errors.join('\n')).toMatch(/outside its partition/);
  });
});
