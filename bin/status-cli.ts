// `census status [--input DIR]`: registration, and the two readers (OpenSearch, a folder of files) loaded on use.
import type { Command } from 'commander';
import { EXIT_CODES, outputOf, outputOption, parse, printData } from '../platform/output.js';
import type { CensusConfig } from '../platform/config.js';
import type { StatusInput, UnknownTrust } from './status.js';

const KINDS = ['account', 'collection-error', 'inventory-run', 'score', 'resource'] as const;

/**
 * Every record in the NDJSON / JSON files of a folder (`census collect --out`, `census score --out`, an export):
 * each bad line is reported with file, position and reason, and the rest is read.
 */
export async function readStatusFolder(dir: string, exceptionsSource: string | undefined, warn: (line: string) => void): Promise<StatusInput> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const schemas = await import('../core/schemas.js');
  const { loadExceptionRegister } = await import('../registers/exceptions.js');
  const schemaOf = { account: schemas.AccountRecord, 'collection-error': schemas.CollectionErrorRecord, 'inventory-run': schemas.InventoryRunRecord, score: schemas.ScoreRecord, resource: schemas.ResourceRecord };
  const input: StatusInput = { runs: [], accounts: [], errors: [], scores: [], unknownTrusted: [], exceptions: [] };
  const unknown = new Map<string, Set<string>>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(ndjson|jsonl|json)$/.test(f)).sort();
  } catch (err) {
    throw new Error(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (const f of files) {
    const path = join(dir, f);
    const text = readFileSync(path, 'utf8');
    const trimmed = text.trim();
    let entries: { position: string; value: unknown }[];
    if (trimmed.startsWith('[')) {
      try {
        entries = (JSON.parse(trimmed) as unknown[]).map((value, i) => ({ position: `[${i}]`, value }));
      } catch (err) {
        warn(`${path}: not JSON: ${(err as Error).message}`);
        continue;
      }
    } else {
      entries = [];
      text.split('\n').forEach((line, i) => {
        if (!line.trim()) return;
        try {
          entries.push({ position: `line ${i + 1}`, value: JSON.parse(line) });
        } catch (err) {
          warn(`${path} line ${i + 1}: not JSON: ${(err as Error).message}`);
        }
      });
    }
    for (const { position, value } of entries) {
      const kind = (value as { recordType?: unknown } | null)?.recordType;
      if (!KINDS.includes(kind as (typeof KINDS)[number])) continue;
      const parsed = schemaOf[kind as (typeof KINDS)[number]].safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        warn(`${path} ${position}: ${kind} record skipped: ${issue.path.join('.') || '(record)'}: ${issue.message}`);
        continue;
      }
      const r = parsed.data;
      if (r.recordType === 'account') input.accounts.push(r);
      else if (r.recordType === 'collection-error') input.errors.push(r);
      else if (r.recordType === 'inventory-run') input.runs.push(r);
      else if (r.recordType === 'score') input.scores.push(r);
      else if (r.recordType === 'resource') {
        for (const t of r.trustedAccounts ?? []) if (t.classification === 'unknown') unknown.set(t.accountId, (unknown.get(t.accountId) ?? new Set()).add(r.arn));
      }
    }
  }
  input.unknownTrusted = [...unknown.entries()].map(([accountId, arns]) => ({ accountId, resources: arns.size }));
  const register = exceptionsSource ?? files.map((f) => f).find((f) => /^exceptions\.(csv|json|xlsx)$/.test(f));
  if (register) {
    const source = exceptionsSource ?? join(dir, register);
    const loaded = await loadExceptionRegister(source);
    for (const p of loaded.problems) warn(`${source} row ${p.row}: ${p.reason}`);
    input.exceptions = loaded.entries;
  }
  return input;
}

