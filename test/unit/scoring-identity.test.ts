// Issue 18: every resource counted once (by ARN, or account/region/type/id), only while it exists;
// bare-id exceptions that match several resources apply to none; gains of the top fixes.
import { describe, expect, it } from 'vitest';
import { ambiguousExceptions, ExceptionIndex, resourceKey } from '../../core/exceptions.js';
import { ScoreRecord, type ExceptionEntry, type FindingRecord } from '../../core/schemas.js';
import { GoneResources, gainOf, scoreFindings, topFixes, type ScoringAccount, type ScoringRequirement } from '../../scoring/score.js';

const A = '111111111111';
const B = '222222222222';
const asOf = '2026-11-24';
const runAt = '2026-11-24T10:00:00.000Z';
const accounts: ScoringAccount[] = [
  { accountId: A, name: 'shop', owner: 'alice@example.com', executive: 'vp@example.com', spend: 10 },
  { accountId: B, name: 'lab', owner: 'bob@example.com', executive: 'vp@example.com', spend: 10 },
];

let n = 0;
function f(over: Partial<FindingRecord> & Pick<FindingRecord, 'requirementId' | 'resourceId' | 'status'>): FindingRecord {
  return {
    recordType: 'finding',
    schemaVersion: '1.0',
    findingId: `f${n++}`,
    severity: 'high',
    resourceType: 'AWS::DynamoDB::Table',
    resourceArn: null,
    accountId: A,
    region: 'us-east-1',
    source: 'census',
    evidence: 'e',
    observedAt: '2026-11-24T08:00:00Z',
    ...over,
  };
}
const entry = (exceptionId: string, resourceId: string, requirementId = 'R1', accountId = A): ExceptionEntry => ({
  exceptionId,
  accountId,
  requirementId,
  resourceId,
  reason: 'accepted',
  approvedBy: 'ciso@example.com',
  expiresAt: '2027-01-01',
});
const R1: ScoringRequirement = { id: 'R1', title: 'Tables are encrypted', severity: 'critical', weight: 10, remediation: 'Encrypt the table.' };
const R3: ScoringRequirement = { id: 'R3', title: 'Tables have backups', severity: 'low', weight: 1, remediation: 'Turn on PITR.' };
const score = (findings: FindingRecord[], opts: { exceptions?: ExceptionEntry[]; gone?: GoneResources; requirements?: ScoringRequirement[] } = {}) =>
  scoreFindings({ accounts, requirements: opts.requirements ?? [R1, R3], findings, exceptions: opts.exceptions ?? [], asOf, runAt, ...(opts.gone ? { gone: opts.gone } : {}) });
const cell = (scores: ScoreRecord[], accountId: string, requirementId: string) => scores.find((s) => s.scope === 'account-requirement' && s.accountId === accountId && s.requirementId === requirementId)!;

describe('resource identity', () => {
  it('two tables of one name in two regions are two resources (no ARN: account, region, type, id)', () => {
    const { scores } = score([f({ requirementId: 'R1', resourceId: 'orders', status: 'FAIL' }), f({ requirementId: 'R1', resourceId: 'orders', status: 'PASS', region: 'eu-west-1' })]);
    expect(cell(scores, A, 'R1')).toMatchObject({ total: 2, failing: 1, score: 0.5 });
  });

  it('a resource with an ARN is one resource however its findings spell the id, and one per ARN', () => {
    const arn = (r: string) => `arn:aws:dynamodb:${r}:${A}:table/orders`;
    const { scores } = score([
      f({ requirementId: 'R1', resourceId: 'orders', resourceArn: arn('us-east-1'), status: 'PASS', observedAt: '2026-11-23T00:00:00Z' }),
      f({ requirementId: 'R1', resourceId: arn('us-east-1'), resourceArn: arn('us-east-1'), status: 'FAIL' }),
      f({ requirementId: 'R1', resourceId: 'orders', resourceArn: arn('eu-west-1'), region: 'eu-west-1', status: 'PASS' }),
    ]);
    expect(cell(scores, A, 'R1')).toMatchObject({ total: 2, failing: 1, score: 0.5 });
  });

  it('resourceKey: the ARN, else account, region, type and id', () => {
    const base = { accountId: A, region: 'us-east-1', resourceType: 'AWS::Lambda::Function', resourceId: 'fn', resourceArn: null };
    expect(resourceKey(base)).not.toBe(resourceKey({ ...base, region: 'eu-west-1' }));
    expect(resourceKey(base)).not.toBe(resourceKey({ ...base, resourceType: 'AWS::ECR::Repository' }));
    expect(resourceKey({ ...base, resourceArn: 'arn:x' })).toBe(resourceKey({ ...base, region: 'eu-west-1', resourceArn: 'arn:x' }));
  });
});

