// Issue 18: the scorecards print one page wide on every sheet (LibreOffice, headless, as a person would
// print them), and the owner Summary fits on one page. The workbooks are the demo-shaped run of
// scripts/demo/scorecard-sample.ts (the demo's organization and the shipped catalog, without the stack).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleScoringRun } from '../../scripts/demo/scorecard-sample.js';
import { writeScorecards, type ScorecardManifest } from '../../scoring/scorecards/index.js';
import { checkOnePageWide } from '../../scoring/scorecards/print.js';

let out: string;
let manifest: ScorecardManifest;

/** Every sheet one page wide (scoring/scorecards/print.ts says how that is told from the PDF). */
async function expectOnePageWide(xlsx: string): Promise<string[]> {
  const { pages, problems } = await checkOnePageWide(xlsx, out);
  expect(problems).toEqual([]);
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
