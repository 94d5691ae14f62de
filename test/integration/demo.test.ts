// `census demo` at small scale: the summary's numbers must match what the synthetic organization planted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceTypes } from '../../collectors/all.js';
import { runDemo, type DemoResult } from '../../scripts/demo/run-demo.js';
import { checkOnePageWide } from '../../scoring/scorecards/print.js';
import { testIndexPrefix } from './processors-helpers.js';

/**
 * Types the services add to themselves: a default VPC and security group per account and region, and an
 * AWS-managed KMS key (aws/dynamodb) when a table is encrypted with KMS. The demo sees at least what was planted.
 */
const SERVICE_CREATED = new Set(['AWS::EC2::VPC', 'AWS::EC2::SecurityGroup', 'AWS::KMS::Key']);

describe('census demo on a small synthetic organization', () => {
  const name = testIndexPrefix('demo'); // its indexes are removed after the file
  const out = join(tmpdir(), name);
  let result: DemoResult;

  // a different organization each run; the seed is logged so a failing run can be replayed (CENSUS_DEMO_TEST_SEED=<seed>)
  const seed = Number(process.env.CENSUS_DEMO_TEST_SEED) || 4242 + Math.floor(Math.random() * 1000);
  console.info(`demo test: seed ${seed} (replay with CENSUS_DEMO_TEST_SEED=${seed})`);

  beforeAll(async () => {
    result = await runDemo({ accounts: 6, seed, out, name, json: true, startStack: false, reset: false, regions: ['us-east-1', 'eu-west-1'] });
  }, 600_000);

  it('inventories twice and follows one event: the unchanged second run writes no latest/ object, the event is searchable', () => {
    const f = result.summary.followingChange!;
    console.info(`demo following change: ${JSON.stringify(f)}`);
    expect(f.firstRun.latestPuts).toBeGreaterThan(0);
    // only what moto itself moved between the runs lands again (an instance leaving "pending", say): next to nothing
    expect(f.secondRun.latestPuts).toBeLessThan(f.firstRun.latestPuts / 10);
    expect(f.secondRun.feedLines).toBeLessThan(f.firstRun.feedLines);
    // most of the second run's resources were recognised unchanged by their fingerprints, nothing derived again
    expect(f.secondRun.recalled).toBeGreaterThan(f.firstRun.latestPuts / 2);
    expect(f.secondRun.unchanged).toBeGreaterThanOrEqual(f.secondRun.recalled!);
    // every resource of the first run was a creation; the followed queue came later
    expect(f.changes.created).toBeGreaterThanOrEqual(f.firstRun.latestPuts);
    expect(f.eventToSearchableMs).toBeGreaterThan(0);
  });

  it('counts every account of every payer organization', () => {
    const { summary, manifest } = result;
    expect(summary.accounts).toBe(manifest.accounts.length + manifest.payers.length);
  });

  it('finds exactly the planted resources of every collected type', () => {
    const { summary, manifest } = result;
    const collected = new Set(resourceTypes());
    const members = manifest.accounts.length;
    for (const [type, planted] of Object.entries(manifest.planted)) {
      if (!collected.has(type)) continue;
      // every member account also holds the OrganizationAccountAccessRole that CreateAccount made
      const expected = type === 'AWS::IAM::Role' ? planted + members : planted;
      if (SERVICE_CREATED.has(type)) expect(summary.resourcesByType[type], type).toBeGreaterThanOrEqual(expected);
      else expect(summary.resourcesByType[type], type).toBe(expected);
    }
  });

  it('fails every planted public bucket and credits only the active exception', () => {
    const { summary, manifest } = result;
    const publicBuckets = manifest.problems.publicBuckets.length;
    const s3 = summary.findingsByRequirement['CSS-S3-01'];
    expect(s3?.fail ?? 0).toBe(publicBuckets);
    const today = new Date().toISOString().slice(0, 10);
    const active = manifest.exceptions.filter((e) => e.requirementId === 'CSS-S3-01' && e.expiresAt >= today).length;
    expect(s3?.excepted ?? 0).toBe(active);
  });

  it('reports the unknown external accounts the roles trust', () => {
    const { summary, manifest } = result;
    if (!resourceTypes().includes('AWS::IAM::Role')) return;
    expect(summary.unknownTrustedAccounts.map((u) => u.accountId)).toEqual(manifest.unknownExternalAccounts);
  });

  it('scores the enterprise and writes one workbook per owner plus the enterprise workbook', async () => {
    const { summary, manifest } = result;
    expect(summary.enterpriseScore).toBeGreaterThan(0);
    expect(summary.enterpriseScore).toBeLessThan(1);
    const owners = new Set(manifest.accounts.map((a) => a.owner));
    // payer accounts carry no owner tag: they are scored under "(no owner)", in the unowned-accounts book
    expect(summary.workbooks.length).toBe(owners.size + 2);
    expect(summary.workbooks.some((f) => /unowned-accounts-/.test(f))).toBe(true);
    for (const file of summary.workbooks) expect(existsSync(file), file).toBe(true);
    const enterprise = new ExcelJS.Workbook();
    await enterprise.xlsx.readFile(summary.workbooks.find((f) => f.includes('enterprise'))!);
    const sheets = enterprise.worksheets.map((w) => w.name);
    expect(sheets[0]).toBe('Summary');
    expect(sheets).toEqual(expect.arrayContaining(['Accounts', 'Executives', 'Owners']));
    expect(sheets.some((n) => /^Matrix( 1 of \d+)?$/.test(n))).toBe(true);
    const accountsSheet = enterprise.getWorksheet('Accounts')!;
    const accountRows: string[] = [];
    accountsSheet.eachRow((row) => {
      const id = String(row.getCell(1).value ?? '');
      if (/^\d{12}$/.test(id)) accountRows.push(id);
    });
    expect(accountRows.length).toBe(summary.accounts);
    // printed (LibreOffice, A4 landscape): every sheet of an owner's and of the enterprise book one page wide
    for (const file of [summary.workbooks.find((f) => /owner-/.test(f))!, summary.workbooks.find((f) => f.includes('enterprise'))!]) {
      expect((await checkOnePageWide(file, out)).problems, file).toEqual([]);
    }
    expect(summary.deadLetters).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).accounts).toBe(summary.accounts);
  });
});
