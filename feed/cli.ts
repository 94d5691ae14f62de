// `census resources export --format ocsf-parquet`: ResourceRecords as a Security Lake custom source folder
// (findings have the same under `census findings export`); `census lake compact`: the staged Security Lake events
// merged into Security Lake-sized objects (feed/lake-staging.ts).
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODES, outputOf, outputOption } from '../platform/output.js';

const nonNegative = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative number, got "${v}"`);
  return n;
};

export function registerFeedCommands(program: Command): void {
  const resources = program.command('resources').description('resource records in the formats SIEMs and data lakes take');
  resources
    .command('export')
    .description('write ResourceRecords as OCSF Cloud Resources Inventory Info (class 5023) in Parquet, laid out as a Security Lake custom source')
    .addOption(new Option('--format <format>', 'output format').choices(['ocsf-parquet']).makeOptionMandatory())
    .argument('<file>', 'ResourceRecords (NDJSON or JSON array), e.g. from census collect --out')
    .requiredOption('--out <dir>', 'folder for ext/<source>/region=<region>/accountId=<id>/eventDay=<YYYYMMDD>/')
    .option('--region <region>', 'region partition for global resources (IAM, Route 53, ...)', process.env.AWS_REGION ?? 'us-east-1')
    .option('--source-name <name>', 'Security Lake custom source name', 'census-inventory-info')
    .addHelpText('after', `\n${EXIT_CODES}.\n` + '\nExample:\n  census resources export --format ocsf-parquet inventory.ndjson --out lake/ --region eu-west-1')
    .action(async (file: string, opts: { out: string; region: string; sourceName: string }) => {
      const { readRecords } = await import('../standard/records.js');
      const { describeExport, exportLakeFiles } = await import('./export.js');
      const { resourceToOcsf } = await import('./ocsf-inventory.js');
      const { records, errors, others } = readRecords(file, 'resource');
      for (const e of errors) console.error(`invalid record: ${e}`);
      if (Object.keys(others).length) console.error(`not resources, not exported: ${Object.entries(others).map(([t, n]) => `${n} ${t}`).join(', ')}`);
      const objects = exportLakeFiles(records.map((r) => resourceToOcsf(r)), { out: opts.out, homeRegion: opts.region, input: file, sourceNames: { 5023: opts.sourceName } });
      console.error(describeExport(objects, opts.out));
      if (errors.length) throw new Error(`${errors.length} invalid records were not exported (see above)`);
    });

  const lake = program.command('lake').description('the Security Lake custom sources Census writes');
  lake
    .command('compact')
    .description('merge the staged Security Lake events of each OCSF class and partition into Security Lake-sized Parquet objects, then delete the staged ones')
    .option('--staging <s3uri>', 'staging location (default CENSUS_SECURITY_LAKE_STAGING)')
    .option('--max-wait-minutes <n>', "merge a partition once its oldest staged object is this old (Security Lake: 5 minutes to a day)", nonNegative('--max-wait-minutes'), 60)
    .option('--target-mib <n>', 'merge a partition once its staged objects add up to this, and put at most this much into one merged object', nonNegative('--target-mib'), 8)
    .option('--orphan-hours <n>', 'delete staged objects whose feed object never appeared after this long (their batch was delivered again under another name)', nonNegative('--orphan-hours'), 168)
    .addOption(outputOption(['table', 'json']))
    .addHelpText(
      'after',
      `\n${EXIT_CODES}.\n` +
        '\nReads the Security Lake location from CENSUS_SECURITY_LAKE or CENSUS_SECURITY_LAKE_SOURCES (as the processors do) and the feed bucket from the Census configuration.' +
        '\n\nExample:\n  CENSUS_SECURITY_LAKE=s3://lake/ext/ census lake compact --staging s3://census-feed/lake-staging/ --max-wait-minutes 0',
    )
    .action(async (opts: { staging?: string; maxWaitMinutes: number; targetMib: number; orphanHours: number; output?: string }) => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      const { s3Config } = await import('../platform/aws.js');
      const { loadConfig } = await import('../platform/config.js');
      const { securityLakeWriterFromEnv } = await import('./security-lake-sink.js');
      const { compactLake, describeCompaction } = await import('./lake-compactor.js');
      const s3 = new S3Client(s3Config());
      const env = opts.staging ? { ...process.env, CENSUS_SECURITY_LAKE_STAGING: opts.staging } : process.env;
      const writer = securityLakeWriterFromEnv(s3, env);
      if (!writer) throw new Error('Security Lake output is off: set CENSUS_SECURITY_LAKE=s3://bucket/ext/ or CENSUS_SECURITY_LAKE_SOURCES');
      const report = await compactLake(
        { s3, writer, feedBucket: loadConfig().feedBucket },
        { maxWaitMs: opts.maxWaitMinutes * 60_000, targetBytes: opts.targetMib * 1024 * 1024, orphanAgeMs: opts.orphanHours * 3_600_000 },
      );
      for (const e of report.errors) console.error(`skipped: ${e}`);
      if (outputOf(opts) === 'json') console.log(JSON.stringify(report, null, 2));
      else console.log(describeCompaction(report));
    });
}
