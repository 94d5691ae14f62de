// Sheet-writing helpers shared by the owner and enterprise scorecards: streaming workbooks, typed
// columns (text, percent, money, count), red/amber/green scores, frozen headers and filters.
import ExcelJS from 'exceljs';

/** Score bands of the scorecards: green at or above GREEN, amber at or above AMBER, red below. */
export const GREEN = 0.9;
export const AMBER = 0.7;

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type ColumnKind = 'text' | 'percent' | 'money' | 'count' | 'number' | 'points';
export interface ColumnSpec {
  header: string;
  kind: ColumnKind;
  width: number;
}
export type CellInput = string | number | null | undefined;

const text = (header: string, width: number): ColumnSpec => ({ header, kind: 'text', width });
const count = (header: string, width = 10): ColumnSpec => ({ header, kind: 'count', width });

/** The columns the scorecards share, so a heading reads the same on every sheet. */
export const columns = {
  accountId: text('Account ID', 15),
  accountName: text('Account name', 30),
  owner: text('Owner', 30),
  executive: text('Executive', 30),
  requirement: text('Requirement', 14),
  title: text('Title', 44),
  severity: text('Severity', 10),
  weight: { header: 'Weight', kind: 'number', width: 8 } as ColumnSpec,
  accounts: count('Accounts'),
  spend: { header: 'Monthly spend (USD)', kind: 'money', width: 16 } as ColumnSpec,
  score: (header = 'Score'): ColumnSpec => ({ header, kind: 'percent', width: Math.max(10, header.length + 2) }),
  /** resources evaluated, failing, excepted */
  counts: [count('Resources evaluated', 11), count('Failing', 9), count('Excepted', 9)],
  text,
};

const numFmt: Partial<Record<ColumnKind, string>> = {
  percent: '0.0%',
  money: '"$"#,##0.00',
  count: '0',
  number: '0.##',
  /** score changes and gains in percentage points, signed */
  points: '+0.0" pts";-0.0" pts";0.0" pts"',
};

/** A value as its cell format shows it, for text that quotes it. */
export function displayed(kind: ColumnKind, v: CellInput): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'number') return String(v);
  if (kind === 'percent') return `${(v * 100).toFixed(1)}%`;
  if (kind === 'points') return `${v >= 0 ? '+' : ''}${v.toFixed(1)} pts`;
  if (kind === 'money') return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return String(v);
}

/** The fill of a score by band (static, for block sheets; tables use conditional formats). */
export function bandFill(score: number): ExcelJS.Fill {
  const argb = score >= GREEN ? 'FFC6EFCE' : score >= AMBER ? 'FFFFEB9C' : 'FFFFC7CE';
  return { type: 'pattern', pattern: 'solid', fgColor: { argb } };
}

/** A score change or gain (a fraction) as the number of percentage points a `points` cell shows. */
export const points = (fraction: number | null | undefined): number | string => (fraction === null || fraction === undefined ? 'n/a' : Math.round(fraction * 1000) / 10);

/**
 * Printing: landscape A4, scaled to one page wide (as many pages tall as needed), narrow margins, the
 * header row repeated on every page (set per sheet), grid lines printed so wrapped cells stay apart.
 */
export const PAGE_SETUP: Partial<ExcelJS.PageSetup> = {
  orientation: 'landscape',
  paperSize: 9,
  fitToPage: true,
  fitToWidth: 1,
  fitToHeight: 0,
  showGridLines: true,
  margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
};

const LINE_POINTS = 13.5;
/**
 * Lines a text needs in a column `width` characters wide when wrapped (a column holds about `width`
 * average characters of the default font); explicit line breaks count. Files carry row heights, since
 * Excel does not fit wrapped rows on open.
 */
export function wrappedLines(text: string, width: number): number {
  const perLine = Math.max(1, Math.floor(width * 1.1) - 1);
  let lines = 0;
  for (const para of text.split('\n')) {
    // words wrap whole: count by words, not characters
    let line = 0;
    let n = 1;
    for (const word of para.split(/\s+/)) {
      const w = word.length;
      if (line && line + 1 + w > perLine) {
        n++;
        line = 0;
      }
      line = line ? line + 1 + w : w;
      while (line > perLine) {
        n++;
        line -= perLine;
      }
    }
    lines += n;
  }
  return lines;
}

/** Excel's tallest row is 409 points */
const MAX_LINES = 27;

/** A row height (points) that shows every line of the row's wrapped text cells. */
export function rowHeight(cells: { text: string; width: number }[]): number | undefined {
  const lines = Math.min(MAX_LINES, Math.max(1, ...cells.map((c) => wrappedLines(c.text, c.width))));
  return lines > 1 ? lines * LINE_POINTS : undefined;
}

const bold = { bold: true };
const headerFill: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFD9E1F2' } };

