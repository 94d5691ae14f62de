// `census requirements ...`, `census check FILE`, `census findings import|export`.
import { Command, Option } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FindingRecord, ResourceRecord, SchemaError, StreamRecord, parseRecord, parseWith } from '../core/schemas.js';
import { loadCatalogFile, type Catalog } from './catalog.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, type EvaluationProblem } from './evaluate.js';
import { asffBatches, readAsffFile, toAsff, type ImportResult } from './formats/asff.js';
import { readEntries } from './formats/entries.js';
import { readProwlerOcsfFile, toOcsf } from './formats/ocsf.js';
import { describeExport, exportLakeFiles } from '../feed/export.js';
import { exportToSecurityHub, importFromSecurityHub, securityHubClient } from './securityhub.js';
import { loadCatalog } from './index.js';

const FRAMEWORK_LABELS: Record<string, string> = { 'cis-aws-v3.0.0': 'CIS', 'aws-fsbp': 'FSBP' };

const catalogOption = () => new Option('--catalog <file>', 'requirements catalog (YAML or JSON); default: CENSUS_CATALOG or the shipped Cloud Security Standard');

/** Fixed-width columns for people; long cells are cut so a row stays on one line. */
export function formatTable(header: string[], rows: string[][], maxWidth = 60): string {
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * Records of one kind from a JSON array or NDJSON file (e.g. `census collect --out`, which also holds account
 * and inventory-run records: those are counted in `others`, not errors); every bad entry is reported with its position.
 */
export function readRecords<K extends 'resource' | 'finding'>(
  file: string,
  kind: K,
): { records: Extract<StreamRecord, { recordType: K }>[]; errors: string[]; others: Record<string, number> } {
  const records: Extract<StreamRecord, { recordType: K }>[] = [];
  const errors: string[] = [];
  const others: Record<string, number> = {};
  const schema = kind === 'resource' ? ResourceRecord : FindingRecord;
  for (const entry of readEntries(file, ['records', 'findings', 'Findings'])) {
    const label = `${file} ${entry.position}`;
    try {
      const type = (entry.value as { recordType?: unknown } | null)?.recordType;
      if (typeof type === 'string' && type !== kind && StreamRecord.options.some((o) => o.shape.recordType.value === type)) {
        parseRecord(entry.value, label);
        others[type] = (others[type] ?? 0) + 1;
        continue;
      }
      records.push(parseWith(schema, entry.value, label) as Extract<StreamRecord, { recordType: K }>);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      errors.push(err.message);
    }
  }
  return { records, errors, others };
}

const accountsOf = (records: ResourceRecord[]) => [...new Set(records.map((r) => r.awsAccountId))].sort();

/** Resource-level findings of every record, and the sweep of every account found in the file. */
export function checkRecords(catalog: Catalog, records: ResourceRecord[], observedAt: string, sweep: boolean): { findings: FindingRecord[]; problems: EvaluationProblem[] } {
  const out = evaluateRecordsDetailed(catalog, records, observedAt);
  if (sweep) {
    for (const accountId of accountsOf(records)) {
      const resources = records.filter((r) => r.awsAccountId === accountId);
      const regions = [...new Set(resources.map((r) => r.awsRegion).filter((r) => r !== 'global'))].sort();
      const s = evaluateSweepDetailed(catalog, { accountId, regions, resources }, observedAt);
      out.findings.push(...s.findings);
      out.problems.push(...s.problems);
    }
  }
  return out;
}

/**
 * Records straight from `census collect --out` carry no `trustedAccounts` (the processors add them): classify their
 * policies here with the same pure rule, the known-vendor list and the organization's accounts found in the file.
 */
async function withTrust(records: ResourceRecord[], file: string, flags: Record<string, unknown>): Promise<ResourceRecord[]> {
  if (records.every((r) => r.trustedAccounts !== undefined)) return records;
  const { loadConfig, trustRegisterSources } = await import('../platform/config.js');
  const { loadTrustRegister } = await import('../registers/trusted-accounts.js');
  const { recordTrust } = await import('../policy/trust.js');
  const { register, problems } = await loadTrustRegister(trustRegisterSources(loadConfig(flags)));
  for (const p of problems) console.error(`warning: ${p.source} row ${p.row}: ${p.reason}`);
  const orgAccounts = new Map<string, { name: string | null }>();
  for (const entry of readEntries(file, ['records'])) {
    const v = entry.value as { recordType?: unknown; accountId?: unknown; name?: unknown } | null;
    if (v?.recordType === 'account' && typeof v.accountId === 'string') orgAccounts.set(v.accountId, { name: typeof v.name === 'string' ? v.name : null });
  }
  return records.map((r) => {
    if (r.trustedAccounts !== undefined) return r;
    const trust = recordTrust(r, { orgAccounts, register });
    return { ...r, trustedAccounts: trust.trustedAccounts, public: trust.public };
  });
}

function writeOut(text: string, out?: string): void {
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}

const ndjson = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');

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
    .option('--json', 'print the validated catalog as JSON')
    .addHelpText('after', '\nExamples:\n  census requirements list\n  census requirements list --catalog my-standard.yaml --json')
    .action((opts: { catalog?: string; json?: boolean }) => {
      const catalog = loadCatalog(opts.catalog);
      if (opts.json) {
        console.log(JSON.stringify(catalog, null, 2));
        return;
      }
      console.log(`${catalog.name} ${catalog.version} (${catalog.requirements.length} requirements, ${catalog.source})\n`);
      const refs = (r: Catalog['requirements'][number]) => Object.entries(r.references).map(([fw, ids]) => `${FRAMEWORK_LABELS[fw] ?? fw} ${ids.join(',')}`).join('; ');
      console.log(
        formatTable(
          ['ID', 'SEVERITY', 'WEIGHT', 'SCOPE', 'RULE', 'TITLE', 'REFERENCES'],
          catalog.requirements.map((r) => [r.id, r.severity, String(r.weight), r.scope, r.check ?? 'custom', r.title, refs(r)]),
        ),
      );
    });

  requirements
    .command('validate')
    .description('validate a catalog file and list every problem (file, requirement id, field)')
    .argument('<file>', 'catalog YAML or JSON')
    .addHelpText('after', '\nExample:\n  census requirements validate my-standard.yaml')
    .action((file: string) => {
      const catalog = loadCatalogFile(file);
      console.log(`${file}: valid, ${catalog.requirements.length} requirements, ${Object.values(catalog.mappings).reduce((n, m) => n + Object.keys(m).length, 0)} mappings`);
    });

  program
    .command('check')
    .description('evaluate resource records from a file (NDJSON or JSON array) against the catalog and print the findings')
    .argument('<file>', 'ResourceRecords, e.g. the output of census collect --out')
    .addOption(catalogOption())
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'ndjson']).default('table'))
    .option('--fail-only', 'print only FAIL findings')
    .option('--no-sweep', 'skip account- and region-level requirements (GuardDuty, CloudTrail, ...)')
    .option('--out <file>', 'write the findings here instead of stdout')
    .option('--observed-at <timestamp>', 'evaluation time (ISO); ages like 90-day keys are measured from it (default: now)')
    .option('--trusted-accounts <file>', "the organization's trusted-accounts register for records not yet enriched (default: CENSUS_TRUSTED_ACCOUNTS)", (v: string, p: string[] = []) => [...p, v])
    .option('--known-accounts <file>', 'known-vendor list (default: the vendored fwd:cloudsec list; none: no list)')
    .addHelpText('after', '\nExamples:\n  census check inventory.ndjson\n  census check inventory.ndjson --catalog my-standard.yaml --format ndjson --out findings.ndjson')
    .action(async (file: string, opts: { catalog?: string; format: string; failOnly?: boolean; sweep: boolean; out?: string; observedAt?: string; trustedAccounts?: string[]; knownAccounts?: string }) => {
      const when = new Date(opts.observedAt ?? Date.now());
      if (Number.isNaN(when.getTime())) throw new Error(`--observed-at "${opts.observedAt}" is not an ISO timestamp`);
      const observedAt = when.toISOString();
      const catalog = loadCatalog(opts.catalog);
      const read = readRecords(file, 'resource');
      const { errors, others } = read;
      for (const e of errors) console.error(`invalid record: ${e}`);
      const records = await withTrust(read.records, file, { ...program.opts(), trustedAccounts: opts.trustedAccounts, knownAccounts: opts.knownAccounts });
      if (Object.keys(others).length) console.error(`not resources, not evaluated: ${Object.entries(others).map(([t, n]) => `${n} ${t}`).join(', ')}`);
      const { findings, problems } = checkRecords(catalog, records, observedAt, opts.sweep);
      for (const p of problems) console.error(`not evaluated: ${p.requirementId} ${p.resource}: ${p.message}`);
      const shown = opts.failOnly ? findings.filter((f) => f.status === 'FAIL') : findings;
      if (opts.format === 'ndjson') writeOut(ndjson(shown), opts.out);
      else {
        const rows = shown.map((f) => [f.status, f.requirementId, f.severity, f.accountId, f.region, f.resourceArn ?? f.resourceId, f.evidence]);
        writeOut(`${formatTable(['STATUS', 'REQUIREMENT', 'SEVERITY', 'ACCOUNT', 'REGION', 'RESOURCE', 'EVIDENCE'], rows, 90)}\n`, opts.out);
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
      '\nExamples:\n  census findings import --format ocsf prowler-output.ocsf.json --out findings.ndjson\n  census findings import --format asff securityhub-findings.json\n  census findings import --format asff --securityhub --region eu-west-1',
    )
    .action(async (file: string | undefined, opts: { format: string; securityhub?: boolean; region?: string; catalog?: string; out?: string }) => {
      const catalog = loadCatalog(opts.catalog);
      let result: ImportResult;
      if (opts.securityhub) {
        if (opts.format !== 'asff') throw new Error('--securityhub reads ASFF: use --format asff');
        result = await importFromSecurityHub(securityHubClient(opts.region), catalog, { onPage: (n) => console.error(`  ${n} findings read`) });
      } else {
        if (!file) throw new Error('give a findings file, or --securityhub');
        result = opts.format === 'asff' ? readAsffFile(file, catalog) : readProwlerOcsfFile(file, catalog);
      }
      writeOut(ndjson(result.findings), opts.out);
      reportImport(result);
    });

  findings
    .command('export')
    .description('write FindingRecords as ASFF (BatchImportFindings requests of ≤100) or OCSF Compliance Findings (class 2003)')
    .addOption(new Option('--format <format>', 'output format').choices(['asff', 'ocsf', 'ocsf-parquet']).makeOptionMandatory())
    .argument('<file>', 'FindingRecords (NDJSON or JSON array), e.g. from census check --format ndjson')
    .addOption(catalogOption())
    .option('--region <region>', 'ASFF: Security Hub region named in ProductArn', process.env.AWS_REGION ?? 'us-east-1')
    .option('--product-account <id>', 'ASFF: the account that will call BatchImportFindings (default: each finding\'s account; with --securityhub: the caller)')
    .option('--out <path>', 'ASFF: a folder for batch-0001.json...; OCSF: a file (default: stdout); ocsf-parquet: a folder for ext/<source>/region=/accountId=/eventDay=/')
    .option('--securityhub', 'ASFF: send to Security Hub with BatchImportFindings')
    .addHelpText(
      'after',
      '\nExamples:\n  census findings export --format ocsf findings.ndjson --out findings.ocsf.json\n  census findings export --format ocsf-parquet findings.ndjson --out lake/ --region eu-west-1\n  census findings export --format asff findings.ndjson --out asff/\n  census findings export --format asff findings.ndjson --securityhub --region eu-west-1',
    )
    .action(async (file: string, opts: { format: string; catalog?: string; region: string; productAccount?: string; out?: string; securityhub?: boolean }) => {
      const catalog = loadCatalog(opts.catalog);
      const { records, errors } = readRecords(file, 'finding');
      if (errors.length) throw new Error(`${errors.length} invalid findings, first: ${errors[0]}`);
      if (opts.format === 'ocsf-parquet') {
        if (!opts.out) throw new Error('--format ocsf-parquet writes a Security Lake folder: give --out DIR');
        console.error(describeExport(exportLakeFiles(records.map((f) => toOcsf(f, { catalog })), { out: opts.out, homeRegion: opts.region, input: file }), opts.out));
        return;
      }
      if (opts.format === 'ocsf') {
        writeOut(`${JSON.stringify(records.map((f) => toOcsf(f, { catalog })), null, 2)}\n`, opts.out);
        console.error(`wrote ${records.length} OCSF Compliance Findings`);
        return;
      }
      if (opts.securityhub) {
        const summary = await exportToSecurityHub(securityHubClient(opts.region), records, { catalog, productAccountId: opts.productAccount });
        console.error(`BatchImportFindings: ${summary.imported} imported in ${summary.calls} calls, ${summary.failed.length} failed`);
        for (const f of summary.failed) console.error(`  failed ${f.id}: ${f.code} ${f.message}`);
        if (summary.failed.length) throw new Error(`${summary.failed.length} findings were rejected by Security Hub`);
        return;
      }
      const batches = asffBatches(records.map((f) => toAsff(f, { region: opts.region, productAccountId: opts.productAccount, catalog })));
      if (opts.out) {
        mkdirSync(opts.out, { recursive: true });
        batches.forEach((b, i) => writeFileSync(join(opts.out!, `batch-${String(i + 1).padStart(4, '0')}.json`), `${JSON.stringify({ Findings: b }, null, 2)}\n`));
      } else writeOut(ndjson(batches.map((b) => ({ Findings: b }))));
      console.error(`wrote ${records.length} ASFF findings in ${batches.length} BatchImportFindings request${batches.length === 1 ? '' : 's'}`);
    });
}
