// `census resources export --format ocsf-parquet`: ResourceRecords as a Security Lake custom source folder
// (findings have the same under `census findings export`).
import { Command, Option } from 'commander';
import { EXIT_CODES } from '../platform/output.js';

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
}
