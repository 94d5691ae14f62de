import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../platform/config.js';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CatalogError, evaluateRecords, findingIdFor, loadCatalog, parseCatalog } from '../../standard/index.js';
import { DEFAULT_CATALOG_PATH } from '../../standard/catalog.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const customPath = join(import.meta.dirname, '../fixtures/standard/custom-catalog.yaml');
const base = {
  id: 'CSS-X-01',
  title: 't',
  description: 'd',
  severity: 'high',
  remediation: 'r',
  resourceTypes: ['AWS::S3::Bucket'],
  condition: { path: 'configuration.Name', op: 'exists' },
};
const problemsOf = (raw: unknown): string[] => {
  try {
    parseCatalog(raw, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as CatalogError).problems;
  }
  throw new Error('expected the catalog to be rejected');
};

describe('catalog loading', () => {
  it('ships the Cloud Security Standard with at least 25 requirements, default weights by severity', () => {
    const c = loadCatalog();
    expect(c.requirements.length).toBeGreaterThanOrEqual(25);
    const weights = Object.fromEntries(c.requirements.map((r) => [r.severity, r.weight]));
    expect(weights).toEqual({ critical: 10, high: 5, medium: 3, low: 1 });
    expect(c.requirements.find((r) => r.id === 'CSS-IAM-04')?.references).toEqual({ 'cis-aws-v3.0.0': ['1.4'], 'aws-fsbp': ['IAM.4'] });
    expect(c.mappings.prowler?.s3_bucket_public_access).toBe('CSS-S3-01');
  });

  it('names the file, the requirement and the field of a bad entry', () => {
    const problems = problemsOf({ version: 1, requirements: [base, { ...base, id: 'CSS-X-02', severity: 'urgent' }] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^requirements\[1\] \(CSS-X-02\)\.severity: /);
    expect(() => parseCatalog({ version: 1, requirements: [{ ...base, severity: 'urgent' }] }, 'my.yaml')).toThrow(/invalid catalog my.yaml/);
  });

  it('rejects a bad JMESPath expression or regex at load, not at evaluation', () => {
    const problems = problemsOf({
      version: 1,
      requirements: [
        { ...base, condition: { path: 'configuration.[Name', op: 'exists' } },
        { ...base, id: 'CSS-X-02', condition: { any: [{ path: 'configuration.Name', op: 'matches', value: '(' }] } },
        { ...base, id: 'CSS-X-03', condition: { path: 'configuration.Count', op: 'gt', value: 'ten' } },
      ],
    });
    expect(problems).toEqual([
      expect.stringMatching(/^requirements\[0\] \(CSS-X-01\)\.condition\.path: invalid JMESPath expression "configuration\.\[Name"/),
      expect.stringMatching(/^requirements\[1\] \(CSS-X-02\)\.condition\.any\[0\]\.value: invalid regular expression/),
      'requirements[2] (CSS-X-03).condition.value: operator gt needs a number',
    ]);
  });

  it('rejects unknown checks, duplicate ids, both check and condition, types a check does not evaluate, and dangling mappings', () => {
    const problems = problemsOf({
      version: 1,
      requirements: [
        { ...base, condition: undefined, check: 'no_such_check' },
        { ...base },
        { ...base, id: 'CSS-X-03', check: 'rds_instance_not_public' },
        { ...base, id: 'CSS-X-04', condition: undefined, check: 'rds_instance_not_public' },
      ],
      mappings: { securityhub: { 'S3.1': 'CSS-NOPE-01' } },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^requirements\[0\] \(CSS-X-01\)\.check: unknown built-in check "no_such_check"/),
      'requirements[1] (CSS-X-01).id: duplicate requirement id',
      'requirements[2] (CSS-X-03): needs exactly one of check (built-in) or condition (custom rule)',
      expect.stringMatching(/^requirements\[2\] \(CSS-X-03\)\.resourceTypes: check rds_instance_not_public does not evaluate AWS::S3::Bucket/),
      expect.stringMatching(/^requirements\[3\] \(CSS-X-04\)\.resourceTypes: check rds_instance_not_public does not evaluate/),
      'mappings.securityhub.S3.1: unknown requirement id "CSS-NOPE-01"',
    ]);
  });

  it('reports YAML syntax errors and unreadable files with the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-catalog-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nrequirements:\n  - id: [unclosed\n');
    expect(() => loadCatalog(bad)).toThrow(new RegExp(`invalid catalog ${bad}:\\s+YAML: .*at line \\d+, column \\d+`, 's'));
    expect(() => loadCatalog(join(dir, 'missing.yaml'))).toThrow(/cannot read/);
    const good = join(dir, 'good.yaml');
    writeFileSync(good, stringify({ version: '1', requirements: [base] }));
    expect(loadCatalog(good).requirements[0]).toMatchObject({ id: 'CSS-X-01', weight: 5, scope: 'resource' });
  });

  it('takes CENSUS_CATALOG through the configuration, and the shipped catalog when none is configured', () => {
    expect(loadCatalog(loadConfig({}, { CENSUS_CATALOG: customPath }).catalog).name).toBe('Example Corp Cloud Standard');
    // the module itself reads no environment: the configuration gate is the one place
    process.env.CENSUS_CATALOG = customPath;
    try {
      expect(loadCatalog().source).toBe(DEFAULT_CATALOG_PATH);
    } finally {
      delete process.env.CENSUS_CATALOG;
    }
  });
});

