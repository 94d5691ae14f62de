// Following change: a second inventory of an unchanged organization against the first (what each writes to S3
// latest/, the feed and OpenSearch, as a share of the first), and the event-to-searchable latency of a change
// made after the runs, on the local stack. The processor core ratio is the `processor` case.
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Config } from '../../platform/aws.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { demoConfig, prepareTargets, writeRegisters } from '../../scripts/demo/run-demo.js';
import { collectOrganization, consumeAll } from '../../scripts/demo/pipeline-stages.js';
import { buildSyntheticOrg } from '../../scripts/demo/synthetic-org.js';
import { measureEventLatency, measureWrites, type EventLatency, type RunWrites } from '../../scripts/demo/follow-change.js';

const noProgress = { total: () => undefined, update: () => undefined };

export interface FollowChangeResult {
  first: RunWrites;
  second: RunWrites;
  latency: EventLatency;
  /** what the processors made of the second run's records */
  secondProcessed: { received: number; unchanged: number; recalled: number };
}

export async function followChangeCase(accounts: number, events: number, stem: string): Promise<FollowChangeResult> {
  process.stderr.write(`  seeding ${accounts} accounts in moto (not timed)\n`);
  // a fresh organization each run (moto keeps the last one's accounts); the seed is printed to repeat it
  const seed = 4000 + Math.floor(Math.random() * 100_000);
  process.stderr.write(`  seed ${seed}\n`);
  const manifest = await buildSyntheticOrg({ seed, accounts });
  const registerDir = mkdtempSync(join(tmpdir(), 'census-bench-follow-'));
  writeRegisters(registerDir, manifest);
  const name = `${stem}-follow`;
  const config = demoConfig(name, manifest, { registerDir });
  const s3 = new S3Client(s3Config());
  const os = openSearchClient(config);
  await prepareTargets(config, s3, os);
  let processed = { received: 0, unchanged: 0, recalled: 0 };
  const run = async () => {
    await collectOrganization(config, noProgress);
    processed = await consumeAll(config, noProgress);
  };
  const first = await measureWrites(s3, os, config, run);
  process.stderr.write(`  first run: ${JSON.stringify(first)}\n`);
  const second = await measureWrites(s3, os, config, run);
  process.stderr.write(`  second (unchanged) run: ${JSON.stringify(second)}\n`);
  const secondProcessed = { received: processed.received, unchanged: processed.unchanged, recalled: processed.recalled };
  const member = manifest.accounts[0]!;
  const latency = await measureEventLatency(config, os, member.accountId, manifest.regions[0]!, events);
  await os.indices.delete({ index: `${name}-*`, expand_wildcards: 'all' }).catch(() => undefined);
  return { first, second, secondProcessed, latency };
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');

export function formatFollowChange(r: FollowChangeResult, accounts: number): string {
  return [
    `following change (${accounts} accounts, local stack)`,
    `  steady state: second run writes, as a share of the first (target at most 2%)`,
    `    S3 latest/ PUTs        ${r.second.latestPuts} of ${r.first.latestPuts}  (${pct(r.second.latestPuts, r.first.latestPuts)})`,
    `    S3 PUTs, every prefix  ${r.second.s3Puts ?? 0} of ${r.first.s3Puts ?? 0}  (${pct(r.second.s3Puts ?? 0, r.first.s3Puts ?? 0)})`,
    `    OpenSearch index ops   ${r.second.indexOps} of ${r.first.indexOps}  (${pct(r.second.indexOps, r.first.indexOps)})`,
    `    feed lines             ${r.second.feedLines} of ${r.first.feedLines}  (${pct(r.second.feedLines, r.first.feedLines)})`,
    `  second run's ${r.secondProcessed.received} records: ${r.secondProcessed.unchanged} copies unchanged, ${r.secondProcessed.recalled} resources recognised by their fingerprints (not derived again)`,
    `  event to searchable (${r.latency.samples} changes): median ${r.latency.medianMs} ms, 95th percentile ${r.latency.p95Ms} ms`,
  ].join('\n');
}
