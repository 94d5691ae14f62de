// `census collect`: discovery and inventory from a laptop or CI with the caller's AWS credentials.
import type { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { KinesisProducer, NdjsonFileSink, type RecordSink } from './producer.js';
import { collectorNames } from './registry.js';
import { formatSummary, runCollection, type ProgressEvent } from './run.js';

interface CollectFlags {
  payers?: string;
  auditRole?: string;
  externalId?: string;
  regions?: string;
  out?: string;
  stream?: string;
  feedBucket?: string;
  deadLetterBucket?: string;
  collectors?: string;
  pageSize?: string;
  concurrency?: string;
  json?: boolean;
  config?: string;
}

/** `16,4,4` -> { overall, perAccount, perRegion } */
export function parseConcurrency(v: string | undefined): { overall: number; perAccount: number; perRegion: number } | undefined {
  if (!v) return undefined;
  const [overall, perAccount, perRegion] = v.split(',').map((s) => Number(s.trim()));
  const ok = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0;
  if (!ok(overall) || !ok(perAccount) || !ok(perRegion)) throw new Error(`--concurrency "${v}": expected three positive integers OVERALL,PER_ACCOUNT,PER_REGION`);
  return { overall: overall!, perAccount: perAccount!, perRegion: perRegion! };
}

export function parsePageSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--page-size "${v}": expected a positive integer`);
  return n;
}

function progressLine(e: ProgressEvent): string {
  if (e.kind === 'discovered') return `discovered ${e.accounts} accounts in ${e.payers} organization(s), ${e.active} active to inventory`;
  const a = e.account;
  const n = Object.values(a.resourcesByType).reduce((x, y) => x + y, 0);
  const status = a.inventoried
    ? `${n} resources in ${a.regions.length} regions, ${a.collectionErrors} collection errors, ${a.resourceErrors} failed detail calls`
    : 'NOT INVENTORIED (audit role could not be assumed)';
  return `[${e.done}/${e.total}] ${a.accountId}: ${status}`;
}

export function registerCollectorCommands(program: Command): void {
  program
    .command('collect')
    .description('discover every account of the payer organizations and inventory them into Kinesis (or an NDJSON file)')
    .option('--payers <ids>', 'payer (management) account IDs, comma-separated [CENSUS_PAYERS]')
    .option('--audit-role <name>', 'read-only audit role to assume in every account [CENSUS_AUDIT_ROLE, default CensusAudit]')
    .option('--external-id <id>', 'sts:ExternalId the audit role requires [CENSUS_EXTERNAL_ID]')
    .option('--regions <list>', 'regions to inventory, comma-separated [CENSUS_REGIONS; default: every region enabled for the account]')
    .option('--out <file>', 'write the records as NDJSON to this file instead of Kinesis')
    .option('--stream <name>', 'Kinesis stream [CENSUS_STREAM_NAME, default census-records]')
    .option('--feed-bucket <bucket>', 'bucket for the account list and oversize records [CENSUS_FEED_BUCKET]')
    .option('--dead-letter-bucket <bucket>', 'bucket for records that could not be sent [CENSUS_DEAD_LETTER_BUCKET]')
    .option('--collectors <names>', `collectors to run, comma-separated (default all): ${collectorNames().join(', ')}`)
    .option('--concurrency <o,a,r>', 'API calls in flight overall, per account, per region [default 16,4,4]')
    .option('--page-size <n>', 'page size for list calls (default: each API\'s own)')
    .option('--json', 'print the run summary as JSON')
    .addHelpText(
      'after',
      `
Configuration: flags win over CENSUS_* environment variables, which win over --config FILE (YAML/JSON with the
same keys: payers, auditRole, externalId, regions, ownerTagKey, executiveTagKey, streamName, feedBucket, ...).
AWS endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS, ...).
Progress per account goes to stderr; the summary (accounts, resources by type, errors, retries, spend) to stdout.

Examples:
  census collect --payers 111111111111 --audit-role CensusAudit --regions us-east-1,eu-west-1 --out records.ndjson
  census collect --payers 111111111111,222222222222 --audit-role CensusAudit --stream census-records --feed-bucket census-feed`,
    )
    .action(async (flags: CollectFlags, cmd: Command) => {
      const global = cmd.optsWithGlobals() as CollectFlags;
      const config = loadConfig({
        config: global.config,
        payers: flags.payers,
        auditRole: flags.auditRole,
        externalId: flags.externalId,
        regions: flags.regions,
        streamName: flags.stream,
        feedBucket: flags.feedBucket,
        deadLetterBucket: flags.deadLetterBucket,
        concurrency: parseConcurrency(flags.concurrency),
      });
      const sink: RecordSink = flags.out
        ? new NdjsonFileSink(flags.out)
        : new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
      const summary = await runCollection(config, sink, {
        collectors: flags.collectors?.split(',').map((s) => s.trim()).filter(Boolean),
        pageSize: parsePageSize(flags.pageSize),
        // offline runs keep the account list only in the file, unless a feed bucket is named
        writeAccountList: !flags.out || Boolean(flags.feedBucket),
        onProgress: (e) => process.stderr.write(`${progressLine(e)}\n`),
      });
      if (sink instanceof KinesisProducer) {
        const p = sink.stats;
        process.stderr.write(
          `stream ${config.streamName}: ${p.records} records in ${p.requests} PutRecords, ${p.resentEntries} entries resent, ${p.oversize} by S3 pointer, ${p.deadLettered} dead-lettered\n`,
        );
      } else if (sink instanceof NdjsonFileSink) {
        process.stderr.write(`wrote ${sink.records} records to ${sink.path}\n`);
        if (sink.rejected) process.stderr.write(`${sink.rejected} records broke the record contract: see ${sink.rejectedPath}\n`);
      }
      console.log(flags.json ? JSON.stringify(summary, null, 2) : formatSummary(summary));
    });
}
