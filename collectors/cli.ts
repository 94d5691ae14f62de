// `census collect`: discovery and inventory from a laptop or CI with the caller's AWS credentials.
// Registration imports only commander and the collector names; the run's modules load when the command runs.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EXIT_CODES, IncompleteError, legacyJsonOption, outputOf, parse, printData, UsageError } from '../platform/output.js';
import { collectorNames } from './registry.js';
import type { RecordSink } from './producer.js';
import type { ProgressEvent, RunSummary } from './run.js';
import type { CollectionErrorRecord, StreamRecord } from '../core/schemas.js';

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
  pageSize?: number;
  concurrency?: { overall: number; perAccount: number; perRegion: number };
  output?: string;
  json?: boolean;
}

/** `16,4,4` -> { overall, perAccount, perRegion } */
export function parseConcurrency(v: string | undefined): { overall: number; perAccount: number; perRegion: number } | undefined {
  if (!v) return undefined;
  const [overall, perAccount, perRegion, ...rest] = v.split(',').map((s) => Number(s.trim()));
  const ok = (n: number | undefined) => n !== undefined && Number.isInteger(n) && n > 0;
  if (rest.length || !ok(overall) || !ok(perAccount) || !ok(perRegion)) throw new InvalidArgumentError(`--concurrency "${v}": expected three positive integers OVERALL,PER_ACCOUNT,PER_REGION`);
  return { overall: overall!, perAccount: perAccount!, perRegion: perRegion! };
}

export function parsePageSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1) throw new InvalidArgumentError(`--page-size "${v}": expected a positive integer`);
  return n;
}

