// One collection run: discover the organization, stream the account records, keep the latest account list in
// S3, inventory every active account with bounded concurrency, and summarize. The CLI, the Lambda handlers,
// the demo and the end-to-end test all call this.
import { randomUUID } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import type { CensusConfig } from '../platform/config.js';
import { log } from '../platform/log.js';
import { loadCatalog, type Catalog } from '../standard/index.js';
import { discoverAccounts, discoveryOptions, isActive, writeAccountList, type SpendUnavailable } from './discovery.js';
import { inventoryAccount, type AccountInventory } from './inventory.js';
import type { RecordSink } from './producer.js';
import { loadCollectors } from './registry.js';
import { CallLimiter, newStats, type CallStats } from './runtime.js';

export interface RunOptions {
  runId?: string;
  observedAt?: string;
  /** collector names (default: all) */
  collectors?: string[];
  /** page size for every paginator (tests cross page boundaries with a small one) */
  pageSize?: number;
  /** keep the latest account list in the feed bucket (default true) */
  writeAccountList?: boolean;
  /** the standard's catalog for the account sweep; default loads `config.catalog`; null skips the sweep */
  catalog?: Catalog | null;
  baseCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  onProgress?: (event: ProgressEvent) => void;
}

export type ProgressEvent =
  | { kind: 'discovered'; payers: number; accounts: number; active: number }
  | { kind: 'account'; done: number; total: number; account: AccountInventory };

export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  payers: string[];
  accounts: { total: number; active: number; suspended: number; inventoried: number; notInventoried: string[] };
  regions: string[];
  resources: number;
  resourcesByType: Record<string, number>;
  findings: number;
  /** collection-error records: payers, accounts, collectors or regions that could not be read */
  collectionErrors: number;
  /** resource records carrying a failed detail call */
  resourceErrors: number;
  incompleteRuns: number;
  calls: CallStats;
  /** payers whose Cost Explorer could not be read: those accounts have no spend */
  spendUnavailable: SpendUnavailable[];
}

export async function runCollection(config: CensusConfig, sink: RecordSink, opts: RunOptions = {}): Promise<RunSummary> {
  if (!config.payers.length) throw new Error('no payer accounts configured: pass --payers or set CENSUS_PAYERS');
  const runId = opts.runId ?? randomUUID();
  const startedAt = new Date().toISOString();
  const observedAt = opts.observedAt ?? startedAt;
  const collectors = await loadCollectors(opts.collectors);
  const catalog = opts.catalog === null ? undefined : (opts.catalog ?? loadCatalog(config.catalog));
  const stats = newStats();
  const limiter = new CallLimiter(config.concurrency);

  const discovery = await discoverAccounts(discoveryOptions(config, { runId, observedAt, baseCredentials: opts.baseCredentials }));
  for (const record of discovery.accounts) await sink.put(record);
  for (const record of discovery.errors) await sink.put(record);
  if (opts.writeAccountList !== false && discovery.accounts.length) {
    await writeAccountList(config.feedBucket, discovery.accounts);
  }
  const active = discovery.accounts.filter(isActive);
  opts.onProgress?.({ kind: 'discovered', payers: config.payers.length, accounts: discovery.accounts.length, active: active.length });
  for (const s of discovery.spendUnavailable) log.warn({ payer: s.payerId }, `spend unavailable: ${s.reason}`);

  // accounts run side by side up to the overall bound; calls inside are bounded per account and region too
  const accountsAtOnce = pLimit(Math.max(1, Math.floor(config.concurrency.overall / config.concurrency.perAccount)));
  let done = 0;
  const results = await Promise.all(
    active.map((account) =>
      accountsAtOnce(async () => {
        const result = await inventoryAccount({
          accountId: account.accountId,
          auditRole: config.auditRole,
          externalId: config.externalId,
          regions: config.regions,
          collectors,
          sink,
          limiter,
          stats,
          observedAt,
          runId,
          pageSize: opts.pageSize,
          redactionSalt: config.redactionSalt,
          baseCredentials: opts.baseCredentials,
          catalog,
        });
        opts.onProgress?.({ kind: 'account', done: ++done, total: active.length, account: result });
        return result;
      }),
    ),
  );
  await sink.close();

  const resourcesByType: Record<string, number> = {};
  for (const r of results) for (const [t, n] of Object.entries(r.resourcesByType)) resourcesByType[t] = (resourcesByType[t] ?? 0) + n;
  const sum = (f: (r: AccountInventory) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    payers: config.payers,
    accounts: {
      total: discovery.accounts.length,
      active: active.length,
      suspended: discovery.accounts.length - active.length,
      inventoried: results.filter((r) => r.inventoried).length,
      notInventoried: results.filter((r) => !r.inventoried).map((r) => r.accountId),
    },
    regions: [...new Set(results.flatMap((r) => r.regions))].sort(),
    resources: Object.values(resourcesByType).reduce((a, b) => a + b, 0),
    resourcesByType: Object.fromEntries(Object.entries(resourcesByType).sort(([a], [b]) => a.localeCompare(b))),
    findings: sum((r) => r.findings),
    collectionErrors: discovery.errors.length + sum((r) => r.collectionErrors),
    resourceErrors: sum((r) => r.resourceErrors),
    incompleteRuns: sum((r) => r.incompleteRuns),
    calls: stats,
    spendUnavailable: discovery.spendUnavailable,
  };
}

/** The summary as lines a person reads at the end of `census collect`. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `run ${s.runId}: ${s.accounts.total} accounts (${s.accounts.active} active, ${s.accounts.suspended} not active), ${s.accounts.inventoried} inventoried in ${s.regions.length} regions`,
  ];
  if (s.accounts.notInventoried.length) lines.push(`not inventoried (audit role not assumable): ${s.accounts.notInventoried.join(', ')}`);
  lines.push(`${s.resources} resources, ${s.findings} sweep findings`);
  for (const [type, n] of Object.entries(s.resourcesByType)) lines.push(`  ${type.padEnd(44)} ${n}`);
  lines.push(
    `errors: ${s.collectionErrors} collection errors, ${s.incompleteRuns} incomplete collector runs, ${s.resourceErrors} failed detail calls`,
  );
  lines.push(`API calls: ${s.calls.calls}, retries: ${s.calls.retries}, throttled after retries: ${s.calls.throttled}`);
  if (s.spendUnavailable.length) {
    for (const u of s.spendUnavailable) lines.push(`spend unavailable for payer ${u.payerId}: ${u.reason}`);
  } else {
    lines.push('spend: read from Cost Explorer for every payer');
  }
  return lines.join('\n');
}
