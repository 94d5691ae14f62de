// The risk register loader: CSV, JSON or XLSX, from a local file or an s3:// URL. Broken rows are
// reported (row number + reason) and skipped; the good rows still apply. Matching is core/exceptions.ts.
import type { S3Client } from '@aws-sdk/client-s3';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { extname } from 'node:path';
import { ExceptionIndex } from '../core/exceptions.js';
import { ExceptionEntry, type FindingRecord } from '../core/schemas.js';

export interface RegisterProblem {
  /** row number as a person sees it: the spreadsheet/CSV line (header is row 1), or the 1-based item of a JSON array */
  row: number;
  reason: string;
}

export interface ExceptionRegister {
  entries: ExceptionEntry[];
  problems: RegisterProblem[];
}

export interface RegisterOptions {
  /** when given, an entry naming a requirement outside the catalog is a broken row */
  knownRequirementIds?: Iterable<string>;
  s3?: S3Client;
}

const COLUMNS = ['exceptionId', 'accountId', 'requirementId', 'resourceId', 'reason', 'approvedBy', 'expiresAt'] as const;
type Column = (typeof COLUMNS)[number];
type Cell = string | number | boolean | Date | null | undefined;

/** `Exception ID`, `exception_id` and `exceptionid` all name the exceptionId column. */
const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');
const columnByHeader = new Map(COLUMNS.map((c) => [normalizeHeader(c), c]));

/** Bytes from a local path or an s3:// URL (its home is platform/source.ts). */
export { readSource } from '../platform/source.js';
import { readSource } from '../platform/source.js';

export type RegisterFormat = 'csv' | 'json' | 'xlsx';

export function registerFormat(source: string): RegisterFormat {
  const ext = extname(source.replace(/\?.*$/, '')).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.xlsx') return 'xlsx';
  throw new Error(`${source}: unsupported register format "${ext || '(none)'}" (use .csv, .json or .xlsx)`);
}

/** Load and validate the register. Throws only when the source as a whole is unreadable. */
export async function loadExceptionRegister(source: string, opts: RegisterOptions = {}): Promise<ExceptionRegister> {
  const format = registerFormat(source);
  const bytes = await readSource(source, opts.s3);
  return parseExceptionRegister(bytes, format, { ...opts, label: source });
}

/** The pure part: bytes in a known format to entries and problems. */
export async function parseExceptionRegister(
  bytes: Buffer,
  format: RegisterFormat,
  opts: RegisterOptions & { label?: string } = {},
): Promise<ExceptionRegister> {
  const label = opts.label ?? `${format} register`;
  const rows = format === 'csv' ? csvRows(bytes, label) : format === 'json' ? jsonRows(bytes, label) : await xlsxRows(bytes, label);
  return validateRows(rows, opts.knownRequirementIds ? new Set(opts.knownRequirementIds) : undefined);
}

interface RawRow {
  row: number;
  cells: Record<string, Cell>;
}