describe('ambiguous exceptions', () => {
  const two = [f({ requirementId: 'R1', resourceId: 'orders', status: 'FAIL' }), f({ requirementId: 'R1', resourceId: 'orders', status: 'PASS', region: 'eu-west-1' })];

  it('a bare id matching resources in two regions applies to none and is reported', () => {
    const run = score(two, { exceptions: [entry('EX-1', 'orders')] });
    expect(cell(run.scores, A, 'R1')).toMatchObject({ total: 2, failing: 1, excepted: 0 });
    expect(run.nonCompliant[0]!.exception).toBeUndefined();
    expect(run.warnings.ambiguousExceptions).toEqual([
      { exceptionId: 'EX-1', accountId: A, requirementId: 'R1', resourceId: 'orders', matches: ['eu-west-1 AWS::DynamoDB::Table', 'us-east-1 AWS::DynamoDB::Table'] },
    ]);
  });

  it('a bare id matching one resource, or an ARN, still applies', () => {
    const arn = `arn:aws:dynamodb:us-east-1:${A}:table/orders`;
    const withArn = two.map((x) => (x.region === 'us-east-1' ? { ...x, resourceArn: arn } : x));
    expect(cell(score(withArn, { exceptions: [entry('EX-2', arn)] }).scores, A, 'R1')).toMatchObject({ failing: 0, excepted: 1 });
    expect(cell(score(two.slice(0, 1), { exceptions: [entry('EX-3', 'orders')] }).scores, A, 'R1')).toMatchObject({ failing: 0, excepted: 1 });
  });

  it('also for resources of two types, and as the pure check the register validation uses', () => {
    const resources = [
      { accountId: A, requirementId: 'R1', resourceId: 'app', resourceArn: null, region: 'us-east-1', resourceType: 'AWS::Lambda::Function' },
      { accountId: A, requirementId: 'R1', resourceId: 'app', resourceArn: null, region: 'us-east-1', resourceType: 'AWS::ECR::Repository' },
      { accountId: A, requirementId: 'R1', resourceId: 'solo', resourceArn: null, region: 'us-east-1', resourceType: 'AWS::ECR::Repository' },
    ];
    expect(ambiguousExceptions([entry('EX-4', 'app'), entry('EX-5', 'solo')], resources).map((a) => a.exceptionId)).toEqual(['EX-4']);
    const index = new ExceptionIndex([entry('EX-4', 'app')]);
    expect(index.match(resources[0]!, new Date('2026-11-24T00:00:00Z'))?.exceptionId).toBe('EX-4');
    for (const r of resources) index.observe(r);
    expect(index.match(resources[0]!, new Date('2026-11-24T00:00:00Z'))).toBeUndefined();
  });
});

