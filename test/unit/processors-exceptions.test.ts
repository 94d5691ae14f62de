import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { FindingRecord } from '../../core/schemas.js';
import { loadExceptionRegister, parseExceptionRegister, withException } from '../../registers/exceptions.js';

const fixture = new URL('../fixtures/processors/register-broken.csv', import.meta.url).pathname;
const known = ['CSS-S3-01', 'CSS-S3-02'];

describe('exception register', () => {
  it('reports broken CSV rows with row number and reason and keeps the good rows', async () => {
    const { entries, problems } = await loadExceptionRegister(fixture, { knownRequirementIds: known });
    expect(entries.map((e) => e.exceptionId)).toEqual(['EX-1', 'EX-6']);
    expect(problems).toEqual([
      { row: 3, reason: expect.stringContaining('accountId') },
      { row: 4, reason: 'requirementId: unknown requirement "CSS-IAM-99"' },
      { row: 5, reason: expect.stringMatching(/expiresAt: "31\/12\/2099" is not a date/) },
      { row: 6, reason: 'missing resourceId' },
      { row: 8, reason: 'exceptionId: duplicate of row 2' },
    ]);
  });

  it('accepts any requirement when no catalog is given', async () => {
    const { entries } = await loadExceptionRegister(fixture);
    expect(entries.map((e) => e.exceptionId)).toContain('EX-3');
  });

  it('reads JSON arrays and rejects impossible dates', async () => {
    const json = JSON.stringify([
      { exceptionId: 'J1', accountId: '333333333333', requirementId: 'R', resourceId: 'x', reason: 'r', approvedBy: 'a', expiresAt: '2030-02-30' },
      { exceptionId: 'J2', accountId: '333333333333', requirementId: 'R', resourceId: 'x', reason: 'r', approvedBy: 'a', expiresAt: '2030-02-28T10:00:00Z' },
      'nope',
    ]);
    const { entries, problems } = await parseExceptionRegister(Buffer.from(json), 'json');
    expect(entries).toEqual([expect.objectContaining({ exceptionId: 'J2', expiresAt: '2030-02-28' })]);
    expect(problems).toEqual([
      { row: 1, reason: 'expiresAt: "2030-02-30" is not a calendar date' },
      { row: 3, reason: 'not an object' },
    ]);
  });

  it('reads XLSX with numeric account IDs, real dates and hyperlinks', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Register');
    ws.addRow(['Exception ID', 'Account ID', 'Requirement ID', 'Resource ID', 'Reason', 'Approved By', 'Expires At']);
    ws.addRow(['X1', 12345678901, 'CSS-S3-01', 'bucket', 'ok', { text: 'ciso@example.com', hyperlink: 'mailto:ciso@example.com' }, new Date(Date.UTC(2031, 5, 30))]);
    ws.addRow(['X2', '444444444444', 'CSS-S3-01', 'bucket', 'ok', 'ciso', 'soon']);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const { entries, problems } = await parseExceptionRegister(bytes, 'xlsx');
    expect(entries).toEqual([
      { exceptionId: 'X1', accountId: '012345678901', requirementId: 'CSS-S3-01', resourceId: 'bucket', reason: 'ok', approvedBy: 'ciso@example.com', expiresAt: '2031-06-30' },
    ]);
    expect(problems).toEqual([{ row: 3, reason: expect.stringContaining('expiresAt: "soon" is not a date') }]);
  });

  it('names the file and the cause for unreadable input', async () => {
    await expect(loadExceptionRegister('/nonexistent/register.csv')).rejects.toThrow(/cannot read \/nonexistent\/register.csv: ENOENT/);
    await expect(loadExceptionRegister('register.txt')).rejects.toThrow(/unsupported register format/);
    await expect(parseExceptionRegister(Buffer.from('{'), 'json', { label: 'r.json' })).rejects.toThrow(/r.json: not valid JSON/);
    await expect(parseExceptionRegister(Buffer.from('not a zip'), 'xlsx')).rejects.toThrow(/not a readable XLSX/);
  });

  it('marks a finding with the matching entry, expired ones inactive', async () => {
    const { entries } = await parseExceptionRegister(readFileSync(fixture), 'csv');
    const index = new ExceptionIndex(entries);
    const base: FindingRecord = {
      recordType: 'finding', schemaVersion: '1.0', findingId: 'f1', requirementId: 'CSS-S3-01', status: 'FAIL', severity: 'high',
      resourceType: 'AWS::S3::Bucket', resourceId: 'logs-bucket', resourceArn: 'arn:aws:s3:::logs-bucket', accountId: '111111111111',
      region: 'us-east-1', source: 'census', evidence: 'e', observedAt: '2026-11-24T10:00:00Z',
    };
    expect(withException(base, index).exception).toMatchObject({ exceptionId: 'EX-1', active: true });
    const expired = withException({ ...base, accountId: '222222222222', requirementId: 'CSS-S3-02', resourceId: 'i-0abc', resourceArn: null }, index);
    expect(expired.exception).toMatchObject({ exceptionId: 'EX-6', active: false });
    expect(withException({ ...base, resourceId: 'other', resourceArn: null }, index).exception).toBeUndefined();
    // an empty register (the processors skip matching then): an exception a replayed finding still carries is dropped
    const empty = new ExceptionIndex([]);
    expect(empty.empty).toBe(true);
    expect(index.empty).toBe(false);
    const stale = withException({ ...base, exception: { exceptionId: 'EX-1', reason: 'r', approvedBy: 'a', expiresAt: '2026-12-31', active: true } }, empty);
    expect(stale).not.toHaveProperty('exception');
    expect(withException(base, empty)).toBe(base);
  });
});
