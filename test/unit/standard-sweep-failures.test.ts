// The sweep never judges an account- or region-level requirement from a collection that failed: where the
// collector could not read, the requirement is "not evaluated" with the collection error as the reason, and
// gives no finding (so it counts neither for nor against the owner's score).
import { describe, expect, it } from 'vitest';
import { evaluateSweepDetailed, failedCollection, loadCatalog } from '../../standard/index.js';

const observedAt = '2026-11-01T00:00:00.000Z';
const accountId = '123456789012';
const regions = ['eu-west-1', 'us-east-1'];
const ANALYZER = 'AWS::AccessAnalyzer::Analyzer';
const denied = 'AccessDeniedException: access denied to access-analyzer:ListAnalyzers: explicit deny in a service control policy';

describe('sweep over a failed collection', () => {
  const catalog = loadCatalog();
  const only = (id: string) => ({ ...catalog, requirements: catalog.requirements.filter((r) => r.id === id) });

  it('without failures, no analyzer reads as FAIL in every region (the check itself)', () => {
    const { findings } = evaluateSweepDetailed(only('CSS-IAM-07'), { accountId, regions, resources: [] }, observedAt);
    expect(findings.map((f) => [f.region, f.status])).toEqual([['eu-west-1', 'FAIL'], ['us-east-1', 'FAIL']]);
  });

  it('an Access Analyzer collector that failed in every region gives no finding, only "not evaluated" with the error', () => {
    const failures = regions.map((region) => ({ resourceType: ANALYZER, region, reason: denied }));
    const { findings, problems } = evaluateSweepDetailed(only('CSS-IAM-07'), { accountId, regions, resources: [], failures }, observedAt);
    expect(findings).toEqual([]);
    expect(problems).toEqual(
      regions.map((region) => ({
        requirementId: 'CSS-IAM-07',
        resource: `${accountId}/${region}`,
        message: `not evaluated: collection of ${ANALYZER} in ${region} failed (${denied})`,
      })),
    );
  });

  it('a region-level requirement is still judged in the regions whose collection worked', () => {
    const failures = [{ resourceType: ANALYZER, region: 'eu-west-1', reason: denied }];
    const { findings, problems } = evaluateSweepDetailed(only('CSS-IAM-07'), { accountId, regions, resources: [], failures }, observedAt);
    expect(findings.map((f) => [f.region, f.status])).toEqual([['us-east-1', 'FAIL']]);
    expect(problems.map((p) => p.resource)).toEqual([`${accountId}/eu-west-1`]);
  });

  it('an account-level requirement is not evaluated when its type failed anywhere; other types do not matter', () => {
    expect(failedCollection([{ resourceType: 'AWS::IAM::CredentialReport', region: 'global', reason: 'x' }], ['AWS::IAM::CredentialReport'], 'account', 'global')).toMatch(
      /collection of AWS::IAM::CredentialReport in global failed \(x\)/,
    );
    expect(failedCollection([{ resourceType: 'AWS::S3::Bucket', region: 'eu-west-1', reason: 'x' }], ['AWS::IAM::CredentialReport'], 'account', 'global')).toBeUndefined();
    // a global type that failed reaches every region of a region-level requirement
    expect(failedCollection([{ resourceType: ANALYZER, region: 'global', reason: 'x' }], [ANALYZER], 'region', 'us-east-1')).toBeDefined();
    expect(failedCollection([{ resourceType: ANALYZER, region: 'eu-west-1', reason: 'x' }], [ANALYZER], 'region', 'us-east-1')).toBeUndefined();
  });
});
