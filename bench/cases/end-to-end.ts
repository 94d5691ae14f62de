// End to end: records per second from collector to searchable in OpenSearch (collect → Kinesis →
// process → refresh), for two organization sizes measured in the same run, with peak memory.
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Config } from '../../platform/aws.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { demoConfig, prepareTargets, writeRegisters } from '../../scripts/demo/run-demo.js';
import { collectOrganization, consumeAll } from '../../scripts/demo/pipeline-stages.js';
import { buildSyntheticOrg } from '../../scripts/demo/synthetic-org.js';
import { timed, type PairResult, type Sample } from '../measure.js';

const noProgress = { total: () => undefined, update: () => undefined };

async function oneRun(accounts: number, seed: number, name: string): Promise<{ sample: Sample; records: number }> {
  process.stderr.write(`  seeding ${accounts} accounts in moto (not timed)\n`);
  const manifest = await buildSyntheticOrg({
    seed,
    accounts,
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) process.stderr.write(`    ${done}/${total} accounts seeded\n`);
    },
  });
  const registerDir = mkdtempSync(join(tmpdir(), 'census-bench-registers-'));
  writeRegisters(registerDir, manifest);
  const config = demoConfig(name, manifest, { registerDir });
  const os = openSearchClient(config);
  await prepareTargets(config, new S3Client(s3Config()), os);
  let records = 0;
  const sample = await timed(async () => {
    const collected = await collectOrganization(config, noProgress);
    const processed = await consumeAll(config, noProgress);
    records = collected.records;
    if (processed.received < collected.records) throw new Error(`processed ${processed.received} of ${collected.records} records`);
  });
  await os.indices.delete({ index: `${name}-*`, expand_wildcards: 'all' }).catch(() => undefined);
  return { sample, records };
}

/** The larger organization is the subject, the smaller the baseline: the ratio shows how throughput scales. */
export async function endToEndCase(small: number, large: number, stem: string): Promise<PairResult> {
  const seedBase = 500 + Math.floor(Math.random() * 400);
  const base = await oneRun(small, seedBase, `${stem}-e2e-${small}`);
  const subject = await oneRun(large, seedBase + 1, `${stem}-e2e-${large}`);
  // normalise both to records/s of the larger run's record count, so the table's rates are per record
  const perRecord = (r: { sample: Sample; records: number }): Sample => ({ ...r.sample, seconds: (r.sample.seconds / r.records) * subject.records });
  return {
    name: `end to end, collector → searchable (${subject.records} records at ${large} accounts, ${base.records} at ${small})`,
    items: subject.records,
    unit: 'records',
    subject: { label: `${large} accounts`, samples: [perRecord(subject)] },
    baseline: { label: `${small} accounts`, samples: [perRecord(base)] },
  };
}