describe('resources that are gone', () => {
  const bucket = (status: 'PASS' | 'FAIL', name: string, over: Partial<FindingRecord> = {}) =>
    f({ requirementId: 'R1', resourceId: name, resourceArn: `arn:aws:s3:::${name}`, resourceType: 'AWS::S3::Bucket', region: 'us-east-1', status, ...over });

  it('a deleted failing resource stops counting: closed with reason and time, status kept, not listed', () => {
    const findings = [bucket('FAIL', 'public'), bucket('PASS', 'a'), bucket('PASS', 'b')];
    const before = score(findings);
    expect(cell(before.scores, A, 'R1')).toMatchObject({ total: 3, failing: 1 });
    const gone = new GoneResources();
    gone.addDeletedResource({ accountId: A, region: 'us-east-1', resourceType: 'AWS::S3::Bucket', resourceId: 'public', resourceArn: 'arn:aws:s3:::public' }, '2026-11-24T09:00:00Z');
    const after = score(findings, { gone });
    expect(cell(after.scores, A, 'R1')).toMatchObject({ total: 2, failing: 0, score: 1 });
    expect(after.nonCompliant).toEqual([]);
    expect(after.closed).toEqual([expect.objectContaining({ resourceId: 'public', status: 'FAIL', resolved: { reason: 'resource-deleted', at: '2026-11-24T09:00:00Z' } })]);
    expect(after.warnings.closed).toEqual({ 'resource-deleted': 1 });
    const owner = (r: typeof before) => r.scores.find((s) => s.scope === 'owner' && s.owner === 'alice@example.com')!.score!;
    expect(owner(after)).toBeGreaterThan(owner(before));
  });

  it('a finding observed after the deletion (the name was reused) still counts', () => {
    const gone = new GoneResources();
    gone.addDeletedResource({ accountId: A, region: 'us-east-1', resourceType: 'AWS::S3::Bucket', resourceId: 'public', resourceArn: 'arn:aws:s3:::public' }, '2026-11-24T07:00:00Z');
    expect(cell(score([bucket('FAIL', 'public')], { gone }).scores, A, 'R1')).toMatchObject({ total: 1, failing: 1 });
  });

  it('findings of an account that left the organization, and findings already closed, are not scored', () => {
    const gone = new GoneResources();
    gone.addDepartedAccount(B, '2026-11-24T06:00:00Z');
    const run = score([bucket('FAIL', 'x', { accountId: B }), bucket('FAIL', 'y', { resolved: { reason: 'resource-deleted', at: '2026-11-20T00:00:00Z' } })], { gone });
    expect(cell(run.scores, B, 'R1')).toMatchObject({ total: 0, score: null });
    expect(cell(run.scores, A, 'R1')).toMatchObject({ total: 0, score: null });
    expect(run.closed.map((c) => [c.resourceId, c.resolved.reason, c.alreadyResolved])).toEqual([
      ['x', 'account-left', false],
      ['y', 'resource-deleted', true],
    ]);
  });
});

describe('gains of the top fixes', () => {
  const many = (k: number, requirementId: string, status: 'PASS' | 'FAIL', accountId = A) =>
    Array.from({ length: k }, (_, i) => f({ requirementId, resourceId: `${requirementId}-${status}-${i}`, status, accountId }));

  it('one failing resource of a weight-10 requirement outranks five of a weight-1 one', () => {
    // A: R1 1 of 2 failing (0.5), R3 5 of 5 failing (0): score (10·0.5 + 1·0)/11
    const run = score([...many(1, 'R1', 'FAIL'), ...many(1, 'R1', 'PASS'), ...many(5, 'R3', 'FAIL')]);
    const r1 = cell(run.scores, A, 'R1');
    const r3 = cell(run.scores, A, 'R3');
    expect(run.scores.find((s) => s.scope === 'account' && s.accountId === A)!.score).toBeCloseTo(5 / 11, 12);
    expect(r1.gain).toBeCloseTo(5 / 11, 12);
    expect(r3.gain).toBeCloseTo(1 / 11, 12);
    const fixes = topFixes(run.scores.filter((s) => s.scope === 'owner-requirement' && s.owner === 'alice@example.com'));
    expect(fixes.map((x) => [x.requirementId, x.failing, x.title, x.remediation])).toEqual([
      ['R1', 1, 'Tables are encrypted', 'Encrypt the table.'],
      ['R3', 5, 'Tables have backups', 'Turn on PITR.'],
    ]);
    expect(fixes[0]!.gain).toBeCloseTo(5 / 11, 12);
    // every record, new fields included, keeps to the contract
    for (const s of run.scores) ScoreRecord.parse(s);
  });

  it('an account with a single requirement: fixing it gives the rest of the way to 100%', () => {
    const run = score([...many(3, 'R1', 'FAIL'), ...many(1, 'R1', 'PASS')]);
    expect(cell(run.scores, A, 'R1')).toMatchObject({ score: 0.25, gain: 0.75 });
    expect(cell(run.scores, A, 'R3')).toMatchObject({ score: null, gain: 0 });
  });

  it('an owner with no failing resource has no fix; the owner gain spans their accounts', () => {
    const run = score([...many(2, 'R1', 'PASS', B), ...many(1, 'R1', 'FAIL'), ...many(1, 'R3', 'PASS')]);
    expect(topFixes(run.scores.filter((s) => s.scope === 'owner-requirement' && s.owner === 'bob@example.com'))).toEqual([]);
    const alice = run.scores.find((s) => s.scope === 'owner-requirement' && s.owner === 'alice@example.com' && s.requirementId === 'R1')!;
    expect(alice).toMatchObject({ failing: 1, total: 1 });
    expect(alice).not.toHaveProperty('accountName');
    expect(alice.gain).toBeCloseTo(10 / 11, 12);
  });

  it('gainOf recomputes the mean (zero weights: the plain mean)', () => {
    expect(gainOf([{ value: 0, weight: 0, requirementId: 'X' }, { value: 1, weight: 0, requirementId: 'Y' }], 'X')).toBe(0.5);
    expect(gainOf([], 'X')).toBe(0);
  });
});

