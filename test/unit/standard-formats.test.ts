import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FindingRecord } from '../../core/schemas.js';
import { evaluateRecords, evaluateSweep, loadCatalog } from '../../standard/index.js';
import { asffBatches, fromAsff, readAsffFile, toAsff } from '../../standard/formats/asff.js';
import { InputFileError, readEntries } from '../../standard/formats/entries.js';
import { readProwlerOcsfFile, toOcsf } from '../../standard/formats/ocsf.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const catalog = loadCatalog();
const findings = [
  ...evaluateRecords(catalog, [f.bucket('open', { BucketPolicy: f.bucketPolicy([f.publicStatement('s3:GetObject')]) }), f.dbInstance('db', { encrypted: true, public: false })], f.NOW),
  ...evaluateSweep(catalog, { accountId: f.ACCOUNT, regions: ['us-east-1'], resources: [] }, f.NOW),
];
const failing = findings.find((x) => x.requirementId === 'CSS-S3-01')!;
const passing = findings.find((x) => x.requirementId === 'CSS-RDS-02')!;
const accountLevel = findings.find((x) => x.requirementId === 'CSS-GD-01')!;
const excepted = { ...failing, exception: { exceptionId: 'RISK-7', reason: 'public website bucket', approvedBy: 'ciso@example.com', expiresAt: '2027-01-31', active: true } };
const expired = { ...failing, exception: { ...excepted.exception, expiresAt: '2025-01-31', active: false } };
const tmp = mkdtempSync(join(tmpdir(), 'census-formats-'));
const write = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('ASFF export', () => {
  it('writes the fields BatchImportFindings requires, FAIL as NEW/FAILED and PASS as RESOLVED/PASSED', () => {
    const a = toAsff(failing, { region: 'us-east-1', catalog });
    expect(a).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: failing.findingId,
      ProductArn: `arn:aws:securityhub:us-east-1:${f.ACCOUNT}:product/${f.ACCOUNT}/default`,
      GeneratorId: 'CSS-S3-01',
      AwsAccountId: f.ACCOUNT,
      Severity: { Label: 'CRITICAL' },
      Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::open', Partition: 'aws', Region: 'us-east-1' }],
      Compliance: { Status: 'FAILED', RelatedRequirements: ['aws-fsbp/S3.2', 'aws-fsbp/S3.3'] },
      Workflow: { Status: 'NEW' },
    });
    expect(toAsff(passing, { region: 'us-east-1' })).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' }, Severity: { Label: 'INFORMATIONAL' } });
    expect(toAsff(accountLevel, { region: 'us-east-1' }).Resources).toEqual([{ Type: 'AwsAccount', Id: `AWS::::Account:${f.ACCOUNT}`, Partition: 'aws', Region: 'us-east-1' }]);
  });

  it('names the product in the partition of the Security Hub region (GovCloud, China)', () => {
    expect(toAsff(failing, { region: 'us-gov-west-1' }).ProductArn).toBe(`arn:aws-us-gov:securityhub:us-gov-west-1:${f.ACCOUNT}:product/${f.ACCOUNT}/default`);
    expect(toAsff(failing, { region: 'cn-north-1' }).ProductArn).toBe(`arn:aws-cn:securityhub:cn-north-1:${f.ACCOUNT}:product/${f.ACCOUNT}/default`);
  });

  it('suppresses a finding under an active exception instead of dropping it; an expired one stays NEW', () => {
    const a = toAsff(excepted, { region: 'us-east-1' });
    expect(a.Workflow).toEqual({ Status: 'SUPPRESSED' });
    expect(a.Compliance).toMatchObject({ Status: 'FAILED' });
    expect((a.Note as { Text: string }).Text).toMatch(/^Accepted risk RISK-7: public website bucket/);
    expect(toAsff(expired, { region: 'us-east-1' }).Workflow).toEqual({ Status: 'NEW' });
  });

  it('batches at most 100 findings per BatchImportFindings request', () => {
    const many = Array.from({ length: 250 }, (_, i) => i);
    expect(asffBatches(many).map((b) => b.length)).toEqual([100, 100, 50]);
    expect(asffBatches([])).toEqual([]);
  });
});

