// Exported ASFF and OCSF validated by the formats' own models: botocore's ParamValidator on the
// BatchImportFindings request shape, and py-ocsf-models' ComplianceFinding.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../platform/local-stack.js';
import type { FindingRecord } from '../../core/schemas.js';
import { evaluateRecords, evaluateSweep, loadCatalog } from '../../standard/index.js';
import { asffBatches, toAsff } from '../../standard/formats/asff.js';
import { readProwlerOcsfFile, toOcsf } from '../../standard/formats/ocsf.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const python = join(repoRoot, '.stack/venv/bin/python');
const validator = join(repoRoot, 'scripts/validate-findings.py');

function validate(args: string[]): { status: number; report: Record<string, { count: number; errors: string[] }> } {
  try {
    return { status: 0, report: JSON.parse(execFileSync(python, [validator, ...args], { encoding: 'utf8' })) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, report: JSON.parse(e.stdout) };
  }
}

const catalog = loadCatalog();
const records = [
  f.bucket('open', { BucketPolicy: f.bucketPolicy([f.publicStatement('s3:GetObject')]), BucketAcl: f.bucketAcl([f.ownerGrant, f.allUsersRead]) }),
  f.securityGroup('sg-0b', [f.ingress('tcp', 22, 22, '0.0.0.0/0')]),
  f.iamUser('stale', { AccessKeys: [f.accessKey('stale', 'AKIASTALE0000000001', 120)], LoginProfile: f.loginProfile('stale'), MFADevices: [] }),
  f.dbInstance('db', { encrypted: false, public: true }),
  f.kmsKey('3333cccc-0000-0000-0000-000000000001', { rotation: false }),
  f.opensearchDomain('logs', { vpc: false, statements: [f.publicStatement('es:*')] }),
];
const evaluated: FindingRecord[] = [
  ...evaluateRecords(catalog, records, f.NOW),
  ...evaluateSweep(catalog, { accountId: f.ACCOUNT, regions: ['us-east-1', 'eu-west-1'], resources: [f.credentialReport({ mfa: false, key1: true })] }, f.NOW),
];
// one accepted risk and one expired: both must be exported, the first suppressed
const withExceptions = evaluated.map((x, i) =>
  i === 0 ? { ...x, exception: { exceptionId: 'RISK-1', reason: 'website', approvedBy: 'ciso', expiresAt: '2027-01-01', active: true } }
  : i === 1 ? { ...x, exception: { exceptionId: 'RISK-2', reason: 'legacy', approvedBy: 'ciso', expiresAt: '2025-01-01', active: false } }
  : x,
);
const imported = readProwlerOcsfFile(join(repoRoot, 'test/fixtures/standard/prowler-moto.ocsf.json'), catalog).findings;
const all = [...withExceptions, ...imported];
const dir = mkdtempSync(join(tmpdir(), 'census-validate-'));

describe('exported findings validate against the formats\' own models', () => {
  it('ASFF: every BatchImportFindings request passes botocore\'s parameter validator', () => {
    expect(evaluated.length).toBeGreaterThan(20);
    const batches = asffBatches(all.map((x) => toAsff(x, { region: 'us-east-1', catalog })), 25);
    expect(batches.length).toBeGreaterThan(1);
    for (const [i, batch] of batches.entries()) {
      const file = join(dir, `asff-${i}.json`);
      writeFileSync(file, JSON.stringify({ Findings: batch }));
      const { status, report } = validate(['--asff', file]);
      expect(report.asff!.errors).toEqual([]);
      expect(status).toBe(0);
      expect(report.asff!.count).toBe(batch.length);
    }
    expect(batches.flat().filter((a) => (a.Workflow as { Status: string }).Status === 'SUPPRESSED')).toHaveLength(1);
  });

  it('ASFF: the validator rejects a finding without a Title and a request of 101 findings (the check can fail)', () => {
    const one = toAsff(evaluated[0]!, { region: 'us-east-1' });
    const { Title: _t, ...untitled } = one;
    const file = join(dir, 'asff-bad.json');
    writeFileSync(file, JSON.stringify({ Findings: [untitled, ...Array.from({ length: 100 }, () => one)] }));
    const { status, report } = validate(['--asff', file]);
    expect(status).toBe(1);
    expect(report.asff!.errors.join('\n')).toMatch(/Missing required parameter in Findings\[0\]: "Title"/);
    expect(report.asff!.errors.join('\n')).toMatch(/101 findings in one request/);
  });

  it('OCSF: every Compliance Finding passes py-ocsf-models, suppressed ones included', () => {
    const events = all.map((x) => toOcsf(x, { catalog }));
    const file = join(dir, 'ocsf.json');
    writeFileSync(file, JSON.stringify(events));
    const { status, report } = validate(['--ocsf', file]);
    expect(report.ocsf!.errors).toEqual([]);
    expect(status).toBe(0);
    expect(report.ocsf!.count).toBe(all.length);
    expect(events.filter((e) => e.status_id === 3)).toHaveLength(1);
  });

  it('OCSF: the validator rejects an event with a wrong severity_id or no finding_info', () => {
    const good = toOcsf(evaluated[0]!);
    const { finding_info: _fi, ...noInfo } = good;
    const file = join(dir, 'ocsf-bad.json');
    writeFileSync(file, JSON.stringify([good, { ...good, severity_id: 42 }, noInfo]));
    const { status, report } = validate(['--ocsf', file]);
    expect(status).toBe(1);
    expect(report.ocsf!.errors).toEqual([expect.stringMatching(/^\[1\]: .*severity_id/s), expect.stringMatching(/^\[2\]: .*finding_info/s)]);
  });
});
