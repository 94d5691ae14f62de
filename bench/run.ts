// `npm run bench`: measurements taken side by side in one run on the same data, each with the ratio
// to its baseline. Prints numbers; never fails for being slow. `npm run bench -- processor kinesis` runs a subset.
import { useLocalStack, stackUp } from '../platform/local-stack.js';
import { openSearchClient } from '../platform/opensearch.js';
import { log } from '../platform/log.js';
import { loadCatalog } from '../standard/index.js';
import { benchAccounts, benchFindings, benchResources } from './data.js';
import { formatTable, type PairResult } from './measure.js';
import { processorCase, processorSteadyCase } from './cases/processor.js';
import { scorecardCase } from './cases/scorecards.js';
import { opensearchCase } from './cases/opensearch.js';
import { kinesisCase } from './cases/kinesis.js';
import { endToEndCase } from './cases/end-to-end.js';
import { parquetCases } from './cases/parquet.js';
import { followChangeCase, formatFollowChange } from './cases/follow-change.js';
import { cliStartupCases, formatStartup } from './cases/cli.js';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { s3Config } from '../platform/aws.js';

const CASES = ['cli', 'processor', 'opensearch', 'scorecards', 'kinesis', 'e2e', 'parquet', 'follow'] as const;
const only = process.argv.slice(2).filter((a) => a !== '--');
for (const o of only) if (!(CASES as readonly string[]).includes(o)) throw new Error(`unknown bench case ${o}: choose from ${CASES.join(', ')}`);
const wanted = (name: (typeof CASES)[number]) => only.length === 0 || only.includes(name);
const results: PairResult[] = [];
/** cases whose figures are not a timed pair, printed as they are */
const notes: string[] = [];
/** print each finished case at once, so a long run shows its numbers as it goes */
const record = (r: PairResult) => {
  results.push(r);
  process.stderr.write(`${formatTable([r])}\n`);
};
if (!process.env.CENSUS_LOG_LEVEL) log.level = 'warn';

// CLI start-up needs no stack: measured first, on the compiled CLI
const startup = wanted('cli') ? cliStartupCases() : [];
if (startup.length) process.stderr.write(`${formatStartup(startup)}\n`);
const needsStack = CASES.some((c) => c !== 'cli' && wanted(c));
if (needsStack) {
  stackUp();
  useLocalStack();
}
const stem = `bench-${Date.now().toString(36)}`;
const accounts = benchAccounts(250);
const resources = benchResources(30_000, accounts);

if (wanted('processor')) {
  process.stderr.write('▶ processor throughput\n');
  record(await processorCase(accounts, resources));
  record(await processorSteadyCase(accounts, resources));
}
if (wanted('opensearch')) {
  process.stderr.write('▶ OpenSearch indexing\n');
  const url = process.env.CENSUS_OPENSEARCH_URL!;
  record(await opensearchCase(openSearchClient(url), url, resources.slice(0, 20_000), stem));
}
if (wanted('scorecards')) {
  process.stderr.write('▶ scorecards\n');
  const ids = loadCatalog().requirements.map((r) => r.id);
  record(await scorecardCase(accounts, benchFindings(100_000, accounts, ids)));
}
if (wanted('kinesis')) {
  process.stderr.write('▶ Kinesis producer\n');
  const s3 = new S3Client(s3Config());
  const buckets = { feed: `${stem}-feed`, deadLetter: `${stem}-dlq` };
  for (const b of Object.values(buckets)) await s3.send(new CreateBucketCommand({ Bucket: b }));
  record(await kinesisCase(resources.slice(0, 20_000), `${stem}-producer`, buckets));
}
if (wanted('e2e')) {
  process.stderr.write('▶ end to end (50 and 250 accounts)\n');
  record(await endToEndCase(50, 250, stem));
}

if (wanted('parquet')) {
  process.stderr.write('▶ Security Lake Parquet vs NDJSON gzip (100,000 findings)\n');
  const ids = loadCatalog().requirements.map((r) => r.id);
  for (const r of await parquetCases(benchFindings(100_000, accounts, ids))) record(r);
}

if (wanted('follow')) {
  process.stderr.write('▶ following change: an unchanged second inventory, and event to searchable\n');
  const r = await followChangeCase(10, 20, stem);
  notes.push(formatFollowChange(r, 10));
  process.stderr.write(`${notes.at(-1)}\n`);
}

console.log(`\nCensus benchmark, ${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} cores\n`);
if (results.length) console.log(formatTable(results));
if (startup.length) console.log(`\n${formatStartup(startup)}`);
for (const n of notes) console.log(`\n${n}`);