describe('offline: resources.ndjson and accounts that left', () => {
  it('closes the findings of deleted resources and departed accounts, and writes them to closed-findings.ndjson', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { scoreFolder, writeRunOutputs } = await import('../../scoring/offline.js');
    const dir = mkdtempSync(join(tmpdir(), 'scoring-gone-'));
    writeFileSync(join(dir, 'accounts.json'), JSON.stringify([accounts[0], { ...accounts[1], leftAt: '2026-11-20T00:00:00Z' }]));
    writeFileSync(join(dir, 'requirements.json'), JSON.stringify([R1]));
    const bucket = (name: string, accountId: string, status: 'PASS' | 'FAIL') =>
      f({ requirementId: 'R1', resourceId: name, resourceArn: `arn:aws:s3:::${name}`, resourceType: 'AWS::S3::Bucket', accountId, status });
    writeFileSync(join(dir, 'findings.ndjson'), [bucket('gone', A, 'FAIL'), bucket('kept', A, 'PASS'), bucket('theirs', B, 'FAIL')].map((x) => JSON.stringify(x)).join('\n'));
    const marker = {
      recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: 'gone', arn: 'arn:aws:s3:::gone', resourceName: 'gone', awsAccountId: A,
      awsRegion: 'us-east-1', configuration: {}, resourceCreationTime: null, configurationItemCaptureTime: '2026-11-24T08:00:00Z', configurationItemStatus: 'ResourceDeleted',
      collector: 's3', deletedAt: '2026-11-24T09:00:00Z',
    };
    writeFileSync(join(dir, 'resources.ndjson'), `${JSON.stringify(marker)}\n{broken\n`);
    const run = await scoreFolder(dir, { asOf, runAt });
    expect(run.problems).toEqual([expect.objectContaining({ at: 2, reason: expect.stringMatching(/not valid JSON/) })]);
    expect(run.accounts.map((a) => a.accountId)).toEqual([A]);
    expect(cell(run.scores, A, 'R1')).toMatchObject({ total: 1, failing: 0, score: 1 });
    const out = mkdtempSync(join(tmpdir(), 'scoring-gone-out-'));
    await writeRunOutputs(run, out, { workbooks: false });
    const closed = readFileSync(join(out, 'closed-findings.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FindingRecord);
    expect(closed.map((c) => [c.resourceId, c.status, c.resolved])).toEqual([
      ['gone', 'FAIL', { reason: 'resource-deleted', at: '2026-11-24T09:00:00Z' }],
      ['theirs', 'FAIL', { reason: 'account-left', at: '2026-11-20T00:00:00Z' }],
    ]);
  });
});
