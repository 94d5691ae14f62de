// Printing the scorecards as a person would: LibreOffice (headless) to PDF, poppler to text and PNG.
// Used by `npm run scorecards:preview` and the print-layout test; the tools come from `scripts/stack.sh install`.
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
