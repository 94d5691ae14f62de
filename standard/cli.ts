// `census requirements ...`, `census check FILE`, `census findings import|export`.
// Registration imports only commander and the output kit; each action loads what it uses.
import { Command, Option } from 'commander';
import { EXIT_CODES, formatTable, ndjson, outputOption, parse, UsageError } from '../platform/output.js';
import type { Catalog } from './catalog.js';
import type { ImportResult } from './formats/asff.js';

const FRAMEWORK_LABELS: Record<string, string> = { 'cis-aws-v3.0.0': 'CIS', 'aws-fsbp': 'FSBP' };

const catalogOption = () => new Option('--catalog <file>', 'requirements catalog (YAML or JSON); default: CENSUS_CATALOG, the config file\'s catalog, or the shipped Cloud Security Standard');

/** The catalog through the configuration gate: --catalog, then CENSUS_CATALOG, then the file's `catalog:`, then the shipped one. */
async function catalogFor(program: Command, flag?: string): Promise<Catalog> {
  const { loadConfig } = await import('../platform/config.js');
  const { loadCatalog } = await import('./index.js');
  return loadCatalog(loadConfig({ ...program.opts(), catalog: flag }).catalog);
}

async function writeOut(text: string, out?: string): Promise<void> {
  if (out) (await import('node:fs')).writeFileSync(out, text);
  else process.stdout.write(text);
}

function reportImport(result: ImportResult): void {
  const mapped = result.findings.filter((f) => f.requirementId).length;
  console.error(`imported ${result.findings.length} findings (${mapped} mapped to requirements, ${result.findings.length - mapped} unmapped), skipped ${result.skipped.length}`);
  for (const s of result.skipped) console.error(`  skipped ${s.position}: ${s.reason}`);
}