describe('custom rules from a user catalog', () => {
  const catalog = loadCatalog(customPath);
  const tagged = { ...f.bucket('tagged', { PublicAccessBlockConfiguration: f.pab(true) }), tags: { 'data-classification': 'internal' } };
  const untagged = f.bucket('untagged');
  const prodGood = { ...f.instance('i-0good', 'required'), tags: { env: 'prod' } };
  prodGood.configuration = { ...prodGood.configuration, InstanceType: 'm7g.large' };
  const prodBad = { ...f.instance('i-0bad', 'optional'), tags: { env: 'prod' } };
  const dev = { ...f.instance('i-0dev', 'optional'), tags: { env: 'dev' } };
  const findings = evaluateRecords(catalog, [tagged, untagged, prodGood, prodBad, dev], f.NOW);
  const byKey = Object.fromEntries(findings.map((x) => [`${x.requirementId} ${x.resourceId}`, x]));

  it('produces PASS and FAIL findings with evidence of what was seen', () => {
    expect(byKey['EXC-TAG-01 tagged']?.status).toBe('PASS');
    expect(byKey['EXC-TAG-01 untagged']).toMatchObject({ status: 'FAIL', severity: 'medium', evidence: 'tags."data-classification" is absent (expected in ["public","internal","confidential"])' });
    expect(byKey['EXC-EC2-01 i-0good']?.status).toBe('PASS');
    expect(byKey['EXC-EC2-01 i-0bad']?.status).toBe('FAIL');
    expect(byKey['EXC-EC2-01 i-0bad']?.evidence).toMatch(/InstanceType is "t3.micro".*HttpTokens is "optional"/);
  });

  it('applies a rule only where its when clause holds, and reuses built-in checks under the company id', () => {
    expect(byKey['EXC-EC2-01 i-0dev']).toBeUndefined();
    expect(byKey['EXC-S3-01 tagged']?.status).toBe('PASS');
    expect(byKey['EXC-S3-01 untagged']?.status).toBe('FAIL');
    expect(catalog.requirements.find((r) => r.id === 'EXC-S3-01')?.weight).toBe(7);
  });

  it('gives stable finding ids: the same requirement and resource, the same id', () => {
    const again = evaluateRecords(catalog, [untagged], '2026-12-01T00:00:00.000Z');
    expect(again.find((x) => x.requirementId === 'EXC-TAG-01')?.findingId).toBe(byKey['EXC-TAG-01 untagged']?.findingId);
    expect(byKey['EXC-TAG-01 untagged']?.findingId).toBe(findingIdFor('EXC-TAG-01', untagged.arn));
    expect(findingIdFor('EXC-TAG-01', untagged.arn)).toMatch(/^[0-9a-f]{32}$/);
  });
});
