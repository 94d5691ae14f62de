import { describe, expect, it } from 'vitest';
import type { ExceptionEntry, FindingRecord } from '../../core/schemas.js';
import { ScoreRecord } from '../../core/schemas.js';
import {
  NO_EXECUTIVE,
  NO_OWNER,
  asOfInstant,
  latestPerResource,
  scoreFindings,
  weightedMean,
  type ScoringAccount,
  type ScoringRequirement,
} from '../../scoring/score.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';
const E = '555555555555';
const asOf = '2026-11-24';
const runAt = '2026-11-24T10:00:00.000Z';

const requirements: ScoringRequirement[] = [
  { id: 'R1', title: 'one', severity: 'critical', weight: 10 },
  { id: 'R2', title: 'two', severity: 'high', weight: 5 },
  { id: 'R3', title: 'three', severity: 'low', weight: 1 },
];
const accounts: ScoringAccount[] = [
  { accountId: A, name: 'a', owner: 'alice@example.com', executive: 'vp1@example.com', spend: 300 },
  { accountId: B, name: 'b', owner: 'alice@example.com', executive: 'vp1@example.com', spend: 100 },
  { accountId: C, name: 'c', owner: 'bob@example.com', executive: 'vp2@example.com', spend: 0 },
  { accountId: D, name: 'd', owner: null, executive: '  ', spend: 0 },
];

let n = 0;
function finding(accountId: string, requirementId: string, resourceId: string, status: 'PASS' | 'FAIL', observedAt = '2026-11-24T08:00:00Z'): FindingRecord {
  return {
    recordType: 'finding',
    schemaVersion: '1.0',
    findingId: `f${n++}`,
    requirementId,
    status,
    severity: 'high',
    resourceType: 'AWS::S3::Bucket',
    resourceId,
    resourceArn: `arn:aws:s3:::${resourceId}`,
    accountId,
    region: 'us-east-1',
    source: 'census',
    evidence: `${resourceId} is ${status}`,
    observedAt,
  };
}
const exception = (exceptionId: string, accountId: string, requirementId: string, resourceId: string, expiresAt: string): ExceptionEntry => ({
  exceptionId,
  accountId,
  requirementId,
  resourceId,
  reason: 'accepted',
  approvedBy: 'ciso@example.com',
  expiresAt,
});

const findings: FindingRecord[] = [
  // A/R1: 4 distinct resources; r1 was failing earlier but its latest observation passes
  finding(A, 'R1', 'r1', 'FAIL', '2026-11-23T08:00:00Z'),
  finding(A, 'R1', 'r1', 'PASS', '2026-11-24T08:00:00+02:00'),
  finding(A, 'R1', 'r2', 'FAIL'), // excepted by short id, expiring on the as-of day (still active)
  finding(A, 'R1', 'r3', 'FAIL'), // exception expired the day before: no credit
  finding(A, 'R1', 'r4', 'FAIL'),
  // A/R2: excepted by ARN
  finding(A, 'R2', 's1', 'FAIL'),
  finding(A, 'R2', 's2', 'PASS'),
  // B
  finding(B, 'R1', 'b1', 'FAIL'),
  finding(B, 'R3', 'b2', 'PASS'),
  finding(B, 'R3', 'b3', 'PASS'),
  // C/R2: 1 of 4 failing; the exception names another requirement, so it does not match
  finding(C, 'R2', 'c1', 'FAIL'),
  finding(C, 'R2', 'c2', 'PASS'),
  finding(C, 'R2', 'c3', 'PASS'),
  finding(C, 'R2', 'c4', 'PASS'),
  // not scored: unmapped external finding, unknown requirement
  finding(C, '', 'x1', 'FAIL'),
  finding(C, 'R9', 'x2', 'FAIL'),
];
const register: ExceptionEntry[] = [
  exception('EX-1', A, 'R1', 'r2', '2026-11-24'),
  exception('EX-2', A, 'R1', 'r3', '2026-11-23'),
  exception('EX-3', A, 'R2', 'arn:aws:s3:::s1', '2027-01-01'),
  exception('EX-4', C, 'R1', 'c1', '2027-01-01'),
];