export function newWorkbook(filename: string): ExcelJS.stream.xlsx.WorkbookWriter {
  // Shared strings off: the streaming writer would otherwise keep every string in memory until commit.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename, useSharedStrings: false, useStyles: true });
  wb.creator = 'Census';
  wb.created = new Date(0);
  return wb;
}

/**
 * A value as a cell holds it. Text always stays text: exceljs writes a string as an inline string,
 * never a formula, so `=HYPERLINK(...)` in a tag is shown, not run.
 */
export function cellValue(kind: ColumnKind, v: CellInput): string | number | null {
  if (v === null || v === undefined) return null;
  if (kind === 'text') return String(v);
  return typeof v === 'number' && Number.isFinite(v) ? v : String(v);
}

/** Excel's sheet names: at most 31 characters, none of []:*?/\, unique in the workbook (case-insensitive). */
export function sheetName(wanted: string, taken: Set<string>): string {
  const clean = wanted.replace(/[[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '').trim() || 'Sheet';
  let name = clean.slice(0, 31);
  for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${clean.slice(0, 31 - String(i).length - 1)}~${i}`;
  taken.add(name.toLowerCase());
  return name;
}

const columnLetter = (n: number): string => {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
};

/**
 * A table on a streaming sheet: optional title lines above, a bold header row frozen in place, an
 * autofilter over the data, and red/amber/green rules on every percent column. Rows are committed
 * as they are added, so memory stays flat however long the table is.
 */
export class TableSheet {
  private readonly ws: ExcelJS.Worksheet;
  private row = 0;
  private headerRow = 0;
  private lastDataRow = 0;

  constructor(
    wb: ExcelJS.stream.xlsx.WorkbookWriter,
    name: string,
    private readonly columns: ColumnSpec[],
    opts: { title?: [string, CellInput, ColumnKind?][]; freezeColumns?: number } = {},
  ) {
    const titleRows = opts.title?.length ? opts.title.length + 1 : 0;
    this.headerRow = titleRows + 1;
    this.ws = wb.addWorksheet(name, {
      views: [{ state: 'frozen', xSplit: opts.freezeColumns ?? 0, ySplit: this.headerRow }],
      pageSetup: { ...PAGE_SETUP, printTitlesRow: `${this.headerRow}:${this.headerRow}` },
    });
    this.ws.columns = columns.map((c) => ({ width: c.width, style: numFmt[c.kind] ? { numFmt: numFmt[c.kind] } : {} }));
    // "label: value" in one text cell that flows over the empty cells to its right: the table's first
    // columns are often too narrow for either
    for (const [label, value, kind = 'text'] of opts.title ?? []) {
      const r = this.ws.getRow(++this.row);
      r.getCell(1).value = `${label}: ${displayed(kind, value)}`;
      r.getCell(1).font = bold;
      r.commit();
    }
    if (titleRows) this.ws.getRow(++this.row).commit();
    const header = this.ws.getRow(++this.row);
    columns.forEach((c, i) => {
      const cell = header.getCell(i + 1);
      cell.value = c.header;
      cell.font = bold;
      cell.fill = headerFill;
      cell.alignment = { wrapText: true, vertical: 'top' };
    });
    const headerHeight = rowHeight(columns.map((c) => ({ text: c.header, width: c.width })));
    if (headerHeight) header.height = headerHeight;
    header.commit();
    this.lastDataRow = this.row;
  }

  add(values: CellInput[]): void {
    const r = this.ws.getRow(++this.row);
    const wrapped: { text: string; width: number }[] = [];
    this.columns.forEach((c, i) => {
      const v = cellValue(c.kind, values[i]);
      if (v === null) return;
      const cell = r.getCell(i + 1);
      cell.value = v;
      if (numFmt[c.kind]) cell.numFmt = numFmt[c.kind]!;
      // every text cell wraps inside its column, never over the next one or off the page
      if (c.kind === 'text') {
        cell.alignment = { wrapText: true, vertical: 'top' };
        wrapped.push({ text: String(v), width: c.width });
      } else cell.alignment = { vertical: 'top', horizontal: 'right' }; // "n/a" lines up with the numbers
    });
    const height = rowHeight(wrapped);
    if (height) r.height = height;
    r.commit();
    this.lastDataRow = this.row;
  }

  /** A line after the table that is not part of it (a note such as "no non-compliant resources"). */
  note(text: string): void {
    this.row += 2;
    const r = this.ws.getRow(this.row);
    r.getCell(1).value = text;
    r.getCell(1).font = { italic: true };
    r.commit();
  }

  /** Conditional formats (rules Excel evaluates for colour, not cell formulas); relative to the range's first cell. */
  private ragRule(from: string, to: string): void {
    // ISNUMBER: "n/a" and blanks are neither red nor green.
    const rule = (test: string, argb: string, priority: number): ExcelJS.ConditionalFormattingRule => ({
      type: 'expression',
      priority,
      formulae: [`AND(ISNUMBER(${from}),${test})`],
      style: { fill: { type: 'pattern', pattern: 'solid', bgColor: { argb } } },
    });
    this.ws.addConditionalFormatting({
      ref: `${from}:${to}`,
      rules: [
        rule(`${from}>=${GREEN}`, 'FFC6EFCE', 1),
        rule(`AND(${from}>=${AMBER},${from}<${GREEN})`, 'FFFFEB9C', 2),
        rule(`${from}<${AMBER}`, 'FFFFC7CE', 3),
      ],
    });
  }

  /** Filters over the header and data, colours on the percent columns; then the sheet is written out. */
  commit(): void {
    this.ws.autoFilter = `A${this.headerRow}:${columnLetter(this.columns.length)}${this.lastDataRow}`;
    if (this.lastDataRow > this.headerRow) {
      this.columns.forEach((c, i) => {
        const col = columnLetter(i + 1);
        if (c.kind === 'percent') this.ragRule(`${col}${this.headerRow + 1}`, `${col}${this.lastDataRow}`);
      });
    }
    this.ws.commit();
  }
}

/** A cell of a block sheet: a value and how to show it. */
export type BlockCell = CellInput | { value: CellInput; kind: ColumnKind };

/**
 * A sheet of stacked blocks (a Summary): headed small tables and label/value lines over fixed column
 * widths, written row by row. Text wraps within its column (merged across the rest of the row when
 * `span` is given), and row heights follow the wrapped text.
 */
export class BlockSheet {
  private readonly ws: ExcelJS.Worksheet;
  private row = 0;

  constructor(
    wb: ExcelJS.stream.xlsx.WorkbookWriter,
    name: string,
    private readonly widths: number[],
  ) {
    this.ws = wb.addWorksheet(name, { pageSetup: { ...PAGE_SETUP } });
    this.ws.columns = widths.map((width) => ({ width }));
  }

  private write(cells: BlockCell[], style: { bold?: boolean; fill?: boolean; italic?: boolean; size?: number; flow?: boolean } = {}): ExcelJS.Row {
    const r = this.ws.getRow(++this.row);
    const wrapped: { text: string; width: number }[] = [];
    cells.forEach((c, i) => {
      const { value, kind } = typeof c === 'object' && c !== null ? c : { value: c, kind: 'text' as ColumnKind };
      const v = cellValue(kind, value);
      if (v === null) return;
      const cell = r.getCell(i + 1);
      cell.value = v;
      if (numFmt[kind] && typeof v === 'number') cell.numFmt = numFmt[kind]!;
      // a heading or note flows over the empty cells to its right; table text wraps in its column
      cell.alignment = { wrapText: !style.flow, vertical: 'top', horizontal: kind === 'text' ? 'left' : 'right' };
      if (style.bold || style.italic || style.size) cell.font = { bold: style.bold, italic: style.italic, size: style.size };
      if (style.fill) cell.fill = headerFill;
      else if (kind === 'percent' && typeof v === 'number') cell.fill = bandFill(v);
      if (!style.flow) wrapped.push({ text: displayed(kind, v), width: this.widths[i] ?? 10 });
    });
    const h = rowHeight(wrapped);
    if (h) r.height = style.size ? Math.max(h, style.size * 1.6) : h;
    else if (style.size) r.height = style.size * 1.6;
    return r;
  }

  /** A bold heading line. */
  heading(text: string, size = 12): void {
    this.write([text], { bold: true, size, flow: true }).commit();
  }

  /** `label: value` lines (label in the first column, value in the second). */
  pairs(lines: [string, CellInput, ColumnKind?][]): void {
    for (const [label, value, kind = 'text'] of lines) {
      const r = this.write([label, { value, kind }]);
      r.getCell(1).font = bold;
      r.getCell(2).font = bold;
      r.getCell(2).alignment = { horizontal: 'left', vertical: 'top', wrapText: true };
      r.commit();
    }
  }

  /** A small table: a filled header row, then the rows; `empty` is said when there are none. */
  table(header: string[], kinds: ColumnKind[], rows: CellInput[][], empty: string): void {
    this.write(header, { bold: true, fill: true }).commit();
    if (rows.length === 0) this.write([empty], { italic: true, flow: true }).commit();
    for (const values of rows) this.write(values.map((value, i) => ({ value, kind: kinds[i] ?? 'text' }))).commit();
  }

  /** An italic note line. */
  note(text: string): void {
    this.write([text], { italic: true, flow: true }).commit();
  }

  blank(): void {
    this.ws.getRow(++this.row).commit();
  }

  commit(): void {
    this.ws.commit();
  }
}
