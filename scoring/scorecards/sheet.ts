// Sheet-writing helpers shared by the owner and enterprise scorecards: streaming workbooks, typed
// columns (text, percent, money, count), red/amber/green scores, frozen headers and filters.
import ExcelJS from 'exceljs';

/** Score bands of the scorecards: green at or above GREEN, amber at or above AMBER, red below. */
export const GREEN = 0.9;
export const AMBER = 0.7;

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export type ColumnKind = 'text' | 'percent' | 'money' | 'count' | 'number';
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
};

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
    });
    this.ws.columns = columns.map((c) => ({ width: c.width, style: numFmt[c.kind] ? { numFmt: numFmt[c.kind] } : {} }));
    for (const [label, value, kind = 'text'] of opts.title ?? []) {
      const r = this.ws.getRow(++this.row);
      r.getCell(1).value = label;
      r.getCell(1).font = bold;
      const c = r.getCell(2);
      c.value = cellValue(kind, value);
      if (numFmt[kind]) c.numFmt = numFmt[kind]!;
      c.font = bold;
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
    header.commit();
    this.lastDataRow = this.row;
    // Title scores get the same colours as the table's.
    opts.title?.forEach(([, , kind], i) => {
      if (kind === 'percent') this.ragRule(`B${i + 1}`, `B${i + 1}`);
    });
  }

  add(values: CellInput[]): void {
    const r = this.ws.getRow(++this.row);
    this.columns.forEach((c, i) => {
      const v = cellValue(c.kind, values[i]);
      if (v === null) return;
      const cell = r.getCell(i + 1);
      cell.value = v;
      if (numFmt[c.kind]) cell.numFmt = numFmt[c.kind]!;
      if (c.kind === 'text' && typeof v === 'string' && v.length > 60) cell.alignment = { wrapText: true, vertical: 'top' };
    });
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
