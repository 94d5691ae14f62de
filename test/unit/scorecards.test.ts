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

  it('writes one workbook per owner, one for the accounts without an owner, and the enterprise workbook', () => {
    expect(manifest.owners.map((o) => [o.owner, o.accountIds])).toEqual([
      ['alice@example.com', [A, B]],
      ['bob@example.com', [C]],
    ]);
    expect(manifest.unowned).toMatchObject({ file: `unowned-accounts-${asOf}.xlsx`, accountIds: [D] });
  });
});

/** The row index of the first row whose first cell is `label`. */
const rowOf = (rows: unknown[][], label: string) => rows.findIndex((r) => r?.[0] === label);
/** The rows of the Summary block under `heading`: from the row after its header to the first empty row. */
function block(rows: unknown[][], heading: RegExp): unknown[][] {
  const at = rows.findIndex((r) => typeof r?.[0] === 'string' && heading.test(r[0]));
  expect(at, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const out: unknown[][] = [];
  for (let i = at + 2; i < rows.length && rows[i]?.length; i++) out.push(rows[i]!);
  return out;
}

describe('owner workbook', () => {
  it('Summary: owner, score, changes, the top fixes with their gain from the scoring core', async () => {
    const file = manifest.owners[0]!.file;
    const wb = await open(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Matrix', '111111111111 payments-prod', '222222222222 =HYPERLINK("http__']);
    const rows = values(wb.getWorksheet('Summary')!);
    expect(rows[rowOf(rows, 'Scorecard for')]![1]).toBe('alice@example.com');
    const score = rows[rowOf(rows, 'Risk-weighted score')]!;
    expect(score[1]).toBeCloseTo(16 / 26, 12);
    // no earlier run was given: the changes say so
    expect(rows[rowOf(rows, 'Change since the previous run')]![1]).toBe('n/a');
    const fixes = block(rows, /^Top 5 fixes/);
    const expected = run.scores
      .filter((s) => s.scope === 'owner-requirement' && s.owner === 'alice@example.com' && s.failing! > 0)
      .sort((a, b) => b.gain! - a.gain!);
    expect(fixes.map((r) => r.slice(0, 4))).toEqual(expected.map((s) => [s.requirementId, s.title, s.failing, Math.round(s.gain! * 1000) / 10]));
    expectNoFormulas(wb, file);
  });

  it('Matrix: one row per account, requirement ID and title over each score', async () => {
    const wb = await open(manifest.owners[0]!.file);
    const rows = values(wb.getWorksheet('Matrix')!);
    const header = rows.find((r) => r?.[0] === 'Account')!;
    expect(header.slice(3)).toEqual(['CSS-S3-01 S3 buckets block public access', 'CSS-IAM-01 IAM roles trust only known accounts', 'CSS-EC2-01 EBS volumes are encrypted']);
    const a = rows.find((r) => r?.[0] === `${A} payments-prod`)!;
    expect(a[1]).toBeCloseTo(2 / 3, 12);
    expect(a.slice(3)).toEqual([0.5, 1, 'n/a']);
    // the account name that looks like a formula is text
    expect(rows.some((r) => r?.[0] === `${B} =HYPERLINK("http://evil.example","click")`)).toBe(true);
  });

  it('account sheet: heaviest requirement first, with title, remediation and the exception', async () => {
    const wb = await open(manifest.owners[0]!.file);
    const sheet = wb.worksheets[2]!;
    const rows = values(sheet);
    expect(rows[1]![0]).toBe('Account score: 66.7%');
    const header = rows[4]!;
    const col = (name: string) => header.indexOf(name);
    const data = rows.slice(5).map((r) => [r[col('Severity')], r[col('Requirement')], String(r[col('Resource')]).replace(/^arn:aws:(s3:::|iam::\d{12}:role\/)/, ''), r[col('Status')], r[col('Exception ID')], r[col('Exception state')]]);
    expect(data).toEqual([
      ['critical', 'CSS-S3-01', '=HYPERLINK("http://evil.example","x")', 'failing', undefined, undefined],
      ['critical', 'CSS-S3-01', 'legacy-assets', 'failing', 'EX-101', 'expired'],
      ['critical', 'CSS-S3-01', 'public-website', 'excepted', 'EX-100', 'active'],
      ['high', 'CSS-IAM-01', 'vendor', 'excepted', 'EX-102', 'active'],
    ]);
    const vendor = rows[8]!;
    expect(vendor[col('Title')]).toBe('IAM roles trust only known accounts');
    expect(vendor[col('Exception reason')]).toBe("=cmd|' /C calc'!A0");
    expect(vendor[col('Approved by')]).toBe('ciso@example.com');
    expect(rows[5]![col('Evidence')]).toBe('+cmd|calc!A0');
    // printing: landscape, one page wide, the header row repeated on every page
    expect(sheet.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '5:5' });
    const sheetB = values(wb.worksheets[3]!);
    const colB = (name: string) => sheetB[4]!.indexOf(name);
    expect([sheetB[5]![colB('Requirement')], sheetB[5]![colB('Resource')], sheetB[5]![colB('Evidence')]]).toEqual(['CSS-S3-01', 'arn:aws:s3:::@SUM(1+1)', '-2+3']);
  });

  it("holds no account ID of another owner's accounts, anywhere", async () => {
    const books = [...manifest.owners, { owner: NO_OWNER, ...manifest.unowned! }];
    for (const o of books) {
      const others = run.accounts.map((a) => a.accountId).filter((id) => !o.accountIds.includes(id));
      const wb = await open(o.file);
      const text = JSON.stringify(wb.worksheets.map((ws) => [ws.name, values(ws)]));
      for (const id of others) expect(text, `${o.owner} workbook mentions ${id}`).not.toContain(id);
      for (const id of o.accountIds) expect(text).toContain(id);
      expectNoFormulas(wb, o.file);
    }
  });

  it('the unowned-accounts workbook says why it exists', async () => {
    const wb = await open(manifest.unowned!.file);
    const rows = values(wb.getWorksheet('Summary')!);
    expect(String(rows[rowOf(rows, 'Scorecard for')]![1])).toMatch(/^\(no owner\): accounts without an owner tag/);
    expect(JSON.stringify(rows)).toMatch(/tag them so their owner gets this scorecard/);
  });
});

describe('enterprise workbook', () => {
  it('opens on a Summary: score, executives ranked, worst accounts, most common failures', async () => {
    const wb = await open(manifest.enterprise.file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'Matrix', 'Accounts', 'Executives', 'Owners']);
    const rows = values(wb.worksheets[0]!);
    expect(rows[rowOf(rows, 'Enterprise score (spend-weighted)')]![1]).toBeCloseTo((3000 * (2 / 3) + 1000 * (6 / 11)) / 4000, 12);
    const execs = block(rows, /^Executives, by score/);
    // lowest score first: the sandbox (0%) of no executive, vp-data (5/11), vp-eng
    expect(execs.map((r) => [r[0], r[3], r[4]])).toEqual([
      ['(no executive)', 'unknown', 1],
      ['vp-data@example.com', 0, 1],
      ['vp-eng@example.com', 4000, 2],
    ]);
    const worst = block(rows, /lowest scores/);
    expect(worst.map((r) => [r[0], r[1]])).toEqual([
      [`${D} sandbox`, NO_OWNER],
      [`${C} data-lake`, 'bob@example.com'],
      [`${B} =HYPERLINK("http://evil.example","click")`, 'alice@example.com'],
      [`${A} payments-prod`, 'alice@example.com'],
    ]);
    const common = block(rows, /most common failing/);
    expect(common[0]![0]).toMatch(/^CSS-S3-01 /);
    expectNoFormulas(wb, manifest.enterprise.file);
  });

  it('then the account × requirement matrix, accounts worst first with spend, executives, owners', async () => {
    const wb = await open(manifest.enterprise.file);
    const matrix = values(wb.getWorksheet('Matrix')!);
    expect(matrix[0]!.slice(0, 5)).toEqual(['Account ID', 'Account name', 'Owner', 'Account score', 'CSS-S3-01 S3 buckets block public access']);
    expect(matrix).toHaveLength(1 + 4);
    expect(matrix[1]!.slice(0, 3)).toEqual([A, 'payments-prod', 'alice@example.com']);
    expect(matrix[1]!.slice(4)).toEqual([0.5, 1, 'n/a']);
    const accounts = values(wb.getWorksheet('Accounts')!);
    expect(accounts[0]!.slice(0, 7)).toEqual(['Account ID', 'Account name', 'Owner', 'Executive', 'Score', 'Change since previous run', 'Monthly spend (USD)']);
    expect(accounts.slice(1).map((r) => [r[0], r[6]])).toEqual([
      [D, 'unknown'],
      [C, 0],
      [B, 1000],
      [A, 3000],
    ]);
    expect(wb.getWorksheet('Accounts')!.getCell('G5').numFmt).toBe('"$"#,##0.00');
    const execs = values(wb.getWorksheet('Executives')!).slice(1);
    expect(execs.map((r) => r.slice(0, 3))).toEqual([
      ['(no executive)', 1, 'unknown'],
      ['vp-data@example.com', 1, 0],
      ['vp-eng@example.com', 2, 4000],
    ]);
    expect(execs[1]![3]).toBeCloseTo(5 / 11, 12);
  });

  it('colours scores red/amber/green with conditional formats', async () => {
    const xml = execFileSync('unzip', ['-p', join(out, manifest.enterprise.file), 'xl/worksheets/sheet2.xml']).toString();
    expect(xml).toContain('<conditionalFormatting sqref="D2:D5">');
    expect(xml).toContain('AND(ISNUMBER(D2),D2&lt;0.7)');
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
    expect(sheet.getCell('A2').value).toBe('Account score: 100.0%');
    expect(sheet.autoFilter).toBe('A5:M5');
    expect(sheet.getCell('A7').value).toBe('No non-compliant resources.');
    // and its Summary has no fix to offer
    expect(JSON.stringify(values(wb.getWorksheet('Summary')!))).toContain('Nothing to fix: no failing resource.');
  });
});

describe('gains in the owner Summary (hand-made cases)', () => {
  const X = '666666666666';
  const Y = '777777777777';
  const requirements = [
    { id: 'R10', title: 'heavy', severity: 'critical', weight: 10, remediation: 'fix the heavy one' },
    { id: 'R1', title: 'light', severity: 'low', weight: 1, remediation: 'fix the light ones' },
  ];
  const f = (accountId: string, requirementId: string, resourceId: string, status: 'PASS' | 'FAIL') => ({
    accountId,
    requirementId,
    resourceId,
    resourceArn: null,
    resourceType: 'AWS::S3::Bucket',
    region: 'us-east-1',
    status,
    evidence: 'e',
    observedAt: '2026-11-24T00:00:00Z',
  });

  it('one failing resource of a weight-10 requirement comes before five of a weight-1 one; a single-requirement account gains the rest', async () => {
    const accounts = [
      { accountId: X, name: 'x', owner: 'olga@example.com', executive: null, spend: 1 },
      { accountId: Y, name: 'y', owner: 'pete@example.com', executive: null, spend: 1 },
    ];
    const findings = [
      f(X, 'R10', 'h1', 'FAIL'),
      f(X, 'R10', 'h2', 'PASS'),
      ...[1, 2, 3, 4, 5].map((i) => f(X, 'R1', `l${i}`, 'FAIL')),
      // pete: one account, one requirement, 3 of 4 failing
      ...[1, 2, 3].map((i) => f(Y, 'R1', `p${i}`, 'FAIL')),
      f(Y, 'R1', 'p4', 'PASS'),
    ];
    const result = scoreFindings({ accounts, requirements, findings, exceptions: [], asOf, runAt });
    const dir = mkdtempSync(join(tmpdir(), 'scorecards-gains-'));
    const m = await writeScorecards({ ...result, accounts, requirements, asOf, runAt, outDir: dir });
    const summaryOf = async (file: string) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(join(dir, file));
      return block(values(wb.getWorksheet('Summary')!), /^Top 5 fixes/);
    };
    // olga: (10·0.5 + 1·0)/11 → R10 gains 5/11 (45.5 points), R1 1/11 (9.1 points)
    expect(await summaryOf(m.owners[0]!.file)).toEqual([
      ['R10', 'heavy', 1, 45.5, 'fix the heavy one'],
      ['R1', 'light', 5, 9.1, 'fix the light ones'],
    ]);
    // pete: 25% → 100% by fixing his one requirement
    expect(await summaryOf(m.owners[1]!.file)).toEqual([['R1', 'light', 3, 75, 'fix the light ones']]);
    expect(m.owners[0]!.fixes!.map((x) => x.requirementId)).toEqual(['R10', 'R1']);
  });
});