function parseCollectors(v: string): string {
  const known = collectorNames();
  const bad = v.split(',').map((s) => s.trim()).filter(Boolean).find((n) => !known.includes(n));
  if (bad !== undefined) throw new InvalidArgumentError(`unknown collector "${bad}"; known: ${known.join(', ')}`);
  return v;
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

/** Keeps the first collection errors that pass through, so a failed run can say what failed where. */
class ErrorTap implements RecordSink {
  readonly errors: CollectionErrorRecord[] = [];
  constructor(private readonly inner: RecordSink, private readonly keep = 5) {}
  async put(record: StreamRecord): Promise<void> {
    if (record.recordType === 'collection-error' && this.errors.length < this.keep) this.errors.push(record);
    await this.inner.put(record);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Why a finished run did not do its job (exit 3), or undefined when every discovered account was inventoried. */
export function incompleteReason(summary: RunSummary, errors: CollectionErrorRecord[]): string | undefined {
  const payerErrors = errors.filter((e) => summary.payers.includes(e.accountId) && e.collector === null);
  const first = errors.slice(0, 5).map((e) => `  ${e.accountId}${e.region ? ` ${e.region}` : ''}${e.collector ? ` ${e.collector}` : ''}: ${e.code}: ${e.message}`);
  const withErrors = (reason: string) => [reason, ...(first.length ? ['first errors:', ...first] : [])].join('\n');
  if (payerErrors.length) return withErrors(`discovery failed for payer(s) ${[...new Set(payerErrors.map((e) => e.accountId))].join(', ')}`);
  if (summary.accounts.total === 0) return withErrors('no account found in the payer organizations');
  if (summary.accounts.notInventoried.length) return withErrors(`${summary.accounts.notInventoried.length} account(s) could not be inventoried: ${summary.accounts.notInventoried.join(', ')}`);
  return undefined;
}

export function registerCollectorCommands(program: Command): void {
  program
    .command('collect')
    .description('discover every account of the payer organizations and inventory them into Kinesis (or an NDJSON file)')
    .option('--payers <ids>', 'payer (management) account IDs, 12 digits, comma-separated [CENSUS_PAYERS]', parse.accountIds)
    .option('--audit-role <name>', 'read-only audit role to assume in every account [CENSUS_AUDIT_ROLE, default CensusAudit]')
    .option('--external-id <id>', 'sts:ExternalId the audit role requires [CENSUS_EXTERNAL_ID]')
    .option('--regions <list>', 'regions to inventory, comma-separated [CENSUS_REGIONS; default: every region enabled for the account]')
    .option('--out <file>', 'write the records as NDJSON to this file instead of Kinesis')
    .option('--stream <name>', 'Kinesis stream [CENSUS_STREAM_NAME, default census-records]')
    .option('--feed-bucket <bucket>', 'bucket for the account list and oversize records [CENSUS_FEED_BUCKET]')
    .option('--dead-letter-bucket <bucket>', 'bucket for records that could not be sent [CENSUS_DEAD_LETTER_BUCKET]')
    .option('--collectors <names>', `collectors to run, comma-separated (default all): ${collectorNames().join(', ')}`, parseCollectors)
    .option('--concurrency <o,a,r>', 'API calls in flight overall, per account, per region [default 16,4,4]', parseConcurrency)
    .option('--page-size <n>', "page size for list calls (default: each API's own)", parsePageSize)
    .addOption(new Option('--output <format>', 'run summary: table or json').choices(['table', 'json']).default('table'))
    .addOption(legacyJsonOption())
    .addHelpText(
      'after',
      `
Configuration: flags win over CENSUS_* environment variables, which win over --config FILE (see examples/census.yaml).
AWS endpoints come from the SDK's standard settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_KINESIS, ...).
Progress per account goes to stderr; the summary (accounts, resources by type, errors, retries, spend) to stdout.

${EXIT_CODES}, 3 incomplete: discovery failed, no account was found, or an account could not be inventoried
(the first errors are printed with their accounts).

Examples:
  census collect --payers 111111111111 --audit-role CensusAudit --regions us-east-1,eu-west-1 --out records.ndjson
  census collect --payers 111111111111,222222222222 --audit-role CensusAudit --stream census-records --feed-bucket census-feed`,
    )
    .action(async (flags: CollectFlags, cmd: Command) => {
      const { loadConfig } = await import('../platform/config.js');
      const { KinesisProducer, NdjsonFileSink } = await import('./producer.js');
      const { formatSummary, runCollection } = await import('./run.js');
      const config = loadConfig({
        ...cmd.optsWithGlobals(),
        payers: flags.payers,
        auditRole: flags.auditRole,
        externalId: flags.externalId,
        regions: flags.regions,
        streamName: flags.stream,
        feedBucket: flags.feedBucket,
        deadLetterBucket: flags.deadLetterBucket,
        concurrency: flags.concurrency,
      });
      // payers from the environment or the file are checked as strictly as the flag, before anything runs
      if (!config.payers.length) throw new UsageError('no payer accounts configured: pass --payers or set CENSUS_PAYERS (or payers: in --config)');
      for (const p of config.payers) {
        try {
          parse.accountIds(p);
        } catch (err) {
          throw new UsageError(`payers: ${(err as Error).message}`);
        }
      }
      const inner = flags.out
        ? new NdjsonFileSink(flags.out)
        : new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
      const sink = new ErrorTap(inner);
      let discovered = false;
      const summary = await runCollection(config, sink, {
        collectors: flags.collectors?.split(',').map((s) => s.trim()).filter(Boolean),
        pageSize: flags.pageSize,
        // offline runs keep the account list only in the file, unless a feed bucket is named
        writeAccountList: !flags.out || Boolean(flags.feedBucket),
        onProgress: (e) => {
          if (e.kind === 'discovered') discovered = true;
          process.stderr.write(`${progressLine(e)}\n`);
        },
      }).catch((err: Error) => {
        // a failure before any account was discovered (no credentials, no endpoint) is a failed discovery: exit 3
        if (!discovered) throw new IncompleteError(`discovery failed for payer(s) ${config.payers.join(', ')}: ${err.message}`);
        throw err;
      });
      if (inner instanceof KinesisProducer) {
        const p = inner.stats;
        process.stderr.write(
          `stream ${config.streamName}: ${p.records} records in ${p.requests} PutRecords, ${p.resentEntries} entries resent, ${p.oversize} by S3 pointer, ${p.deadLettered} dead-lettered\n`,
        );
      } else {
        process.stderr.write(`wrote ${inner.records} records to ${inner.path}\n`);
        if (inner.rejected) process.stderr.write(`${inner.rejected} records broke the record contract: see ${inner.rejectedPath}\n`);
      }
      printData(outputOf(flags), summary, () => formatSummary(summary));
      const reason = incompleteReason(summary, sink.errors);
      if (reason) throw new IncompleteError(reason);
    });
}
