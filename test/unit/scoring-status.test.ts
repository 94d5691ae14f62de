// Issue 18: `census status` shows the owners' best fixes of the latest scoring run, from the gains the
// scoring core wrote into the score records.
import { describe, expect, it } from 'vitest';
import { statusReport, statusText } from '../../bin/status.js';
import { scoreFindings } from '../../scoring/score.js';

describe('census status: best fixes', () => {
  it('lists owner-requirement records of the latest run by gain', () => {
    const A = '111111111111';
    const accounts = [{ accountId: A, name: 'a', owner: 'olga@example.com', executive: null, spend: 1 }];
    const requirements = [
      { id: 'R10', title: 'heavy', severity: 'critical', weight: 10 },
      { id: 'R1', title: 'light', severity: 'low', weight: 1 },
    ];
    const f = (requirementId: string, resourceId: string, status: 'PASS' | 'FAIL') => ({ accountId: A, requirementId, resourceId, resourceArn: null, resourceType: 'AWS::S3::Bucket', region: 'us-east-1', status, evidence: 'e', observedAt: '2026-11-24T00:00:00Z' });
    const older = scoreFindings({ accounts, requirements, findings: [f('R1', 'x', 'FAIL')], exceptions: [], asOf: '2026-11-23', runAt: '2026-11-23T10:00:00.000Z' });
    const latest = scoreFindings({
      accounts,
      requirements,
      findings: [f('R10', 'h1', 'FAIL'), f('R10', 'h2', 'PASS'), ...[1, 2, 3, 4, 5].map((i) => f('R1', `l${i}`, 'FAIL'))],
      exceptions: [],
      asOf: '2026-11-24',
      runAt: '2026-11-24T10:00:00.000Z',
    });
    const report = statusReport({ runs: [], accounts: [], errors: [], scores: [...older.scores, ...latest.scores], unknownTrusted: [], exceptions: [] }, new Date('2026-11-24T12:00:00Z'), 'test');
    expect(report.topFixes.map((x) => [x.owner, x.requirementId, x.title, x.failing, Math.round(x.gain * 1000) / 10])).toEqual([
      ['olga@example.com', 'R10', 'heavy', 1, 45.5],
      ['olga@example.com', 'R1', 'light', 5, 9.1],
    ]);
    const text = statusText(report, (h, rows) => [h, ...rows].map((r) => r.join(' | ')).join('\n'));
    expect(text).toContain('olga@example.com | R10 | heavy | 1 | +45.5 pts');
  });
});
