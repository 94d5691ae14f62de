// `npm run bench`: measurements taken side by side in one run on the same data, each with the ratio
// to its baseline. Prints numbers; never fails for being slow.
import { benchAccounts, benchFindings, benchResources } from './data.js';
import { formatTable, type PairResult } from './measure.js';
import { processorCase } from './cases/processor.js';
import { scorecardCase } from './cases/scorecards.js';
import { loadCatalog } from '../processors/standard/index.js';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const results: PairResult[] = [];

const accounts250 = benchAccounts(250);
if (wanted('processor')) {
  process.stderr.write('▶ processor throughput\n');
  results.push(await processorCase(accounts250, benchResources(30_000, accounts250)));
}
if (wanted('scorecards')) {
  process.stderr.write('▶ scorecards\n');
  const ids = loadCatalog().requirements.map((r) => r.id);
  results.push(await scorecardCase(accounts250, benchFindings(100_000, accounts250, ids)));
}

console.log(`\nCensus benchmark, ${new Date().toISOString()}, Node ${process.version}\n`);
console.log(formatTable(results));
