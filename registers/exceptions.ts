// The risk register loader: CSV, JSON or XLSX, from a local file or an s3:// URL, within size and row limits
// (platform/files.ts, registers/cells.ts). Broken rows are reported (row number + reason) and skipped; the good
// rows still apply. A row is broken when a cell is not valid UTF-8, holds a control character, is an object or a
// list (JSON), or is a formula with no cached value or an error (XLSX). Extra workbook sheets and a CSV split on
// the wrong delimiter are named. Matching is core/exceptions.ts.
import type { S3Client } from '@aws-sdk/client-s3';
import { extname } from 'node:path';
import { readSource } from '../platform/files.js';
import { ExceptionIndex } from '../core/exceptions.js';
import { ExceptionEntry, type FindingRecord } from '../core/schemas.js';
import { CellError, cellProblem, checkRowCount, csvRecords, decodeUtf8, delimiterHint, xlsxSheets, type Cell, type Limits } from './cells.js';

/** The one local-or-S3 reader lives in platform/files.ts; re-exported for the callers that import it from here. */
export { readSource } from '../platform/files.js';

export interface RegisterProblem {
  /** row number as a person sees it: the spreadsheet/CSV line (header is row 1), or the 1-based item of a JSON array */
  row: number;
  reason: string;
}

export interface ExceptionRegister {
  entries: ExceptionEntry[];
  problems: RegisterProblem[];
  /** things about the file as a whole that do not break a row: sheets that were not read */
  notices: string[];
}

export interface RegisterOptions extends Limits {
  /** when given, an entry naming a requirement outside the catalog is a broken row */
  knownRequirementIds?: Iterable<string>;
  s3?: S3Client;
  /** refuse a register file larger than this (default: platform/files.ts DEFAULT_MAX_BYTES) */
  maxBytes?: number;
}

const COLUMNS = ['exceptionId', 'accountId', 'requirementId', 'resourceId', 'reason', 'approvedBy', 'expiresAt'] as const;
type Column = (typeof COLUMNS)[number];
type RawCell = Cell | CellError | object;

/** `Exception ID`, `exception_id` and `exceptionid` all name the exceptionId column. */
const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');
const columnByHeader = new Map(COLUMNS.map((c) => [normalizeHeader(c), c]));

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
  const bytes = await readSource(source, { s3: opts.s3, maxBytes: opts.maxBytes });
  return parseExceptionRegister(bytes, format, { ...opts, label: source });
}

/** The pure part: bytes in a known format to entries and problems. */
export async function parseExceptionRegister(
  bytes: Buffer,
  format: RegisterFormat,
  opts: RegisterOptions & { label?: string } = {},
): Promise<ExceptionRegister> {
  const label = opts.label ?? `${format} register`;
  const { rows, notices, invalidUtf8 } = format === 'csv' ? await csvRows(bytes, label, opts) : format === 'json' ? jsonRows(bytes, label, opts) : await xlsxRows(bytes, label, opts);
  return { ...validateRows(rows, opts.knownRequirementIds ? new Set(opts.knownRequirementIds) : undefined, invalidUtf8), notices };
}

interface RawRow {
  row: number;
  cells: Record<string, RawCell>;
}

interface Rows {
  rows: RawRow[];
  notices: string[];
  invalidUtf8: boolean;
}

const knownColumns = (header: string[]) => header.filter((h) => columnByHeader.has(normalizeHeader(h)));

async function csvRows(bytes: Buffer, label: string, limits: Limits): Promise<Rows> {
  const { text, invalidUtf8 } = decodeUtf8(bytes, label);
  let header: string[] | undefined;
  const rows: RawRow[] = [];
  for await (const { record, number } of csvRecords(text, label, limits.maxRows)) {
    if (!header) {
      header = record;
      if (!knownColumns(header).length) {
        const hint = delimiterHint(header);
        throw new Error(`${label}: the header names none of the columns ${COLUMNS.join(', ')}${hint ? `; ${hint}` : ''}`);
      }
      continue;
    }
    const cells = Object.fromEntries(header.map((h, j) => [h, record[j]]));
    if (Object.values(cells).some((v) => v !== undefined && v !== '')) rows.push({ row: number, cells });
  }
  if (!header) throw new Error(`${label}: empty file, expected a header row with ${COLUMNS.join(', ')}`);
  return { rows, notices: [], invalidUtf8 };
}

function jsonRows(bytes: Buffer, label: string, limits: Limits): Rows {
  const { text, invalidUtf8 } = decodeUtf8(bytes, label);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${label}: not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { exceptions?: unknown } | null)?.exceptions;
  if (!Array.isArray(list)) throw new Error(`${label}: expected a JSON array of entries (or {"exceptions": [...]})`);
  checkRowCount(list.length, label, limits.maxRows);
  const rows = list.map((item, i) => ({
    row: i + 1,
    cells: typeof item === 'object' && item !== null && !Array.isArray(item) ? (item as Record<string, RawCell>) : { __notAnObject: String(item) },
  }));
  return { rows, notices: [], invalidUtf8 };
}

async function xlsxRows(bytes: Buffer, label: string, limits: Limits): Promise<Rows> {
  // the sheet whose header names the exceptionId column, else the first one
  const wanted = (header: string[]) => header.some((h) => columnByHeader.get(normalizeHeader(h)) === 'exceptionId');
  const { sheet, names } = await xlsxSheets(bytes, label, wanted, limits);
  if (!sheet) throw new Error(`${label}: the workbook has no sheets`);
  const notices = names.length > 1 ? [`read sheet "${sheet.name}"; ignored ${names.filter((n) => n !== sheet.name).map((n) => `"${n}"`).join(', ')}`] : [];
  if (!knownColumns(sheet.header).length) throw new Error(`${label}: sheet "${sheet.name}": row 1 names none of the columns ${COLUMNS.join(', ')}`);
  const rows = sheet.rows
    .map(({ number, cells }) => ({ row: number, cells: Object.fromEntries(sheet.header.map((h, j) => [h, cells[j] ?? null])) }))
    .filter((r) => Object.values(r.cells).some((c) => c !== null && c !== ''));
  return { rows, notices, invalidUtf8: false };
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

function validateRows(rows: RawRow[], knownRequirementIds: Set<string> | undefined, invalidUtf8: boolean): Omit<ExceptionRegister, 'notices'> {
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
      // what cannot be text at all: the reason says so, instead of "[object Object]" or an ID with a NUL in it
      const bad = cellProblem(value, { invalidUtf8, multiline: column === 'reason' });
      if (bad) {
        reasons.push(`${column}: ${bad}`);
        continue;
      }
      const n = normalizeCell(column, value as Cell);
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
  const exception = index.empty ? undefined : index.match(finding, new Date(finding.observedAt));
  if (!exception) {
    if (!finding.exception) return finding;
    const { exception: _dropped, ...rest } = finding;
    return rest;
  }
  return { ...finding, exception };
}
