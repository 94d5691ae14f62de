// Lambda entry of the scheduled Security Lake compaction (infra/lib/siem.ts runs it on a schedule when Security
// Lake output is on). Inputs that cannot be used are logged and skipped; a failed S3 call fails the invocation,
// and the next scheduled run finishes what this one claimed.
import { S3Client } from '@aws-sdk/client-s3';
import { s3Config } from '../platform/aws.js';
import { loadConfig } from '../platform/config.js';
import { log } from '../platform/log.js';
import { compactLake, describeCompaction, type CompactionReport } from './lake-compactor.js';
import { securityLakeWriterFromEnv } from './security-lake-sink.js';

const s3 = new S3Client(s3Config());

/** optional tuning from the environment (minutes, MiB, hours), checked so a typo fails loudly instead of merging nothing */
function numberEnv(name: string, scale: number): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}="${v}" is not a non-negative number`);
  return n * scale;
}

export async function compactHandler(): Promise<Omit<CompactionReport, 'merged'> & { mergedObjects: number }> {
  const writer = securityLakeWriterFromEnv(s3);
  if (!writer) throw new Error('Security Lake output is off (no CENSUS_SECURITY_LAKE or CENSUS_SECURITY_LAKE_SOURCES)');
  const report = await compactLake(
    { s3, writer, feedBucket: loadConfig().feedBucket },
    {
      maxWaitMs: numberEnv('CENSUS_LAKE_MAX_WAIT_MINUTES', 60_000),
      targetBytes: numberEnv('CENSUS_LAKE_TARGET_MIB', 1024 * 1024),
      orphanAgeMs: numberEnv('CENSUS_LAKE_ORPHAN_HOURS', 3_600_000),
    },
  );
  log.info({ summary: describeCompaction(report) }, 'lake compaction');
  const { merged, ...rest } = report;
  return { ...rest, mergedObjects: merged.reduce((n, m) => n + m.objects.length, 0) };
}