describe('OCSF export', () => {
  it('writes Compliance Findings (class 2003) with compliance status Pass/Fail', () => {
    const o = toOcsf(failing, { catalog });
    expect(o).toMatchObject({ class_uid: 2003, category_uid: 2, type_uid: 200301, activity_id: 1, severity_id: 5, status_id: 1, status: 'New' });
    expect(o.compliance).toMatchObject({ control: 'CSS-S3-01', status_id: 3, status: 'Fail', standards: ['Cloud Security Standard 2026.11'] });
    expect(o.time).toBe(Date.parse(f.NOW));
    expect(toOcsf(passing).compliance).toMatchObject({ status_id: 1, status: 'Pass' });
    expect(toOcsf(passing)).toMatchObject({ status_id: 4, status: 'Resolved' });
  });

  it('marks an excepted finding Suppressed (status_id 3) and keeps the exception', () => {
    const o = toOcsf(excepted);
    expect(o).toMatchObject({ status_id: 3, status: 'Suppressed', compliance: { status_id: 3 } });
    expect(o.status_detail).toMatch(/accepted risk RISK-7/);
    expect(toOcsf(expired)).toMatchObject({ status_id: 1 });
  });
});

describe('ASFF import', () => {
  const shFinding = (over: Record<string, unknown> = {}) => ({
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:us-east-1:${f.ACCOUNT}:security-control/S3.8/finding/0a1b2c3d-1111-2222-3333-444455556666`,
    ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    ProductName: 'Security Hub',
    GeneratorId: 'security-control/S3.8',
    AwsAccountId: f.ACCOUNT,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: '2026-11-20T10:00:00.000Z',
    UpdatedAt: '2026-11-24T09:00:00.000Z',
    Severity: { Label: 'HIGH', Normalized: 70 },
    Title: 'S3 general purpose buckets should block public access',
    Description: 'This control checks whether an S3 general purpose bucket blocks public access at the bucket level.',
    Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::open', Partition: 'aws', Region: 'us-east-1' }],
    Compliance: { Status: 'FAILED', SecurityControlId: 'S3.8' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    ...over,
  });

  it('maps by security control id or the end of GeneratorId, keeps unmapped findings with an empty requirementId', () => {
    const entries = [
      shFinding(),
      shFinding({ Id: 'std-1', GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/IAM.4', Compliance: { Status: 'PASSED' }, Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${f.ACCOUNT}` }] }),
      shFinding({ Id: 'gd-1', GeneratorId: 'arn:aws:guardduty:us-east-1:111122223333:detector/12ab', Compliance: undefined, Severity: { Normalized: 80 }, ProductName: 'GuardDuty' }),
      shFinding({ Id: 'na-1', Compliance: { Status: 'NOT_AVAILABLE', SecurityControlId: 'S3.8' } }),
    ].map((value, i) => ({ position: `Findings[${i}]`, value }));
    const { findings: out, skipped } = fromAsff(entries, catalog);
    expect(out.map((x) => [x.requirementId, x.status, x.severity, x.source, x.externalId])).toEqual([
      ['CSS-S3-03', 'FAIL', 'high', 'securityhub:Security Hub', 'S3.8'],
      ['CSS-IAM-04', 'PASS', 'high', 'securityhub:Security Hub', 'aws-foundational-security-best-practices/v/1.0.0/IAM.4'.split('/').pop()],
      ['', 'FAIL', 'high', 'securityhub:GuardDuty', 'arn:aws:guardduty:us-east-1:111122223333:detector/12ab'],
    ]);
    expect(out[1]).toMatchObject({ resourceType: 'AWS::::Account', resourceArn: null });
    expect(skipped).toEqual([{ position: 'Findings[3]', reason: expect.stringMatching(/NOT_AVAILABLE/) }]);
    for (const x of out) FindingRecord.parse(x);
    // stable ids: importing again gives the same findingIds
    expect(fromAsff(entries, catalog).findings.map((x) => x.findingId)).toEqual(out.map((x) => x.findingId));
  });

  it('names the first bad entry of a malformed file, and JSON syntax errors by line and column', () => {
    const good = shFinding();
    const file = write('bad.json', JSON.stringify({ Findings: [good, good, { ...good, AwsAccountId: 'me' }, {}] }, null, 2));
    expect(() => readAsffFile(file, catalog)).toThrow(new InputFileError(file, 'Findings[2]', 'not an ASFF finding: AwsAccountId: must be a 12-digit account id'));
    const broken = write('broken.json', '{\n  "Findings": [\n    {"Id": "x",}\n  ]\n}\n');
    expect(() => readAsffFile(broken, catalog)).toThrow(/broken\.json: line 3, column \d+: invalid JSON/);
    const nd = write('bad.ndjson', `${JSON.stringify(good)}\n${JSON.stringify(good)}\n{"Id": \n`);
    expect(() => readAsffFile(nd, catalog)).toThrow(/bad\.ndjson: line 3: invalid JSON/);
  });
});

