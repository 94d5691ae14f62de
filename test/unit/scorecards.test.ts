import ExcelJS from 'exceljs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreFolder, writeRunOutputs, type ScoringRun } from '../../scoring/offline.js';
import { writeScorecards, type ScorecardManifest } from '../../scoring/scorecards/index.js';
import { NO_OWNER, scoreFindings } from '../../scoring/score.js';

const fixture = new URL('../fixtures/scoring/offline/', import.meta.url).pathname;
const asOf = '2026-11-24';
const runAt = '2026-11-24T10:00:00.000Z';
const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const D = '444444444444';

let run: ScoringRun;
let manifest: ScorecardManifest;
let out: string;

async function open(file: string): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(out, file));
  return wb;
}

/** Every cell value of a sheet as rows of plain values. */
function values(ws: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (row, n) => {
    rows[n - 1] = (row.values as unknown[]).slice(1);
  });
  return rows;
}

/** Fail on any formula cell, through exceljs and in the raw sheet XML (`<f>` elements). */
function expectNoFormulas(wb: ExcelJS.Workbook, file: string): void {
  wb.eachSheet((ws) =>
    ws.eachRow((row) =>
      row.eachCell((cell) => {
        expect(cell.type, `${ws.name}!${cell.address}`).not.toBe(ExcelJS.ValueType.Formula);
        expect(cell.formula, `${ws.name}!${cell.address}`).toBeFalsy();
      }),
    ),
  );
  const xml = execFileSync('unzip', ['-p', join(out, file), 'xl/worksheets/*.xml'], { maxBuffer: 1 << 28 }).toString();
  expect(xml).not.toMatch(/<f[ >]/);
}

beforeAll(async () => {
  run = await scoreFolder(fixture, { asOf, runAt });
  out = mkdtempSync(join(tmpdir(), 'scorecards-'));
  manifest = (await writeRunOutputs(run, out)).manifest!;
});

describe('offline run on the fixture folder', () => {
  it('reports the broken register row and the broken finding line, and scores the rest', () => {
    expect(run.problems.map((p) => [p.source.split('/').pop(), p.at])).toEqual([
      ['exceptions.csv', 5],
      ['findings.ndjson', 16],
    ]);
    const acct = (id: string) => run.scores.find((s) => s.scope === 'account' && s.accountId === id)!.score!;
    expect(acct(A)).toBeCloseTo(2 / 3, 12);
    expect(acct(B)).toBeCloseTo(6 / 11, 12);
    expect(acct(C)).toBeCloseTo(5 / 11, 12);
    expect(acct(D)).toBe(0);
    expect(run.scores.find((s) => s.scope === 'owner' && s.owner === 'alice@example.com')!.score).toBeCloseTo(16 / 26, 12);
    expect(run.scores.find((s) => s.scope === 'enterprise')!.score).toBeCloseTo((3000 * (2 / 3) + 1000 * (6 / 11)) / 4000, 12);
    expect(readFileSync(join(out, 'scores.ndjson'), 'utf8').trim().split('\n')).toHaveLength(run.scores.length);
  });

  it('writes one workbook per owner (and the no-owner group) plus the enterprise workbook', () => {
    expect(manifest.owners.map((o) => [o.owner, o.accountIds])).toEqual([
      ['alice@example.com', [A, B]],
      ['bob@example.com', [C]],
      [NO_OWNER, [D]],
    ]);
  });
});

