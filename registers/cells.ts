// What the register loaders share about reading people's files: text that must be UTF-8, cells that must be
// text (not objects, not control characters), a CSV header that may be split on the wrong delimiter, XLSX cells
// (formulas by their cached value, errors), and the limits that keep a hostile file from exhausting memory:
// bytes read, bytes an XLSX inflates to, rows.
import { parse as parseCsvStream } from 'csv-parse';
// types only at load: exceljs is loaded when a workbook is read, so CSV/YAML registers (policy principals) start fast
import type ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import { crc32, createInflateRaw } from 'node:zlib';

/** Rows one register may hold: far above any real register, and a bound on the work a file can cause. */
export const DEFAULT_MAX_ROWS = 100_000;
/** Bytes an XLSX may inflate to (its parts, by the zip's own directory). */
export const DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024;

export interface Limits {
  maxRows?: number;
  maxInflatedBytes?: number;
  /** an XLSX read that takes longer is abandoned (default 120 s): the last guard against a reader that hangs */
  maxSeconds?: number;
}

export type Cell = string | number | boolean | Date | null | undefined;

/** A cell the loader cannot take: the row is reported with this reason. */
export class CellError {
  constructor(readonly reason: string) {}
}

export const REPLACEMENT = '\uFFFD';

/**
 * The text of a file that must be UTF-8 (a leading BOM is dropped). UTF-16 files (Excel's "Unicode text") are
 * refused with a hint; other invalid bytes are kept as U+FFFD and `invalidUtf8` is set, so the rows that hold
 * them become row errors while the rest goes on.
 */
export function decodeUtf8(bytes: Buffer, label: string): { text: string; invalidUtf8: boolean } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error(`${label}: the file is UTF-16; save it as UTF-8 (Excel: "CSV UTF-8")`);
  }
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  let invalidUtf8 = false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    invalidUtf8 = true;
  }
  return { text: body.toString('utf8'), invalidUtf8 };
}

// C0 controls and DEL; tab, line feed and carriage return are allowed only where free text is (`multiline`)
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROL_OR_BREAK = /[\u0000-\u001F\u007F]/;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a cell's value cannot be taken as text, or undefined. `multiline`: tabs and line breaks are allowed. */
export function cellProblem(value: unknown, opts: { invalidUtf8?: boolean; multiline?: boolean } = {}): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof CellError) return value.reason;
  if (Array.isArray(value)) return 'a list, expected a single value';
  if (typeof value === 'object' && !(value instanceof Date)) return 'an object, expected a single value';
  if (typeof value !== 'string') return undefined;
  if (opts.invalidUtf8 && value.includes(REPLACEMENT)) return 'not valid UTF-8';
  const m = (opts.multiline ? CONTROL : CONTROL_OR_BREAK).exec(value);
  if (m) return `contains the control character ${codePoint(m[0])} at position ${m.index + 1}`;
  return undefined;
}

/** A hint for a CSV whose header came out as one column: it splits on `;` or a tab instead. */
export function delimiterHint(header: string[]): string | undefined {
  if (header.length !== 1) return undefined;
  const only = header[0] ?? '';
  for (const [d, name] of [[';', 'semicolon'], ['\t', 'tab']] as const) {
    const parts = only.split(d);
    if (parts.length > 1) {
      return `the header is one column that splits on ${name}s into ${parts.length} (${parts.slice(0, 3).map((p) => JSON.stringify(p.trim())).join(', ')}...): the file looks ${name}-delimited; save it as comma-separated CSV`;
    }
  }
  return undefined;
}