describe('real ASFF from Prowler', () => {
  it('imports the same findings from Prowler\'s ASFF as from its OCSF output (same run)', () => {
    const asff = readAsffFile(join(import.meta.dirname, '../fixtures/standard/prowler-moto.asff.json'), catalog);
    const ocsf = readProwlerOcsfFile(join(import.meta.dirname, '../fixtures/standard/prowler-moto.ocsf.json'), catalog);
    expect(asff.skipped).toEqual([]);
    for (const x of asff.findings) FindingRecord.parse(x);
    const key = (x: FindingRecord) => `${x.requirementId}|${x.status}|${x.severity}|${x.resourceId}|${x.accountId}|${x.region}`;
    expect(asff.findings.map(key).sort()).toEqual(ocsf.findings.map(key).sort());
    // GeneratorId prowler-<check> maps through the prowler table
    expect(asff.findings.find((x) => x.externalId === 'prowler-guardduty_is_enabled')?.requirementId).toBe('CSS-GD-01');
  });
});

describe('Prowler OCSF import', () => {
  const fixture = join(import.meta.dirname, '../fixtures/standard/prowler-moto.ocsf.json');

  it('turns real Prowler output into valid FindingRecords mapped through mappings.prowler', () => {
    const { findings: out } = readProwlerOcsfFile(fixture, catalog);
    const raw = readEntries(fixture, []).map((e) => e.value as { status_code: string });
    expect(out.length).toBe(raw.filter((r) => r.status_code === 'PASS' || r.status_code === 'FAIL').length);
    expect(out.length).toBeGreaterThan(5);
    for (const x of out) FindingRecord.parse(x);
    expect(out.every((x) => x.source === 'prowler' && x.externalId)).toBe(true);
    // every check id in the fixture that the catalog maps got its requirement
    for (const x of out) expect(x.requirementId).toBe(catalog.mappings.prowler?.[x.externalId!] ?? '');
    expect(out.some((x) => x.requirementId === 'CSS-S3-01' && x.status === 'FAIL')).toBe(true);
    expect(out.some((x) => x.status === 'PASS')).toBe(true);
  });

  it('names the first malformed entry', () => {
    const raw = readEntries(fixture, []).map((e) => e.value as Record<string, unknown>);
    const bad = write('prowler-bad.json', JSON.stringify([raw[0], { ...raw[1], cloud: { account: { uid: 'x' } } }, {}]));
    expect(() => readProwlerOcsfFile(bad, catalog)).toThrow(/prowler-bad\.json: \[1\]: not a Prowler OCSF finding: cloud\.account\.uid: must be a 12-digit account id/);
  });
});
