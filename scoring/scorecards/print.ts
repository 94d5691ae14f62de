// Printing the scorecards as a person would: LibreOffice (headless) to PDF, poppler to text and PNG.
// Used by `npm run scorecards:preview` and the print-layout test; the tools come from `scripts/stack.sh install`.
import ExcelJS from 'exceljs';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Convert a workbook to PDF in `outDir` (every sheet, as its print settings say); returns the PDF's path. */
export async function printToPdf(xlsx: string, outDir: string): Promise<string> {
  // a private profile: parallel conversions must not share (and lock) one user installation
  const profile = mkdtempSync(join(tmpdir(), 'census-lo-'));
  try {
    await run('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', outDir, xlsx], { timeout: 180_000 }).catch((err: Error & { code?: string }) => {
      throw new Error(
        err.code === 'ENOENT' ? 'soffice (LibreOffice) is not installed: run `bash scripts/stack.sh install`' : `LibreOffice could not print ${xlsx}: ${err.message}`,
      );
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return join(outDir, basename(xlsx).replace(/\.xlsx$/, '.pdf'));
}

export async function pdfPageCount(pdf: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [pdf]);
  const m = /^Pages:\s+(\d+)/m.exec(stdout);
  if (!m) throw new Error(`pdfinfo ${pdf}: no page count`);
  return Number(m[1]);
}

/** The text of each page (pdftotext), in order. */
export async function pdfPageTexts(pdf: string): Promise<string[]> {
  const { stdout } = await run('pdftotext', ['-layout', pdf, '-'], { maxBuffer: 1 << 28 });
  // pdftotext ends every page with a form feed
  return stdout.split('\f').slice(0, await pdfPageCount(pdf));
}

/** PNG pages of a PDF (`<prefix>-<n>.png` in `dir`), 80 dpi: enough to read, small enough to look at. */
export async function renderPngPages(pdf: string, dir: string, prefix: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  await run('pdftoppm', ['-png', '-r', '80', pdf, join(dir, prefix)], { timeout: 180_000 });
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}-`) && f.endsWith('.png'))
    .sort()
    .map((f) => join(dir, f));
}

const firstWord = (v: unknown) => String(v ?? '').trim().split(/\s+/)[0] ?? '';
const HEADER_FILL = 'FFD9E1F2';

/** `want` appears in `line` in order (other words may stand between). */
const isSubsequence = (want: string[], line: string[]) => {
  let i = 0;
  for (const w of line) if (w === want[i]) i++;
  return i === want.length;
};

/**
 * Print a workbook and check every sheet came out one page wide. Table headers (the rows with the
 * header fill) print their cells' first words on their first line in order: a line that starts like a
 * header must carry the whole row, the last column included; and every page starts some line with a
 * column-A text (a page printed from the right-hand columns of a too-wide sheet does not). Returns the
 * page texts and what is wrong, empty when the layout holds.
 */
export async function checkOnePageWide(xlsx: string, outDir: string): Promise<{ pages: string[]; problems: string[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(xlsx);
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
  const pages = await pdfPageTexts(await printToPdf(xlsx, outDir));
  const problems: string[] = [];
  if (!headers.length) problems.push(`${xlsx}: no table header found`);
  const lines = pages.map((text) => text.split('\n').map((l) => l.trim().split(/\s+/)));
  lines.forEach((page, i) => {
    if (!page.some((l) => columnA.has(l[0]!))) problems.push(`page ${i + 1}: no line starts with column-A text (a continuation to the right?)`);
  });
  for (const h of headers) {
    const prefix = h.words.slice(0, 3);
    // headers of other tables may start alike: the line must be one of them, whole
    const same = headers.filter((o) => o.words[0] === h.words[0]);
    let printed = 0;
    lines.forEach((page, i) => {
      for (const line of page) {
        if (line[0] !== prefix[0] || !isSubsequence(prefix, line)) continue;
        printed++;
        if (!same.some((o) => isSubsequence(o.words, line))) problems.push(`${h.sheet} page ${i + 1}: the header row stops before its last column "${h.words.at(-1)}": ${line.join(' ')}`);
      }
    });
    if (!printed) problems.push(`${h.sheet}: header "${h.words.join(' ')}" not printed`);
  }
  return { pages, problems: [...new Set(problems)] };
}
