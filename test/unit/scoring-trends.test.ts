// Issue 18: trends (previous run, 7 and 30 days), the score once lapsing exceptions lapse, the mail body.
import ExcelJS from 'exceljs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoreRecord } from '../../core/schemas.js';
import { scorecardBody } from '../../scoring/deliver.js';
import { scoreFolder, toNdjson, writeRunOutputs } from '../../scoring/offline.js';
import { scoreFindings } from '../../scoring/score.js';
import { ScorecardModel } from '../../scoring/scorecards/model.js';
import { ScoreTrends, pickTrendRuns, readPreviousScores } from '../../scoring/trends.js';

const fixture = new URL('../fixtures/scoring/offline/', import.meta.url).pathname;
const runAt = '2026-11-24T10:00:00.000Z';
const owner = (score: number | null, at: string, name = 'alice@example.com'): ScoreRecord => ({
  recordType: 'score',
  schemaVersion: '1.0',
  scoreId: `owner|${name}|${at.slice(0, 10)}|${at}`,
  scope: 'owner',
  owner: name,
  score,
  asOf: at.slice(0, 10),
  runAt: at,
});

describe('trend runs', () => {
  it('the previous run, and the latest runs at least 7 and 30 days older', () => {
    const runs = ['2026-11-24T09:00:00.000Z', '2026-11-17T10:00:00.000Z', '2026-11-17T11:00:00.000Z', '2026-10-20T10:00:00.000Z', '2026-10-25T10:00:00.000Z', '2026-11-24T10:00:00.000Z', '2026-11-25T00:00:00.000Z'];
    // exactly 30 days before counts as 30 days ago
    expect(pickTrendRuns(runs, runAt)).toEqual({ previous: '2026-11-24T09:00:00.000Z', week: '2026-11-17T10:00:00.000Z', month: '2026-10-25T10:00:00.000Z' });
    expect(pickTrendRuns([], runAt)).toEqual({});
  });

  it('changes in fractions; null where there was no score then', () => {
    const trends = new ScoreTrends([owner(0.5, '2026-11-24T09:00:00.000Z'), owner(0.25, '2026-11-10T10:00:00.000Z'), owner(null, '2026-10-01T10:00:00.000Z')], runAt);
    expect(trends.change(owner(0.75, runAt))).toEqual({ previous: 0.25, week: 0.5, month: null });
    expect(trends.change(owner(0.75, runAt, 'bob@example.com'))).toEqual({ previous: null, week: null, month: null });
  });

  it('census score --previous: a folder of earlier runs gives the Summary its changes', async () => {
    const earlier = mkdtempSync(join(tmpdir(), 'scores-prev-'));
    const before = await scoreFolder(fixture, { asOf: '2026-11-23', runAt: '2026-11-23T10:00:00.000Z' });
    await writeRunOutputs(before, join(earlier, '2026-11-23'), { workbooks: false });
    // a 30-day-old run where alice stood at 10%, and a line that is no score record
    writeFileSync(join(earlier, 'scores-old.ndjson'), toNdjson([owner(0.1, '2026-10-20T10:00:00.000Z')]) + '{"recordType":"finding"}\n');
    const problems: { source: string; at: number; reason: string }[] = [];
    expect((await readPreviousScores(earlier, problems)).length).toBe(before.scores.filter((s) => ['account', 'owner', 'executive', 'enterprise'].includes(s.scope)).length + 1);
    expect(problems).toEqual([expect.objectContaining({ at: 2, reason: expect.stringMatching(/recordType/) })]);
    const run = await scoreFolder(fixture, { asOf: '2026-11-24', runAt, previous: earlier });
    const out = mkdtempSync(join(tmpdir(), 'scores-now-'));
    const { manifest } = await writeRunOutputs(run, out);
    const alice = manifest!.owners.find((o) => o.owner === 'alice@example.com')!;
    // the yesterday run is the previous one; the 30-day-old one is also the latest at least 7 days old
    const since = Math.round((16 / 26 - 0.1) * 1e12) / 1e12;
    expect(alice.change).toEqual({ previous: 0, week: since, month: since });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, alice.file));
    const rows: unknown[][] = [];
    wb.getWorksheet('Summary')!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'Change since the previous run')![1]).toBe(0);
    expect(rows.find((r) => r[0] === 'Change over 7 days')![1]).toBe(51.5);
    expect(rows.find((r) => r[0] === 'Change over 30 days')![1]).toBe(51.5);
    await expect(readPreviousScores(join(earlier, 'missing'), [])).rejects.toThrow(/--previous .*missing: ENOENT/);
  });
});

describe('exceptions about to lapse', () => {
  it('the score the owner will have when they lapse, nothing else changing', () => {
    const A = '111111111111';
    const accounts = [{ accountId: A, name: 'a', owner: 'o@example.com', executive: null, spend: 1 }];
    const requirements = [{ id: 'R1', title: 't', severity: 'high', weight: 5 }];
    const f = (id: string, status: 'PASS' | 'FAIL') => ({ accountId: A, requirementId: 'R1', resourceId: id, resourceArn: null, resourceType: 'AWS::S3::Bucket', region: 'us-east-1', status, evidence: 'e', observedAt: '2026-11-24T00:00:00Z' });
    const ex = (exceptionId: string, resourceId: string, expiresAt: string) => ({ exceptionId, accountId: A, requirementId: 'R1', resourceId, reason: 'r', approvedBy: 'c@example.com', expiresAt });
    const result = scoreFindings({
      accounts,
      requirements,
      findings: [f('soon', 'FAIL'), f('later', 'FAIL'), f('ok1', 'PASS'), f('ok2', 'PASS')],
      exceptions: [ex('E1', 'soon', '2026-12-10'), ex('E2', 'later', '2027-06-01')],
      asOf: '2026-11-24',
      runAt,
    });
    const model = new ScorecardModel({ ...result, accounts, requirements, asOf: '2026-11-24' });
    const lapsing = model.lapsing([A]);
    expect(lapsing.map((x) => x.exception!.exceptionId)).toEqual(['E1']);
    expect(model.ownerRecord('o@example.com')!.score).toBe(1);
    expect(model.scoreAfterLapse([A], lapsing)).toBe(0.75);
  });
});

describe('the mail body', () => {
  it('says the score, its change and the top fixes, in text and escaped HTML', () => {
    const { text, html } = scorecardBody({
      intro: 'Your scorecard is attached.',
      scoreLabel: 'Risk-weighted score',
      book: { score: 0.615, change: { previous: 0.012, week: -0.03, month: null }, fixes: [{ requirementId: 'CSS-S3-01', title: 'Buckets <b>not</b> public', failing: 2, gain: 0.1234 }] },
      outro: 'See the Summary.',
    });
    expect(text).toContain('Risk-weighted score: 61.5% (+1.2 pts since the previous run, -3.0 pts over 7 days, n/a over 30 days)');
    expect(text).toContain('1. CSS-S3-01 Buckets <b>not</b> public: 2 failing resource(s), +12.3 pts when fixed');
    expect(html).toContain('<td>Buckets &#60;b&#62;not&#60;/b&#62; public</td>');
    expect(html).not.toContain('<b>not</b>');
    expect(scorecardBody({ intro: 'i', scoreLabel: 's', book: { score: 1, fixes: [] }, outro: 'o' }).text).toContain('Nothing to fix: no failing resource.');
  });
});
