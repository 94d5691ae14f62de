// Data the dashboards need, added at indexing time: failing resources of a scoring run with days to
// expiry, and dead letters without the record's bytes.
import { describe, expect, it } from 'vitest';
import { deadLetterDocument, redactReason } from '../../opensearch/dead-letters.js';
import { daysUntil, failingResourceDocuments, runSuffix } from '../../scoring/views.js';
import { NO_OWNER } from '../../scoring/score.js';

describe('scoring views', () => {
  const base = { resourceArn: null, resourceType: 'AWS::S3::Bucket', region: 'us-east-1', status: 'FAIL' as const, evidence: 'public', observedAt: '2026-11-28T10:00:00Z' };
  const exception = (expiresAt: string, active: boolean) => ({ exceptionId: 'EX-1', reason: 'vendor', approvedBy: 'ciso@example.com', expiresAt, active });
  const run = {
    asOf: '2026-11-29',
    runAt: '2026-11-29T01:00:00.000Z',
    accounts: [{ accountId: '111111111111', name: 'prod', owner: 'alice', executive: 'eve', spend: 10 }],
    requirements: [{ id: 'CSS-S3-01', title: 'Buckets are not public', severity: 'critical', weight: 10 }],
    nonCompliant: [
      { ...base, accountId: '111111111111', requirementId: 'CSS-S3-01', resourceId: 'a', excepted: true, exception: exception('2026-12-09', true) },
      { ...base, accountId: '111111111111', requirementId: 'CSS-S3-01', resourceId: 'b', excepted: false, exception: exception('2026-11-20', false) },
      { ...base, accountId: '222222222222', requirementId: 'CSS-S3-01', resourceId: 'c', excepted: false },
    ],
  };

  it('counts whole days to expiry from the as-of date: 0 on the last day, negative once expired', () => {
    expect(daysUntil('2026-11-29', '2026-11-29')).toBe(0);
    expect(daysUntil('2026-11-29', '2026-12-29')).toBe(30);
    expect(daysUntil('2026-11-29', '2026-11-20')).toBe(-9);
  });

  it('gives each failing resource its account name, owner, requirement title and exception with days to expiry', () => {
    const docs = failingResourceDocuments(run);
    expect(docs.map((d) => [d.resourceId, d.owner, d.accountName, d.title, d.severity, d.excepted, d.exception?.expiresInDays])).toEqual([
      ['a', 'alice', 'prod', 'Buckets are not public', 'critical', true, 10],
      ['b', 'alice', 'prod', 'Buckets are not public', 'critical', false, -9],
      // an account missing from the list is grouped under "(no owner)" as the scores group it
      ['c', NO_OWNER, null, 'Buckets are not public', 'critical', false, undefined],
    ]);
    expect(docs[0]!.exception).toMatchObject({ approvedBy: 'ciso@example.com', active: true });
  });

  it('names per-run indexes so they sort by run time', () => {
    expect(runSuffix('2026-11-29T01:02:03.456Z')).toBe('20261129t010203456z');
    expect(runSuffix('2026-11-29T01:02:03.456Z') < runSuffix('2026-11-29T11:00:00.000Z')).toBe(true);
  });
});

describe('dead-letter documents', () => {
  it('keep the stage, reason and position but no fragment of the record', () => {
    const reason = 'not JSON: Unexpected token \'p\', "{"password":"hunter2"..." is not valid JSON';
    expect(redactReason(reason)).not.toContain('hunter2');
    const doc = deadLetterDocument(
      { stage: 'validate', reason, shardId: 's-1', sequenceNumber: '42', arrivalTime: '2026-11-29T00:00:00.000Z', key: 'dead-letter/validate/x.json' },
      new Date('2026-11-29T00:00:01.000Z'),
    );
    expect(JSON.stringify(doc)).not.toContain('hunter2');
    expect(doc).toMatchObject({ stage: 'validate', shardId: 's-1', sequenceNumber: '42', key: 'dead-letter/validate/x.json', deadLetteredAt: '2026-11-29T00:00:01.000Z' });
  });
});