/** The same records from the cluster: the latest inventory runs and errors, accounts, the latest two scoring runs, trust. */
export async function readStatusOpenSearch(config: CensusConfig): Promise<StatusInput> {
  const { openSearchClient } = await import('../platform/opensearch.js');
  const { indexNames } = await import('../core/indexes.js');
  const { loadExceptionRegister } = await import('../registers/exceptions.js');
  const client = openSearchClient(config);
  const names = indexNames(config.indexPrefix);
  const search = async <T>(index: string, body: Record<string, unknown>): Promise<T[]> => {
    try {
      const res = await client.search({ index, body: { size: 10_000, ...body } as never, ignore_unavailable: true } as never);
      return ((res.body as { hits?: { hits?: { _source: T }[] } }).hits?.hits ?? []).map((h) => h._source);
    } catch (err) {
      throw new Error(`OpenSearch ${config.opensearchUrl} ${index}: ${(err as Error).message}`);
    }
  };
  // runs without their `seen` lists (thousands of hashes an account, not read here)
  const runs = await search<StatusInput['runs'][number]>(names.inventoryRuns, { sort: [{ finishedAt: 'desc' }], _source: { excludes: ['seen'] } });
  const latestRun = runs[0]?.runId;
  const [accounts, errors, enterprise, trusted] = await Promise.all([
    search<StatusInput['accounts'][number]>(names.accounts, {}),
    search<StatusInput['errors'][number]>(names.collectionErrors, latestRun ? { query: { term: { runId: latestRun } } } : { sort: [{ observedAt: 'desc' }], size: 1000 }),
    search<StatusInput['scores'][number]>(names.scores, { query: { term: { scope: 'enterprise' } }, sort: [{ runAt: 'desc' }], size: 2 }),
    search<{ accountId: string; classification: string; resourceCount: number }>(names.trustedAccounts, { query: { term: { classification: 'unknown' } } }),
  ]);
  const latestScoring = enterprise[0]?.runAt;
  const accountScores = latestScoring
    ? await search<StatusInput['scores'][number]>(names.scores, { query: { bool: { filter: [{ term: { scope: 'account' } }, { term: { runAt: latestScoring } }] } } })
    : [];
  // the owners' best fixes of that run: owner-requirement records by gain
  const fixes = latestScoring
    ? await search<StatusInput['scores'][number]>(names.scores, {
        query: { bool: { filter: [{ term: { scope: 'owner-requirement' } }, { term: { runAt: latestScoring } }, { range: { gain: { gt: 0 } } }] } },
        sort: [{ gain: { order: 'desc', unmapped_type: 'double' } }],
        size: 10,
      })
    : [];
  const unknownTrusted: UnknownTrust[] = trusted.map((t) => ({ accountId: t.accountId, resources: t.resourceCount }));
  const exceptions = config.exceptions ? (await loadExceptionRegister(config.exceptions)).entries : [];
  return { runs, accounts, errors, scores: [...enterprise, ...accountScores, ...fixes], unknownTrusted, exceptions };
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('what the last runs found: inventory runs, accounts covered, errors, freshness, scores, unknown trust, expiring exceptions')
    .option('--input <dir>', 'offline: a folder of NDJSON/JSON records (census collect --out, census score --out) and exceptions.csv|json|xlsx')
    .option('--as-of <timestamp>', 'judge freshness and expiry at this time (ISO; default now)', parse.timestamp)
    .addOption(outputOption(['table', 'json']))
    .addHelpText(
      'after',
      `
Reads OpenSearch at the configured opensearchUrl and indexPrefix (the exceptions register from the configured
exceptions source), or with --input DIR only the files there.

${EXIT_CODES}.

Examples:
  census status
  census status --output json | jq .enterprise
  census status --input out/run-2026-11-24`,
    )
    .action(async (opts: { input?: string; asOf?: string; output: string }) => {
      const { loadConfig } = await import('../platform/config.js');
      const { formatTable } = await import('../platform/output.js');
      const { statusReport, statusText } = await import('./status.js');
      const config = loadConfig(program.opts());
      const input = opts.input
        ? await readStatusFolder(opts.input, config.exceptions, (line) => process.stderr.write(`warning: ${line}\n`))
        : await readStatusOpenSearch(config);
      const report = statusReport(input, new Date(opts.asOf ?? Date.now()), opts.input ? `files in ${opts.input}` : `OpenSearch ${config.opensearchUrl} (${config.indexPrefix})`);
      printData(outputOf(opts), report, () => statusText(report, (h, rows) => formatTable(h, rows, 40)));
    });
}
