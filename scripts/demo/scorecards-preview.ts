// `npm run scorecards:preview [-- OUT_DIR]`: write the demo-shaped scorecards, print them with LibreOffice
// (headless) to PDF and one owner workbook's pages to PNG, for a person to look at.
import { mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeScorecards } from '../../scoring/scorecards/index.js';
import { pdfPageCount, printToPdf, renderPngPages } from '../../scoring/scorecards/print.js';
import { sampleScoringRun } from './scorecard-sample.js';

const out = resolve(process.argv[2] ?? 'out/scorecards-preview');
mkdirSync(out, { recursive: true });
const run = sampleScoringRun();
const manifest = await writeScorecards({ ...run, outDir: out });
const owner = manifest.owners[0]!;
for (const file of [owner.file, manifest.enterprise.file, ...(manifest.unowned ? [manifest.unowned.file] : [])]) {
  const pdf = await printToPdf(join(out, file), out);
  console.log(`${file}: ${await pdfPageCount(pdf)} page(s) -> ${pdf}`);
}
const pngs = await renderPngPages(join(out, owner.file.replace(/\.xlsx$/, '.pdf')), join(out, 'png'), 'owner');
console.log(`${pngs.length} PNG page(s) of ${owner.owner}'s workbook in ${join(out, 'png')}:`);
for (const f of readdirSync(join(out, 'png')).sort()) console.log(`  ${f}`);
