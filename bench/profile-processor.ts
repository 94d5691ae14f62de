// Stage-by-stage timing of the processor bench's case body (bench/cases/processor.ts) against its bare
// JSON.parse + JSON.stringify baseline: `tsx bench/profile-processor.ts [rounds]`, or under
// `node --cpu-prof --import tsx` for the functions inside each stage. Process CPU time, not wall time, and the
// least disturbed round of each stage: on a shared machine other processes' load then hardly moves the figures.
import { processRecord } from '../processors/pipeline.js';
import { loadCatalog } from '../standard/index.js';
import { decodeRecord } from '../processors/validate.js';
import { benchContext } from './cases/processor.js';
import { benchAccounts, benchResources } from './data.js';
import type { Storable } from '../opensearch/ops.js';

const accounts = benchAccounts(250);
const raws = benchResources(30_000, accounts).map((r) => Buffer.from(JSON.stringify(r)));
const catalog = loadCatalog();
const ctx = benchContext(accounts);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let sink = 0;
const rounds = Number(process.argv[2] ?? 5);
const best = { decode: Infinity, process: Infinity, serialize: Infinity, subject: Infinity, baseline: Infinity };
for (let r = 0; r < rounds; r++) {
  // each stage over the whole input, so the clock is read a few times a round, not per record
  let t = cpu();
  const decoded = raws.map((raw) => {
    const d = decodeRecord(raw);
    if (!d.ok) throw new Error(d.reason);
    return { record: d.record as Storable, json: d.json };
  });
  const decode = cpu() - t;
  t = cpu();
  const outs = decoded.map(({ record, json }) => processRecord(record, ctx, catalog, json));
  const process_ = cpu() - t;
  t = cpu();
  for (const out of outs) for (const o of out) sink += JSON.stringify(o).length;
  const serialize = cpu() - t;
  t = cpu();
  for (const raw of raws) sink += JSON.stringify(JSON.parse(raw.toString('utf8'))).length;
  const baseline = cpu() - t;
  best.decode = Math.min(best.decode, decode);
  best.process = Math.min(best.process, process_);
  best.serialize = Math.min(best.serialize, serialize);
  best.subject = Math.min(best.subject, decode + process_ + serialize);
  best.baseline = Math.min(best.baseline, baseline);
}
const labels: Record<keyof typeof best, string> = {
  decode: 'decode + contract',
  process: 'enrich, trust, hash, checks, exceptions (processRecord)',
  serialize: 'serialize record + findings',
  subject: 'subject (fastest round)',
  baseline: 'JSON.parse + JSON.stringify',
};
for (const [k, v] of Object.entries(best)) console.log(`${labels[k as keyof typeof best].padEnd(56)} ${v.toFixed(0).padStart(6)} ms CPU  ${(v / best.baseline).toFixed(2)}x baseline`);
if (sink < 0) console.log(sink);