/** CSV records, streamed, with the 1-based record number (the header is record 1); stops past the row limit. */
export async function* csvRecords(text: string, label: string, maxRows = DEFAULT_MAX_ROWS): AsyncGenerator<{ record: string[]; number: number }> {
  const parser = Readable.from([text]).pipe(parseCsvStream({ bom: true, skip_empty_lines: false, relax_column_count: true, trim: true, relax_quotes: false }));
  let n = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      n++;
      if (n > maxRows + 1) {
        parser.destroy();
        throw new Error(`${label}: more than ${maxRows} rows, the limit for a register; split it or raise the limit`);
      }
      yield { record, number: n };
    }
  } catch (err) {
    if ((err as Error).message.startsWith(`${label}:`)) throw err;
    throw new Error(`${label}: not valid CSV: ${(err as Error).message}`);
  }
}

/** The row limit for array-shaped documents (JSON, YAML). */
export function checkRowCount(count: number, label: string, maxRows = DEFAULT_MAX_ROWS): void {
  if (count > maxRows) throw new Error(`${label}: ${count} entries, more than the limit of ${maxRows} for a register; split it or raise the limit`);
}

interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

/** The zip's central directory (an XLSX is a zip); throws when it cannot be found or read. */
function zipEntries(bytes: Buffer): ZipEntry[] {
  const EOCD = 0x06054b50;
  const CDH = 0x02014b50;
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('no zip directory (not an XLSX file)');
  const count = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CDH) throw new Error('damaged zip directory');
    const nameLength = bytes.readUInt16LE(at + 28);
    entries.push({
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      crc: bytes.readUInt32LE(at + 16),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      localOffset: bytes.readUInt32LE(at + 42),
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

/** How many bytes a zip says it inflates to, from its central directory alone. */
export function zipInflatedSize(bytes: Buffer): number {
  return zipEntries(bytes).reduce((n, e) => n + e.size, 0);
}

/**
 * Check a workbook's zip before exceljs reads it: every part is stored or deflated, its local header agrees with
 * the directory, and it inflates (counted as it streams, never held) to its stated size and CRC within `limit`
 * bytes in all. A damaged or lying part is refused here with its name: exceljs' streaming reader waits forever
 * on some (an unknown compression method, a broken deflate stream), and a lying size would dodge the limit.
 */
export async function verifyZip(bytes: Buffer, limit: number): Promise<void> {
  const LFH = 0x04034b50;
  let total = 0;
  for (const e of zipEntries(bytes)) {
    const where = `part ${JSON.stringify(e.name)}`;
    const at = e.localOffset;
    if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LFH) throw new Error(`${where}: damaged local header`);
    if (bytes.readUInt16LE(at + 8) !== e.method || (e.method !== 0 && e.method !== 8)) throw new Error(`${where}: unsupported or inconsistent compression method ${bytes.readUInt16LE(at + 8)}`);
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    if (start + e.compressedSize > bytes.length) throw new Error(`${where}: truncated`);
    const data = bytes.subarray(start, start + e.compressedSize);
    let size = 0;
    let crc = 0;
    const count = (chunk: Buffer) => {
      size += chunk.length;
      total += chunk.length;
      if (total > limit) throw new InflateLimit();
      crc = crc32(chunk, crc);
    };
    if (e.method === 0) count(data);
    else {
      await new Promise<void>((resolve, reject) => {
        const inflate = createInflateRaw();
        inflate.on('data', (chunk: Buffer) => {
          try {
            count(chunk);
          } catch (err) {
            inflate.destroy();
            reject(err as Error);
          }
        });
        inflate.on('error', (err) => reject(new Error(`${where}: damaged data: ${err.message}`)));
        inflate.on('end', () => resolve());
        inflate.end(data);
      });
    }
    if (size !== e.size || (crc >>> 0) !== e.crc) throw new Error(`${where}: inflates to ${size} bytes (CRC ${(crc >>> 0).toString(16)}), the directory says ${e.size} (CRC ${e.crc.toString(16)})`);
  }
}

export class InflateLimit extends Error {}

/** A cell's value as people see it; formulas by their cached result, or an error when there is none. */
export function xlsxCell(v: ExcelJS.CellValue): Cell | CellError {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v !== 'object') return v as Cell;
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('formula' in v || 'sharedFormula' in v) {
    const result = (v as { result?: ExcelJS.CellValue }).result;
    if (result === undefined || result === null) return new CellError('a formula with no cached value (open and save the workbook in Excel, or paste the values)');
    return xlsxCell(result as ExcelJS.CellValue);
  }
  if ('error' in v) return new CellError(`the cell shows the error ${String((v as { error: unknown }).error)}`);
  if ('text' in v && typeof v.text === 'string') return v.text;
  return new CellError('a cell value of an unknown kind');
}

