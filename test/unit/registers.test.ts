// Registers that say what is wrong: bytes that are not UTF-8, control characters, object cells, formulas without
// a cached value, extra sheets, a CSV split on the wrong delimiter, and the size and row limits. Real files
// (written with exceljs and Buffers), no mocks.
import ExcelJS from 'exceljs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExceptionRegister, parseExceptionRegister } from '../../registers/exceptions.js';
import { loadTrustRegister, parseTrustRegister } from '../../registers/trusted-accounts.js';
import { InputTooLargeError, readSource, readSourceTagged } from '../../platform/files.js';
import { zipInflatedSize } from '../../registers/cells.js';

const HEADER = 'exceptionId,accountId,requirementId,resourceId,reason,approvedBy,expiresAt';
const row = (id: string, account = '111122223333') => `${id},${account},CSS-S3-01,arn:aws:s3:::b,accepted,ciso@corp.example,2030-01-01`;
const csv = (...lines: string[]) => Buffer.from([HEADER, ...lines].join('\n') + '\n');

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
const xlsxHeader = HEADER.split(',');
const xlsxRow = (id: string): ExcelJS.CellValue[] => [id, '111122223333', 'CSS-S3-01', 'arn:aws:s3:::b', 'accepted', 'ciso@corp.example', '2030-01-01'];