function csvRows(bytes: Buffer, label: string): RawRow[] {
  let records: string[][];
  try {
    records = parseCsv(bytes, { bom: true, skip_empty_lines: false, relax_column_count: true, trim: true });
  } catch (err) {
    throw new Error(`${label}: not valid CSV: ${(err as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header) throw new Error(`${label}: empty file, expected a header row with ${COLUMNS.join(', ')}`);
  return body
    .map((values, i) => ({ row: i + 2, cells: Object.fromEntries(header.map((h, j) => [h, values[j]])) }))
    .filter((r) => Object.values(r.cells).some((v) => v !== undefined && v !== ''));
}

function jsonRows(bytes: Buffer, label: string): RawRow[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${label}: not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { exceptions?: unknown } | null)?.exceptions;
  if (!Array.isArray(list)) throw new Error(`${label}: expected a JSON array of entries (or {"exceptions": [...]})`);
  return list.map((item, i) => ({
    row: i + 1,
    cells: typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, Cell>) : { __notAnObject: String(item) },
  }));
}

/** A cell's value as people see it: rich text joined, hyperlinks by their text, formulas by their result. */
function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v !== 'object') return v as Cell;
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('text' in v && typeof v.text === 'string') return v.text;
  if ('result' in v) return cellValue(v.result as ExcelJS.CellValue);
  if ('error' in v) return null;
  return String(v);
}

async function xlsxRows(bytes: Buffer, label: string): Promise<RawRow[]> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new Error(`${label}: not a readable XLSX workbook: ${(err as Error).message}`);
  }
  // The sheet whose header names the columns, else the first one.
  const sheets = wb.worksheets;
  const ws = sheets.find((s) => headerOf(s).some((h) => columnByHeader.get(normalizeHeader(h)) === 'exceptionId')) ?? sheets[0];
  if (!ws) throw new Error(`${label}: the workbook has no sheets`);
  const header = headerOf(ws);
  const rows: RawRow[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber === 1) return;
    const cells: Record<string, Cell> = {};
    header.forEach((h, j) => (cells[h] = cellValue(row.getCell(j + 1).value)));
    if (Object.values(cells).some((c) => c !== null && c !== '')) rows.push({ row: rowNumber, cells });
  });
  return rows;
}

function headerOf(ws: ExcelJS.Worksheet): string[] {
  const values = ws.getRow(1).values as ExcelJS.CellValue[];
  return values.slice(1).map((v) => String(cellValue(v) ?? ''));
}

const pad = (n: number) => String(n).padStart(2, '0');
const utcDate = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** Normalize one cell into the string the schema checks; returns an error message for values that cannot be one. */
function normalizeCell(column: Column, v: Cell): string | { error: string } | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  if (column === 'expiresAt') {
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? { error: 'expiresAt: not a date' } : utcDate(v);
    const s = String(v).trim();
    // A full timestamp counts for its UTC day: entries are active through the end of that day.
    if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
      const d = new Date(s);
      return Number.isNaN(d.getTime()) ? { error: `expiresAt: "${s}" is not a date (use YYYY-MM-DD)` } : utcDate(d);
    }
    if (/^\d{4}-\d{2}-\d{2}$/.test(s) && utcDate(new Date(`${s}T00:00:00Z`)) !== s) return { error: `expiresAt: "${s}" is not a calendar date` };
    return s;
  }
  // Spreadsheets turn account IDs into numbers and drop leading zeros.
  if (column === 'accountId' && typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e12) return String(v).padStart(12, '0');
  if (v instanceof Date) return v.toISOString();
  return String(v).trim();
}

function validateRows(rows: RawRow[], knownRequirementIds: Set<string> | undefined): ExceptionRegister {
  const entries: ExceptionEntry[] = [];
  const problems: RegisterProblem[] = [];
  const seen = new Map<string, number>();
  for (const { row, cells } of rows) {
    if ('__notAnObject' in cells) {
      problems.push({ row, reason: 'not an object' });
      continue;
    }
    const candidate: Partial<Record<Column, string>> = {};
    const reasons: string[] = [];
    for (const [header, value] of Object.entries(cells)) {
      const column = columnByHeader.get(normalizeHeader(header));
      if (!column) continue;
      const n = normalizeCell(column, value);
      if (typeof n === 'object') reasons.push(n.error);
      else if (n !== undefined) candidate[column] = n;
    }
    const missing = COLUMNS.filter((c) => candidate[c] === undefined && !reasons.some((r) => r.startsWith(`${c}:`)));
    if (missing.length) reasons.push(`missing ${missing.join(', ')}`);
    const parsed = ExceptionEntry.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join('.');
        if (!missing.includes(field as Column) && !reasons.some((r) => r.startsWith(`${field}:`))) {
          reasons.push(`${field}: ${field === 'expiresAt' ? `"${candidate.expiresAt}" is not a date (use YYYY-MM-DD)` : issue.message}`);
        }
      }
    } else if (knownRequirementIds && !knownRequirementIds.has(parsed.data.requirementId)) {
      reasons.push(`requirementId: unknown requirement "${parsed.data.requirementId}"`);
    }
    if (!reasons.length && parsed.success) {
      const first = seen.get(parsed.data.exceptionId);
      if (first !== undefined) {
        problems.push({ row, reason: `exceptionId: duplicate of row ${first}` });
        continue;
      }
      seen.set(parsed.data.exceptionId, row);
      entries.push(parsed.data);
    } else {
      problems.push({ row, reason: reasons.join('; ') });
    }
  }
  return { entries, problems };
}

/** Attach the matching register entry to a finding; `active` is judged at the finding's observation time, so replays agree. */
export function withException(finding: FindingRecord, index: ExceptionIndex): FindingRecord {
  const exception = index.match(finding, new Date(finding.observedAt));
  if (!exception) {
    if (!finding.exception) return finding;
    const { exception: _dropped, ...rest } = finding;
    return rest;
  }
  return { ...finding, exception };
}