function byScope(scores: ScoreRecord[]) {
  const get = (scope: string, pred: (s: ScoreRecord) => boolean = () => true) => {
    const found = scores.filter((s) => s.scope === scope && pred(s));
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  return {
    cell: (a: string, r: string) => get('account-requirement', (s) => s.accountId === a && s.requirementId === r),
    account: (a: string) => get('account', (s) => s.accountId === a),
    owner: (o: string) => get('owner', (s) => s.owner === o),
    executive: (e: string) => get('executive', (s) => s.executive === e),
    enterprise: () => get('enterprise'),
  };
}

describe('scoring formulas', () => {
  const result = scoreFindings({ accounts, requirements, findings, exceptions: register, asOf, runAt });
  const s = byScope(result.scores);

  it('counts distinct resources, active exceptions as excepted, expired ones as failing', () => {
    expect(s.cell(A, 'R1')).toMatchObject({ total: 4, failing: 2, excepted: 1, score: 0.5, weight: 10 });
    expect(s.cell(A, 'R2')).toMatchObject({ total: 2, failing: 0, excepted: 1, score: 1 });
    expect(s.cell(C, 'R2')).toMatchObject({ total: 4, failing: 1, excepted: 0, score: 0.75 });
    expect(s.cell(B, 'R1')).toMatchObject({ total: 1, failing: 1, excepted: 0, score: 0 });
  });

  it('leaves requirements that do not apply out (null) of the account score', () => {
    expect(s.cell(A, 'R3')).toMatchObject({ total: 0, failing: 0, excepted: 0, score: null });
    expect(s.account(A).score).toBeCloseTo((10 * 0.5 + 5 * 1) / 15, 12);
    expect(s.account(B).score).toBeCloseTo((10 * 0 + 1 * 1) / 11, 12);
    expect(s.account(C).score).toBe(0.75);
    expect(s.account(D).score).toBeNull();
  });

  it('risk-weights the owner score over all applicable account×requirement pairs', () => {
    // alice: A/R1 0.5 (10), A/R2 1 (5), B/R1 0 (10), B/R3 1 (1)
    expect(s.owner('alice@example.com').score).toBeCloseTo(11 / 26, 12);
    expect(s.owner('bob@example.com').score).toBe(0.75);
    expect(s.owner(NO_OWNER).score).toBeNull();
  });

  it('spend-weights executives and the enterprise; zero spend falls back to the plain mean', () => {
    const a = 10 / 15;
    const b = 1 / 11;
    expect(s.executive('vp1@example.com').score).toBeCloseTo((300 * a + 100 * b) / 400, 12);
    expect(s.executive('vp2@example.com').score).toBe(0.75); // spend 0
    expect(s.executive(NO_EXECUTIVE).score).toBeNull(); // its one account has no score
    expect(s.enterprise().score).toBeCloseTo((300 * a + 100 * b + 0 * 0.75) / 400, 12);
    const free = scoreFindings({ accounts: accounts.map((x) => ({ ...x, spend: 0 })), requirements, findings, exceptions: register, asOf, runAt });
    expect(byScope(free.scores).enterprise().score).toBeCloseTo((a + b + 0.75) / 3, 12);
    const unknown = scoreFindings({ accounts: accounts.map((x) => ({ ...x, spend: null })), requirements, findings, exceptions: register, asOf, runAt });
    expect(byScope(unknown.scores).enterprise()).toMatchObject({ spend: null });
    expect(byScope(unknown.scores).enterprise().score).toBeCloseTo((a + b + 0.75) / 3, 12);
  });

  it('lists each FAIL resource with its exception, active or expired', () => {
    const rows = result.nonCompliant.map((f) => [f.accountId, f.requirementId, f.resourceId, f.excepted, f.exception?.exceptionId, f.exception?.active]);
    expect(rows).toEqual([
      [A, 'R1', 'r2', true, 'EX-1', true],
      [A, 'R1', 'r3', false, 'EX-2', false],
      [A, 'R1', 'r4', false, undefined, undefined],
      [A, 'R2', 's1', true, 'EX-3', true],
      [B, 'R1', 'b1', false, undefined, undefined],
      [C, 'R2', 'c1', false, undefined, undefined],
    ]);
  });

  it('the next day the expiring exception no longer counts', () => {
    const next = byScope(scoreFindings({ accounts, requirements, findings, exceptions: register, asOf: '2026-11-25', runAt }).scores);
    expect(next.cell(A, 'R1')).toMatchObject({ total: 4, failing: 3, excepted: 0, score: 0.25 });
  });

  it('emits valid records with stable ids, one per account×requirement, and reports what it left out', () => {
    for (const r of result.scores) ScoreRecord.parse(r);
    expect(result.scores.filter((r) => r.scope === 'account-requirement')).toHaveLength(4 * 3);
    expect(new Set(result.scores.map((r) => r.scoreId)).size).toBe(result.scores.length);
    expect(s.cell(A, 'R1').scoreId).toBe(`account-requirement|${A}|R1|${asOf}|${runAt}`);
    expect(result.warnings).toMatchObject({ unmapped: 1, unknownRequirements: { R9: 1 }, unknownAccounts: [], withoutOwner: [D], withoutExecutive: [D] });
    const again = scoreFindings({ accounts, requirements, findings: [...findings].reverse(), exceptions: [...register].reverse(), asOf, runAt });
    expect(again.scores).toEqual(result.scores);
  });

  it('scores accounts that have findings but are missing from the account list, under (no owner)', () => {
    const r = scoreFindings({ accounts, requirements, findings: [...findings, finding(E, 'R1', 'e1', 'PASS')], exceptions: register, asOf, runAt });
    expect(r.warnings.unknownAccounts).toEqual([E]);
    expect(byScope(r.scores).account(E)).toMatchObject({ owner: NO_OWNER, score: 1 });
  });
});

describe('helpers', () => {
  it('weightedMean', () => {
    expect(weightedMean([])).toBeNull();
    expect(weightedMean([{ value: 1, weight: 3 }, { value: 0, weight: 1 }])).toBe(0.75);
    expect(weightedMean([{ value: 1, weight: 0 }, { value: 0, weight: 0 }])).toBe(0.5);
  });
  it('latestPerResource prefers the latest observation, then FAIL on a tie', () => {
    const tie = latestPerResource([finding(A, 'R1', 'z', 'PASS', '2026-11-24T08:00:00Z'), finding(A, 'R1', 'z', 'FAIL', '2026-11-24T10:00:00+02:00')]);
    expect(tie.map((f) => f.status)).toEqual(['FAIL']);
  });
  it('rejects a malformed as-of date', () => {
    expect(() => asOfInstant('2026-02-30')).toThrow(/not a calendar date/);
    expect(() => asOfInstant('24/11/2026')).toThrow(/not a calendar date/);
  });
});