describe('owner workbook', () => {
  it('names the owner, their risk-weighted score, each account score and the matrix', async () => {
    const file = manifest.owners[0]!.file;
    const wb = await open(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Requirements', '111111111111 payments-prod', '222222222222 =HYPERLINK("http__']);
    const summary = wb.getWorksheet('Summary')!;
    const rows = values(summary);
    expect(rows[0]!.slice(0, 2)).toEqual(['Scorecard for', 'alice@example.com']);
    expect(rows[2]![0]).toBe('Risk-weighted score');
    expect(rows[2]![1]).toBeCloseTo(16 / 26, 12);
    expect(summary.getCell('B3').numFmt).toBe('0.0%');
    const header = rows[5]!;
    expect(header.slice(0, 4)).toEqual(['Account ID', 'Account name', 'Executive', 'Account score']);
    expect(header.slice(7)).toEqual(['CSS-S3-01', 'CSS-IAM-01', 'CSS-EC2-01']);
    const a = rows[6]!;
    expect(a.slice(0, 3)).toEqual([A, 'payments-prod', 'vp-eng@example.com']);
    expect(a[3]).toBeCloseTo(2 / 3, 12);
    expect(a.slice(4)).toEqual([6, 2, 2, 0.5, 1, 'n/a']);
    // the account name that looks like a formula is text
    expect(rows[7]![1]).toBe('=HYPERLINK("http://evil.example","click")');
    // frozen header and filters
    expect(summary.views[0]).toMatchObject({ state: 'frozen', ySplit: 6, xSplit: 2 });
    expect(summary.autoFilter).toBe('A6:J8');
    expect(summary.getColumn(2).width).toBe(30);
    expectNoFormulas(wb, file);
  });

  it('lists every non-compliant and excepted resource with its exception on the account sheet', async () => {
    const wb = await open(manifest.owners[0]!.file);
    const rows = values(wb.worksheets[2]!);
    const header = rows[4]!;
    const col = (name: string) => header.indexOf(name);
    const data = rows.slice(5).map((r) => [r[col('Requirement')], r[col('Resource ID')], r[col('Status')], r[col('Exception ID')], r[col('Exception state')]]);
    expect(data).toEqual([
      ['CSS-IAM-01', 'vendor', 'excepted', 'EX-102', 'active'],
      ['CSS-S3-01', '=HYPERLINK("http://evil.example","x")', 'failing', undefined, undefined],
      ['CSS-S3-01', 'legacy-assets', 'failing', 'EX-101', 'expired'],
      ['CSS-S3-01', 'public-website', 'excepted', 'EX-100', 'active'],
    ]);
    const vendor = rows[5]!;
    expect(vendor[col('Exception reason')]).toBe("=cmd|' /C calc'!A0");
    expect(vendor[col('Approved by')]).toBe('ciso@example.com');
    expect(rows[6]![col('Evidence')]).toBe('+cmd|calc!A0');
    const sheetB = values(wb.worksheets[3]!);
    expect(sheetB[5]!.slice(0, 1).concat(sheetB[5]![3], sheetB[5]![7])).toEqual(['CSS-S3-01', '@SUM(1+1)', '-2+3']);
  });

  it("holds no account ID of another owner's accounts, anywhere", async () => {
    for (const o of manifest.owners) {
      const others = run.accounts.map((a) => a.accountId).filter((id) => !o.accountIds.includes(id));
      const wb = await open(o.file);
      const text = JSON.stringify(wb.worksheets.map((ws) => [ws.name, values(ws)]));
      for (const id of others) expect(text, `${o.owner} workbook mentions ${id}`).not.toContain(id);
      for (const id of o.accountIds) expect(text).toContain(id);
      expectNoFormulas(wb, o.file);
    }
  });

  it('the no-owner workbook says why it exists', async () => {
    const wb = await open(manifest.owners[2]!.file);
    const rows = values(wb.getWorksheet('Summary')!);
    expect(rows[0]!.slice(0, 2)).toEqual(['Scorecard for', NO_OWNER]);
    expect(String(rows[1]![1])).toMatch(/no owner tag/);
  });
});

describe('enterprise workbook', () => {
  it('has every account×requirement, accounts with spend, executives with spend-weighted scores', async () => {
    const wb = await open(manifest.enterprise.file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Account requirements', 'Accounts', 'Executives', 'Owners']);
    const cells = values(wb.worksheets[0]!);
    expect(cells).toHaveLength(1 + 4 * 3);
    expect(cells[1]).toEqual([A, 'payments-prod', 'alice@example.com', 'vp-eng@example.com', 'CSS-S3-01', 'S3 buckets block public access', 'critical', 10, 4, 2, 1, 0.5]);
    expect(cells[3]!.slice(-4)).toEqual([0, 0, 0, 'n/a']);
    const accounts = values(wb.worksheets[1]!);
    expect(accounts[0]![0]).toBe('Enterprise score (spend-weighted)');
    expect(accounts[0]![1]).toBeCloseTo((3000 * (2 / 3) + 1000 * (6 / 11)) / 4000, 12);
    expect(accounts[3]!.slice(0, 6)).toEqual(['Account ID', 'Account name', 'Owner', 'Executive', 'Score', 'Monthly spend (USD)']);
    expect(accounts.slice(4).map((r) => [r[0], r[5]])).toEqual([
      [A, 3000],
      [B, 1000],
      [C, 0],
      [D, 'unknown'],
    ]);
    expect(wb.worksheets[1]!.getCell('F5').numFmt).toBe('"$"#,##0.00');
    const execs = values(wb.worksheets[2]!).slice(4);
    expect(execs.map((r) => r.slice(0, 3))).toEqual([
      ['(no executive)', 1, 'unknown'],
      ['vp-data@example.com', 1, 0],
      ['vp-eng@example.com', 2, 4000],
    ]);
    expect(execs[1]![3]).toBeCloseTo(5 / 11, 12);
    expect(execs[2]![3]).toBeCloseTo((3000 * (2 / 3) + 1000 * (6 / 11)) / 4000, 12);
    expectNoFormulas(wb, manifest.enterprise.file);
  });

  it('colours scores red/amber/green with conditional formats', async () => {
    const xml = execFileSync('unzip', ['-p', join(out, manifest.enterprise.file), 'xl/worksheets/sheet1.xml']).toString();
    expect(xml).toContain('<conditionalFormatting sqref="L2:L13">');
    expect(xml).toContain('AND(ISNUMBER(L2),L2&lt;0.7)');
    const styles = execFileSync('unzip', ['-p', join(out, manifest.enterprise.file), 'xl/styles.xml']).toString();
    expect(styles).toMatch(/<dxfs count="[1-9]/);
  });
});

describe('an account with nothing to fix', () => {
  it('says so on its sheet, outside the filtered table', async () => {
    const accounts = [{ accountId: '555555555555', name: 'clean', owner: 'carol@example.com', executive: null, spend: 10 }];
    const requirements = [{ id: 'R1', title: 't', severity: 'low', weight: 1 }];
    const findings = [
      {
        accountId: '555555555555',
        requirementId: 'R1',
        resourceId: 'ok',
        resourceArn: null,
        resourceType: 'AWS::S3::Bucket',
        region: 'us-east-1',
        status: 'PASS' as const,
        evidence: 'fine',
        observedAt: '2026-11-24T00:00:00Z',
      },
    ];
    const result = scoreFindings({ accounts, requirements, findings, exceptions: [], asOf, runAt });
    const dir = mkdtempSync(join(tmpdir(), 'scorecards-clean-'));
    const m = await writeScorecards({ ...result, accounts, requirements, asOf, runAt, outDir: dir });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(dir, m.owners[0]!.file));
    const sheet = wb.worksheets[2]!;
    expect(sheet.getCell('B3').value).toBe(1);
    expect(sheet.autoFilter).toBe('A5:O5');
    expect(sheet.getCell('A7').value).toBe('No non-compliant resources.');
  });
});
