// Issue 18: the scorecards print one page wide on every sheet (LibreOffice, headless, as a person would
// print them), and the owner Summary fits on one page. The workbooks are the demo-shaped run of
// scripts/demo/scorecard-sample.ts (the demo's organization and the shipped catalog, without the stack).
import ExcelJS from 'exceljs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleScoringRun } from '../../scripts/demo/scorecard-sample.js';
import { writeScorecards, type ScorecardManifest } from '../../scoring/scorecards/index.js';
import { pdfPageTexts, printToPdf } from '../../scoring/scorecards/print.js';

let out: string;
let manifest: ScorecardManifest;

const firstWord = (v: unknown) => String(v ?? '').trim().split(/\s+/)[0] ?? '';
const HEADER_FILL = 'FFD9E1F2';

/**
 * What a page must show when a sheet is one page wide. Table headers are the rows with the header fill:
 * their first cell, second cell and last cell. Column A values are what every page starts lines with.
 */
async function layoutOf(file: string) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const headers: { sheet: string; words: string[] }[] = [];
  const columnA = new Set<string>();
  wb.eachSheet((ws) => {
    ws.eachRow((row) => {
      const a = firstWord(row.getCell(1).value);
      if (a) columnA.add(a);
      const fill = row.getCell(1).fill as ExcelJS.FillPattern | undefined;
      if (fill?.fgColor?.argb !== HEADER_FILL) return;
      const cells = (row.values as unknown[]).slice(1).filter((v) => v !== null && v !== undefined && v !== '');
      headers.push({ sheet: ws.name, words: cells.map(firstWord) });
    });
  });
  return { headers, columnA, sheets: wb.worksheets.map((w) => w.name) };
}

/** Every sheet one page wide: each header line holds its first and its last column, and no page is a right-hand continuation. */
async function expectOnePageWide(xlsx: string): Promise<string[]> {
  const pdf = await printToPdf(xlsx, out);
  const pages = await pdfPageTexts(pdf);
  const { headers, columnA } = await layoutOf(xlsx);
  expect(headers.length).toBeGreaterThan(0);
  pages.forEach((text, i) => {
    const lines = text.split('\n').map((l) => l.trim().split(/\s+/));
    // a page printed from the right-hand columns of a wide sheet starts no line with a column-A value
    expect(
      lines.some((l) => columnA.has(l[0]!)),
      `page ${i + 1} of ${xlsx} has no column-A text: a continuation to the right?\n${text.slice(0, 400)}`,
    ).toBe(true);
  });
  // A header row prints its cells' first words on its first line, in order. A line that starts like a
  // header (its first three words) must carry the whole row, the last column included.
  const isSubsequence = (want: string[], line: string[]) => {
    let i = 0;
    for (const w of line) if (w === want[i]) i++;
    return i === want.length;
  };
  for (const h of headers) {
    const prefix = h.words.slice(0, 3);
    // headers of other tables may start alike: the line must be one of them, whole
    const same = headers.filter((o) => o.words[0] === h.words[0]);
    const headerLines = pages.flatMap((text, i) =>
      text
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((l) => l[0] === prefix[0] && isSubsequence(prefix, l))
        .map((l) => ({ page: i + 1, line: l })),
    );
    expect(headerLines.length, `${h.sheet}: header "${h.words.join(' ')}" printed`).toBeGreaterThan(0);
    for (const { page, line } of headerLines) {
      expect(
        same.some((o) => isSubsequence(o.words, line)),
        `${h.sheet} page ${page}: the header row stops before its last column "${h.words.at(-1)}": ${line.join(' ')}`,
      ).toBe(true);
    }
  }
  return pages;
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'scorecards-print-'));
  manifest = await writeScorecards({ ...sampleScoringRun(), outDir: out });
}, 120_000);

describe('printed scorecards (LibreOffice, A4 landscape)', () => {
  it('an owner workbook: every sheet one page wide, the Summary on one page', async () => {
    const owner = manifest.owners[0]!;
    const pages = await expectOnePageWide(join(out, owner.file));
    expect(pages[0]).toContain(`Security scorecard — ${owner.owner}`);
    expect(pages[0]).toContain('Expired exceptions still failing');
    // the Summary ends on page 1: page 2 starts the matrix
    expect(pages[1]).toMatch(/^\s*Score per account and requirement/);
    // wrapped text is not cut: the longest remediation of the top fixes is printed whole (word by word)
    const longest = [...owner.fixes!].sort((a, b) => b.title.length - a.title.length)[0]!;
    for (const word of longest.title.split(/\s+/)) expect(pages[0]).toContain(word);
  }, 240_000);

  it('the enterprise workbook: every sheet one page wide, Summary first', async () => {
    const pages = await expectOnePageWide(join(out, manifest.enterprise.file));
    expect(pages[0]).toContain('Enterprise security scorecard');
    expect(pages[0]).toContain('The most common failing requirements');
  }, 240_000);
});