export function registerStandardCommands(program: Command): void {
  const requirements = program.command('requirements').description('the Cloud Security Standard: the requirements catalog');

  requirements
    .command('list')
    .description('print the catalog as a table (or JSON)')
    .addOption(catalogOption())
    .addOption(outputOption())
    .addOption(new Option('--json', 'same as --output json').hideHelp())
    .addHelpText('after', `\n${EXIT_CODES}.\n\nExamples:\n  census requirements list\n  census requirements list --catalog my-standard.yaml --output json`)
    .action(async (opts: { catalog?: string; json?: boolean; output: string }) => {
      const catalog = await catalogFor(program, opts.catalog);
      const format = opts.json ? 'json' : opts.output;
      if (format === 'json') return void process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
      if (format === 'ndjson') return void process.stdout.write(ndjson(catalog.requirements));
      const refs = (r: Catalog['requirements'][number]) => Object.entries(r.references).map(([fw, ids]) => `${FRAMEWORK_LABELS[fw] ?? fw} ${ids.join(',')}`).join('; ');
      process.stdout.write(
        `${catalog.name} ${catalog.version} (${catalog.requirements.length} requirements, ${catalog.source})\n\n${formatTable(
          ['ID', 'SEVERITY', 'WEIGHT', 'SCOPE', 'RULE', 'TITLE', 'REFERENCES'],
          catalog.requirements.map((r) => [r.id, r.severity, String(r.weight), r.scope, r.check ?? 'custom', r.title, refs(r)]),
        )}\n`,
      );
    });

  requirements
    .command('validate')
    .description('validate a catalog file and list every problem (file, requirement id, field)')
    .argument('<file>', 'catalog YAML or JSON')
    .addHelpText('after', `\nExit status: 0 valid, 1 invalid (every problem listed), 2 usage error.\n\nExample:\n  census requirements validate my-standard.yaml`)
    .action(async (file: string) => {
      const { loadCatalogFile } = await import('./catalog.js');
      const catalog = loadCatalogFile(file);
      console.log(`${file}: valid, ${catalog.requirements.length} requirements, ${Object.values(catalog.mappings).reduce((n, m) => n + Object.keys(m).length, 0)} mappings`);
    });

  program
    .command('check')
    .description('evaluate resource records from a file (NDJSON or JSON array) against the catalog and print the findings')
    .argument('<file>', 'ResourceRecords, e.g. the output of census collect --out')
    .addOption(catalogOption())
    .addOption(outputOption())
    .addOption(new Option('--format <format>', 'same as --output').choices(['table', 'json', 'ndjson']).hideHelp())
    .option('--fail-only', 'print only FAIL findings')
    .option('--no-sweep', 'skip account- and region-level requirements (GuardDuty, CloudTrail, ...)')
    .option('--out <file>', 'write the findings here instead of stdout')
    .option('--observed-at <timestamp>', 'evaluation time (ISO); ages like 90-day keys are measured from it (default: now)', parse.timestamp)
    .option('--trusted-accounts <file>', "the organization's trusted-accounts register for records not yet enriched (default: CENSUS_TRUSTED_ACCOUNTS)", (v: string, p: string[] = []) => [...p, v])
    .option('--known-accounts <file>', 'known-vendor list (default: the vendored fwd:cloudsec list; none: no list)')
    .option('--accounts <file>', "the organization's accounts (JSON array or NDJSON of account records, as at state/accounts.json) for records not yet enriched (default: the account records in FILE)")
    .addHelpText(
      'after',
      `\nExit status: 0 every record evaluated, 1 invalid records or requirements not evaluated (listed on stderr), 2 usage error.\n\nExamples:\n  census check inventory.ndjson\n  census check inventory.ndjson --catalog my-standard.yaml --output ndjson --out findings.ndjson`,
    )
    .action(async (file: string, opts: { catalog?: string; output: string; format?: string; failOnly?: boolean; sweep: boolean; out?: string; observedAt?: string; trustedAccounts?: string[]; knownAccounts?: string; accounts?: string }) => {
      const { checkRecords, readRecords, withTrust } = await import('./records.js');
      const observedAt = opts.observedAt ?? new Date().toISOString();
      const catalog = await catalogFor(program, opts.catalog);
      const read = readRecords(file, 'resource');
      const { errors, others } = read;
      for (const e of errors) console.error(`invalid record: ${e}`);
      const records = await withTrust(read.records, file, { ...program.opts(), trustedAccounts: opts.trustedAccounts, knownAccounts: opts.knownAccounts }, opts.accounts);
      if (Object.keys(others).length) console.error(`not resources, not evaluated: ${Object.entries(others).map(([t, n]) => `${n} ${t}`).join(', ')}`);
      const { findings, problems } = checkRecords(catalog, records, observedAt, opts.sweep);
      for (const p of problems) console.error(`not evaluated: ${p.requirementId} ${p.resource}: ${p.message}`);
      const shown = opts.failOnly ? findings.filter((f) => f.status === 'FAIL') : findings;
      const format = opts.format ?? opts.output;
      if (format === 'ndjson') await writeOut(ndjson(shown), opts.out);
      else if (format === 'json') await writeOut(`${JSON.stringify(shown, null, 2)}\n`, opts.out);
      else {
        const rows = shown.map((f) => [f.status, f.requirementId, f.severity, f.accountId, f.region, f.resourceArn ?? f.resourceId, f.evidence]);
        await writeOut(`${formatTable(['STATUS', 'REQUIREMENT', 'SEVERITY', 'ACCOUNT', 'REGION', 'RESOURCE', 'EVIDENCE'], rows, 90)}\n`, opts.out);
      }
      const failed = findings.filter((f) => f.status === 'FAIL').length;
      console.error(`${records.length} records, ${findings.length} findings (${failed} FAIL, ${findings.length - failed} PASS), ${errors.length} invalid records, ${problems.length} not evaluated`);
      if (errors.length || problems.length) throw new Error(`${errors.length} invalid records and ${problems.length} requirements not evaluated (see above)`);
    });

  const findings = program.command('findings').description("import other tools' findings, export findings as ASFF or OCSF");

  findings
    .command('import')
    .description('normalize Security Hub (ASFF) or Prowler (OCSF JSON) findings into FindingRecords, mapped through the catalog')
    .addOption(new Option('--format <format>', 'input format').choices(['asff', 'ocsf']).makeOptionMandatory())
    .argument('[file]', 'findings file (ASFF: GetFindings output, a JSON array or NDJSON; OCSF: Prowler --output-formats json-ocsf)')
    .option('--securityhub', 'read from Security Hub with GetFindings (all pages) instead of a file (ASFF only)')
    .option('--region <region>', 'Security Hub region')
    .addOption(catalogOption())
    .option('--out <file>', 'write NDJSON FindingRecords here instead of stdout')
    .addHelpText(
      'after',
      `\n${EXIT_CODES}.\n\nExamples:\n  census findings import --format ocsf prowler-output.ocsf.json --out findings.ndjson\n  census findings import --format asff securityhub-findings.json\n  census findings import --format asff --securityhub --region eu-west-1`,
    )
    .action(async (file: string | undefined, opts: { format: string; securityhub?: boolean; region?: string; catalog?: string; out?: string }) => {
      const catalog = await catalogFor(program, opts.catalog);
      let result: ImportResult;
      if (opts.securityhub) {
        if (opts.format !== 'asff') throw new UsageError('--securityhub reads ASFF: use --format asff');
        const { importFromSecurityHub, securityHubClient } = await import('./securityhub.js');
        result = await importFromSecurityHub(securityHubClient(opts.region), catalog, { onPage: (n) => console.error(`  ${n} findings read`) });
      } else {
        if (!file) throw new UsageError('give a findings file, or --securityhub');
        const { readAsffFile } = await import('./formats/asff.js');
        const { readProwlerOcsfFile } = await import('./formats/ocsf.js');
        result = opts.format === 'asff' ? readAsffFile(file, catalog) : readProwlerOcsfFile(file, catalog);
      }
      await writeOut(ndjson(result.findings), opts.out);
      reportImport(result);
    });

  findings
    .command('export')
    .description('write FindingRecords as ASFF (BatchImportFindings requests of ≤100) or OCSF Compliance Findings (class 2003)')
    .addOption(new Option('--format <format>', 'output format').choices(['asff', 'ocsf', 'ocsf-parquet']).makeOptionMandatory())
    .argument('<file>', 'FindingRecords (NDJSON or JSON array), e.g. from census check --output ndjson')
    .addOption(catalogOption())
    .option('--region <region>', 'ASFF: Security Hub region named in ProductArn (default: the SDK region, AWS_REGION)')
    .option('--product-account <id>', "ASFF: the account that will call BatchImportFindings (default: each finding's account; with --securityhub: the caller)", parse.accountIds)
    .option('--out <path>', 'ASFF: a folder for batch-0001.json...; OCSF: a file (default: stdout); ocsf-parquet: a folder for ext/<source>/region=/accountId=/eventDay=/')
    .option('--securityhub', 'ASFF: send to Security Hub with BatchImportFindings')
    .addHelpText(
      'after',
      `\n${EXIT_CODES}.\n\nExamples:\n  census findings export --format ocsf findings.ndjson --out findings.ocsf.json\n  census findings export --format ocsf-parquet findings.ndjson --out lake/ --region eu-west-1\n  census findings export --format asff findings.ndjson --out asff/\n  census findings export --format asff findings.ndjson --securityhub --region eu-west-1`,
    )
    .action(async (file: string, opts: { format: string; catalog?: string; region?: string; productAccount?: string; out?: string; securityhub?: boolean }) => {
      const { readRecords } = await import('./records.js');
      const { toOcsf } = await import('./formats/ocsf.js');
      const { defaultRegion } = await import('../platform/aws.js');
      const region = opts.region ?? defaultRegion();
      const catalog = await catalogFor(program, opts.catalog);
      const { records, errors } = readRecords(file, 'finding');
      if (errors.length) throw new Error(`${errors.length} invalid findings, first: ${errors[0]}`);
      if (opts.format === 'ocsf-parquet') {
        if (!opts.out) throw new UsageError('--format ocsf-parquet writes a Security Lake folder: give --out DIR');
        const { describeExport, exportLakeFiles } = await import('../feed/export.js');
        console.error(describeExport(exportLakeFiles(records.map((f) => toOcsf(f, { catalog })), { out: opts.out, homeRegion: region, input: file }), opts.out));
        return;
      }
      if (opts.format === 'ocsf') {
        await writeOut(`${JSON.stringify(records.map((f) => toOcsf(f, { catalog })), null, 2)}\n`, opts.out);
        console.error(`wrote ${records.length} OCSF Compliance Findings`);
        return;
      }
      const { asffBatches, toAsff } = await import('./formats/asff.js');
      if (opts.securityhub) {
        const { exportToSecurityHub, securityHubClient } = await import('./securityhub.js');
        const summary = await exportToSecurityHub(securityHubClient(region), records, { catalog, productAccountId: opts.productAccount });
        console.error(`BatchImportFindings: ${summary.imported} imported in ${summary.calls} calls, ${summary.failed.length} failed`);
        for (const f of summary.failed) console.error(`  failed ${f.id}: ${f.code} ${f.message}`);
        if (summary.failed.length) throw new Error(`${summary.failed.length} findings were rejected by Security Hub`);
        return;
      }
      const batches = asffBatches(records.map((f) => toAsff(f, { region, productAccountId: opts.productAccount, catalog })));
      if (opts.out) {
        const { mkdirSync, writeFileSync } = await import('node:fs');
        const { join } = await import('node:path');
        mkdirSync(opts.out, { recursive: true });
        batches.forEach((b, i) => writeFileSync(join(opts.out!, `batch-${String(i + 1).padStart(4, '0')}.json`), `${JSON.stringify({ Findings: b }, null, 2)}\n`));
      } else await writeOut(ndjson(batches.map((b) => ({ Findings: b }))));
      console.error(`wrote ${records.length} ASFF findings in ${batches.length} BatchImportFindings request${batches.length === 1 ? '' : 's'}`);
    });
}