export interface XlsxSheet {
  name: string;
  header: string[];
  rows: { number: number; cells: (Cell | CellError)[] }[];
}

/**
 * The workbook's sheets, streamed (exceljs' streaming reader: no whole-workbook model in memory), within the
 * inflated-size and row limits. `wanted` picks the sheet to read by its header; every other sheet is only named.
 */
export async function xlsxSheets(
  bytes: Buffer,
  label: string,
  wanted: (header: string[]) => boolean,
  limits: Limits = {},
): Promise<{ sheet: XlsxSheet | undefined; names: string[] }> {
  const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
  const maxInflated = limits.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  let inflated: number;
  try {
    inflated = zipInflatedSize(bytes);
    if (inflated <= maxInflated) await verifyZip(bytes, maxInflated);
  } catch (err) {
    if (err instanceof InflateLimit) inflated = Infinity;
    else throw new Error(`${label}: not a readable XLSX workbook: ${(err as Error).message}`);
  }
  if (inflated > maxInflated) {
    throw new Error(`${label}: the workbook inflates to ${Number.isFinite(inflated) ? `${inflated} bytes` : 'more than it says'}, over the ${maxInflated}-byte limit for a register`);
  }
  const seconds = limits.maxSeconds ?? 120;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: reading the workbook did not finish within ${seconds} s (a damaged workbook?)`)), seconds * 1000);
  });
  try {
    return await Promise.race([readSheets(bytes, label, wanted, maxRows), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function readSheets(bytes: Buffer, label: string, wanted: (header: string[]) => boolean, maxRows: number): Promise<{ sheet: XlsxSheet | undefined; names: string[] }> {
  const names: string[] = [];
  let chosen: XlsxSheet | undefined;
  let first: XlsxSheet | undefined;
  try {
    const { default: Excel } = await import('exceljs');
    const reader = new Excel.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
      sharedStrings: 'cache',
      hyperlinks: 'cache',
      styles: 'cache',
      worksheets: 'emit',
      entries: 'emit',
    });
    for await (const ws of reader as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader & { name: string }>) {
      names.push(ws.name);
      const sheet: XlsxSheet = { name: ws.name, header: [], rows: [] };
      // decided at the first row: read this sheet's rows (the wanted one, or the first sheet as a fallback)
      let keep: boolean | undefined;
      for await (const row of ws as AsyncIterable<ExcelJS.Row>) {
        if (keep === false) continue; // the streaming reader must still be drained
        const values = (row.values as ExcelJS.CellValue[]).slice(1).map(xlsxCell);
        if (keep === undefined) {
          if (row.number === 1) sheet.header = values.map((v) => (v instanceof CellError ? '' : String(v ?? '')));
          keep = !chosen && (wanted(sheet.header) || !first);
          if (row.number === 1 || !keep) continue;
        }
        if (sheet.rows.length >= maxRows) throw new Error(`${label}: sheet "${ws.name}" has more than ${maxRows} rows, the limit for a register; split it or raise the limit`);
        sheet.rows.push({ number: row.number, cells: values });
      }
      if (keep === false) continue;
      if (!chosen && wanted(sheet.header)) chosen = sheet;
      else first ??= sheet;
    }
  } catch (err) {
    if ((err as Error).message.startsWith(`${label}:`)) throw err;
    throw new Error(`${label}: not a readable XLSX workbook: ${(err as Error).message}`);
  }
  return { sheet: chosen ?? first, names };
}
