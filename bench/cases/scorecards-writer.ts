// Child process of the scorecards bench case: writes the workbooks of a prepared scoring run (JSON, the
// same input the openpyxl baseline reads) and reports its own peak RSS, so the figure is the writer's
// alone — not the bench's findings and scoring, which are prepared before, in the parent.
import { readFileSync } from 'node:fs';
import { writeScorecards } from '../../scoring/scorecards/index.js';
import type { ScorecardInput } from '../../scoring/scorecards/model.js';

const [input, outDir] = process.argv.slice(2);
if (!input || !outDir) throw new Error('usage: scorecards-writer.ts INPUT.json OUT_DIR');
const data = JSON.parse(readFileSync(input, 'utf8')) as ScorecardInput & { runAt?: string };
const loaded = process.memoryUsage().rss;
await writeScorecards({ ...data, runAt: data.runAt ?? `${data.asOf}T00:00:00.000Z`, outDir });
// maxRSS is in KiB, as the Python baseline's ru_maxrss; the line before it: RSS once the input was loaded
process.stderr.write(`${Math.round(loaded / 1024)}\n${process.resourceUsage().maxRSS}\n`);