describe('exception register: rows that say what is wrong', () => {
  it('non-UTF-8 bytes in a cell break that row only, named as such', async () => {
    const bytes = Buffer.concat([csv(row('EX-1')), Buffer.from('EX-2,111122223333,CSS-S3-01,arn:aws:s3:::caf'), Buffer.from([0xe9]), Buffer.from(',accepted,ciso@corp.example,2030-01-01\n')]);
    const { entries, problems } = await parseExceptionRegister(bytes, 'csv');
    expect(entries.map((e) => e.exceptionId)).toEqual(['EX-1']);
    expect(problems).toEqual([{ row: 3, reason: 'resourceId: not valid UTF-8' }]);
  });

  it('NUL and other control characters in an ID are row errors; line breaks are fine in the reason only', async () => {
    const bytes = csv(row('EX-1'), row('EX\u00002'), 'EX-3,111122223333,CSS-S3-01,"arn:aws:s3:::b\nx",accepted,ciso@corp.example,2030-01-01', 'EX-4,111122223333,CSS-S3-01,arn:aws:s3:::b,"two\nlines",ciso@corp.example,2030-01-01');
    const { entries, problems } = await parseExceptionRegister(bytes, 'csv');
    expect(entries.map((e) => e.exceptionId)).toEqual(['EX-1', 'EX-4']);
    expect(problems).toEqual([
      { row: 3, reason: 'exceptionId: contains the control character U+0000 at position 3' },
      { row: 4, reason: 'resourceId: contains the control character U+000A at position 15' },
    ]);
  });

  it('JSON object and array cells are row errors, never "[object Object]"', async () => {
    const good = { exceptionId: 'EX-1', accountId: '111122223333', requirementId: 'CSS-S3-01', resourceId: 'r', reason: 'x', approvedBy: 'a', expiresAt: '2030-01-01' };
    const bytes = Buffer.from(JSON.stringify([good, { ...good, exceptionId: 'EX-2', resourceId: { arn: 'r' } }, { ...good, exceptionId: 'EX-3', approvedBy: ['a', 'b'] }]));
    const { entries, problems } = await parseExceptionRegister(bytes, 'json');
    expect(entries.map((e) => e.exceptionId)).toEqual(['EX-1']);
    expect(problems).toEqual([
      { row: 2, reason: 'resourceId: an object, expected a single value' },
      { row: 3, reason: 'approvedBy: a list, expected a single value' },
    ]);
    expect(JSON.stringify(entries)).not.toContain('[object Object]');
  });

  it('XLSX formula cells use their cached value; without one, or showing an error, the row is broken', async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet('Register');
      ws.addRow(xlsxHeader);
      ws.addRow(['EX-1', { formula: '"1111"&"22223333"', result: '111122223333' }, ...xlsxRow('').slice(2)]);
      ws.addRow(['EX-2', { formula: '"1111"&"22223333"' }, ...xlsxRow('').slice(2)]);
      ws.addRow(['EX-3', { error: '#REF!' }, ...xlsxRow('').slice(2)]);
    });
    const { entries, problems } = await parseExceptionRegister(bytes, 'xlsx');
    expect(entries).toMatchObject([{ exceptionId: 'EX-1', accountId: '111122223333' }]);
    expect(problems).toEqual([
      { row: 3, reason: 'accountId: a formula with no cached value (open and save the workbook in Excel, or paste the values)' },
      { row: 4, reason: 'accountId: the cell shows the error #REF!' },
    ]);
  });

  it('names the sheets it did not read', async () => {
    const bytes = await workbook((wb) => {
      wb.addWorksheet('Notes').addRow(['how to fill this in']);
      const ws = wb.addWorksheet('Register');
      ws.addRow(xlsxHeader);
      ws.addRow(xlsxRow('EX-1'));
      wb.addWorksheet('Archive').addRow(xlsxHeader);
    });
    const { entries, notices } = await parseExceptionRegister(bytes, 'xlsx');
    expect(entries.map((e) => e.exceptionId)).toEqual(['EX-1']);
    expect(notices).toEqual(['read sheet "Register"; ignored "Notes", "Archive"']);
    const single = await parseExceptionRegister(await workbook((wb) => wb.addWorksheet('R').addRows([xlsxHeader, xlsxRow('EX-1')])), 'xlsx');
    expect(single.notices).toEqual([]);
  });

  it('a CSV split on semicolons or tabs gets that hint instead of "missing every column"', async () => {
    const semi = Buffer.from(`${HEADER.replaceAll(',', ';')}\n${row('EX-1').replaceAll(',', ';')}\n`);
    await expect(parseExceptionRegister(semi, 'csv', { label: 'reg.csv' })).rejects.toThrow(
      /^reg.csv: the header names none of the columns .*; the header is one column that splits on semicolons into 7 \("exceptionId", "accountId", "requirementId"...\): the file looks semicolon-delimited; save it as comma-separated CSV$/,
    );
    const tab = Buffer.from(`${HEADER.replaceAll(',', '\t')}\n`);
    await expect(parseExceptionRegister(tab, 'csv', { label: 'reg.csv' })).rejects.toThrow(/splits on tabs into 7 .* looks tab-delimited/);
    await expect(parseExceptionRegister(Buffer.from('a,b\n1,2\n'), 'csv', { label: 'reg.csv' })).rejects.toThrow(/^reg.csv: the header names none of the columns [^;]*$/);
  });

  it('a UTF-16 file is refused with a hint', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n`, 'utf16le')]);
    await expect(parseExceptionRegister(utf16, 'csv', { label: 'reg.csv' })).rejects.toThrow('reg.csv: the file is UTF-16; save it as UTF-8 (Excel: "CSV UTF-8")');
  });
});

describe('exception register: limits', () => {
  it('refuses more rows than the limit, in every format, naming the limit', async () => {
    await expect(parseExceptionRegister(csv(row('A'), row('B'), row('C')), 'csv', { label: 'r.csv', maxRows: 2 })).rejects.toThrow('r.csv: more than 2 rows, the limit for a register');
    expect((await parseExceptionRegister(csv(row('A'), row('B')), 'csv', { maxRows: 2 })).entries).toHaveLength(2);
    const json = Buffer.from(JSON.stringify([1, 2, 3]));
    await expect(parseExceptionRegister(json, 'json', { label: 'r.json', maxRows: 2 })).rejects.toThrow('r.json: 3 entries, more than the limit of 2');
    const xlsx = await workbook((wb) => wb.addWorksheet('R').addRows([xlsxHeader, xlsxRow('A'), xlsxRow('B'), xlsxRow('C')]));
    await expect(parseExceptionRegister(xlsx, 'xlsx', { label: 'r.xlsx', maxRows: 2 })).rejects.toThrow('r.xlsx: sheet "R" has more than 2 rows');
  });

  it('refuses a workbook that inflates past the limit before parsing it (its zip directory)', async () => {
    // a padded workbook: one cell of 2 MB of spaces compresses to a few KB
    const padded = await workbook((wb) => wb.addWorksheet('R').addRows([xlsxHeader, ['x'.padEnd(2_000_000, ' ')]]));
    expect(padded.length).toBeLessThan(100_000);
    expect(zipInflatedSize(padded)).toBeGreaterThan(2_000_000);
    await expect(parseExceptionRegister(padded, 'xlsx', { label: 'r.xlsx', maxInflatedBytes: 1_000_000 })).rejects.toThrow(/^r.xlsx: the workbook inflates to \d+ bytes, over the 1000000-byte limit/);
    await expect(parseExceptionRegister(Buffer.from('PK not a zip'), 'xlsx', { label: 'r.xlsx' })).rejects.toThrow(/^r.xlsx: not a readable XLSX workbook/);
  });

  it('abandons a workbook read that outlasts its time limit (the last guard against a reader that hangs)', async () => {
    const xlsx = await workbook((wb) => wb.addWorksheet('R').addRows([xlsxHeader, xlsxRow('A')]));
    await expect(parseExceptionRegister(xlsx, 'xlsx', { label: 'r.xlsx', maxSeconds: 0.001 })).rejects.toThrow('r.xlsx: reading the workbook did not finish within 0.001 s');
    expect((await parseExceptionRegister(xlsx, 'xlsx', { label: 'r.xlsx' })).entries).toHaveLength(1);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registers-'));
    const path = join(dir, 'big.csv');
    writeFileSync(path, csv(row('A'), row('B')));
    await expect(loadExceptionRegister(path, { maxBytes: 50 })).rejects.toThrow(`${path}: ${csv(row('A'), row('B')).length} bytes, over the 50-byte limit for this input`);
    expect((await loadExceptionRegister(path)).entries).toHaveLength(2);
    await expect(readSource(path, { maxBytes: 10 })).rejects.toBeInstanceOf(InputTooLargeError);
  });

  it('tags a local source by size and mtime, and answers "unchanged" for the same tag without reading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registers-'));
    const path = join(dir, 'r.csv');
    writeFileSync(path, csv(row('A')));
    const first = await readSourceTagged(path);
    if (first === 'unchanged') throw new Error('first read cannot be unchanged');
    expect(await readSourceTagged(path, { ifNoneMatch: first.tag })).toBe('unchanged');
    writeFileSync(path, csv(row('A'), row('B')));
    expect(await readSourceTagged(path, { ifNoneMatch: first.tag })).not.toBe('unchanged');
  });
});

describe('trusted-accounts register: rows that say what is wrong', () => {
  it('control characters, object cells and non-UTF-8 bytes break the row; the rest goes on', () => {
    const bytes = Buffer.concat([
      Buffer.from('accountId,name,approved,note\n464622532012,Datadog,yes,vendor\n111122223333,Bad\u0000Name,yes,\n'),
      Buffer.from('222233334444,Caf'),
      Buffer.from([0xe9]),
      Buffer.from(',no,\n'),
    ]);
    const { register, problems } = parseTrustRegister(bytes, 'csv', 't.csv');
    expect([...register.keys()]).toEqual(['464622532012']);
    expect(problems).toEqual([
      { source: 't.csv', row: 3, reason: 'name: contains the control character U+0000 at position 4' },
      { source: 't.csv', row: 4, reason: 'name: not valid UTF-8' },
    ]);
    const json = parseTrustRegister(JSON.stringify([{ accountId: '464622532012', name: { x: 1 } }]), 'json', 't.json');
    expect(json.problems).toEqual([{ source: 't.json', row: 1, reason: 'name: an object, expected a single value' }]);
  });

  it('a semicolon CSV gets the hint; the row limit holds', async () => {
    expect(() => parseTrustRegister('accountId;name;approved\n464622532012;Datadog;yes\n', 'csv', 't.csv')).toThrow(/t.csv: cannot parse trusted-accounts register: the header names no accountId column; the header is one column that splits on semicolons/);
    const many = `accountId,name\n${Array.from({ length: 5 }, (_, i) => `${String(i).padStart(12, '1')},n`).join('\n')}\n`;
    expect(() => parseTrustRegister(many, 'csv', 't.csv', { maxRows: 3 })).toThrow(/t.csv: \d+ entries, more than the limit of 3/);
    const dir = mkdtempSync(join(tmpdir(), 'trust-'));
    writeFileSync(join(dir, 't.csv'), many);
    await expect(loadTrustRegister([join(dir, 't.csv')], undefined, { maxBytes: 20 })).rejects.toBeInstanceOf(InputTooLargeError);
  });
});
