// Per-account inventory: assume the audit role (one role session per collector, so the account's CloudTrail
// says which collector asked), run each collector in each region it applies to, stream the records, run the
// standard's account-level sweep over the inventory, then one run record for the account: each collector and
// region complete or not, every resource seen and every error met.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import { identityHash } from '../core/content.js';
import { SCHEMA_VERSION, type CollectionErrorRecord, type InventoryRunRecord, type ResourceRecord, type RunError, type RunScope } from '../core/schemas.js';
import { evaluateSweepDetailed, type Catalog, type CollectionFailure } from '../standard/index.js';
import { collectResources, errorCode, errorMessage, type Collector } from './engine.js';
import { enabledRegions } from './discovery.js';
import type { RecordSink } from './producer.js';
import { assumeRole, AssumeRoleError, CallLimiter, callerPartition, collectorContext, homeRegion, type CallStats } from './runtime.js';

export interface InventoryOptions {
  accountId: string;
  auditRole: string;
  externalId?: string;
  partition?: string;
  /** empty: every region enabled for the account (EC2 DescribeRegions) */
  regions: string[];
  collectors: Collector[];
  sink: RecordSink;
  limiter: CallLimiter;
  stats: CallStats;
  observedAt: string;
  runId: string;
  pageSize?: number;
  /** salt of the hashes kept in place of secret values (config `redactionSalt`) */
  redactionSalt?: string;
  baseCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** run the standard's sweep over the account's inventory; omit to skip */
  catalog?: Catalog;
}

export interface AccountInventory {
  accountId: string;
  regions: string[];
  /** false when the audit role could not be assumed */
  inventoried: boolean;
  resourcesByType: Record<string, number>;
  /** resource-level errors (a detail call that failed) */
  resourceErrors: number;
  /** collection-error records (an account, collector or region that could not be listed) */
  collectionErrors: number;
  incompleteRuns: number;
  findings: number;
}

export const sessionName = (collector: string) => `census-${collector}`;

/** The (region, collector) pairs to run: global collectors once, regional ones in each region where the service exists. */
export function plan(collectors: Collector[], regions: string[]): { collector: Collector; region: string }[] {
  return collectors.flatMap((collector) => {
    if (collector.global) return [{ collector, region: 'global' }];
    const where = collector.onlyRegions ? regions.filter((r) => collector.onlyRegions!.includes(r)) : regions;
    return where.map((region) => ({ collector, region }));
  });
}

export async function inventoryAccount(o: InventoryOptions): Promise<AccountInventory> {
  const partition = o.partition ?? (await callerPartition(o.baseCredentials));
  const acct = new AccountRun(o, partition);
  const assumed = await assumeAccount(acct);
  if (assumed) {
    const { resources, failures } = await collectAccount(acct, assumed);
    await sweepAccount(acct, assumed.regions, resources, failures);
  }
  // last, and also for an account that could not be reached: its errors are only current through this record
  await acct.finish(assumed !== undefined);
  return acct.summary;
}

/** One account's inventory in progress: its options, its summary and the records that report on it. */
class AccountRun {
  readonly summary: AccountInventory;
  readonly startedAt = new Date().toISOString();
  private readonly scopes: RunScope[] = [];
  /** ARNs seen by any scope (ARNs are unique across regions: one set for the account) */
  private readonly seen = new Set<string>();
  private readonly errors: RunError[] = [];
  constructor(
    readonly o: InventoryOptions,
    readonly partition: string,
  ) {
    this.summary = {
      accountId: o.accountId,
      regions: o.regions,
      inventoried: false,
      resourcesByType: {},
      resourceErrors: 0,
      collectionErrors: 0,
      incompleteRuns: 0,
      findings: 0,
    };
  }

  async error(region: string | null, collector: string | null, code: string, message: string): Promise<void> {
    this.summary.collectionErrors++;
    this.errors.push({ region, collector, code });
    const record: CollectionErrorRecord = {
      recordType: 'collection-error',
      schemaVersion: SCHEMA_VERSION,
      accountId: this.o.accountId,
      region,
      collector,
      code,
      message,
      runId: this.o.runId,
      observedAt: this.o.observedAt,
    };
    await this.o.sink.put(record);
  }

  /** One collector in one region done: what it saw joins the account's run record. */
  scope(collector: string, region: string, complete: boolean, seen: ReadonlySet<string>): void {
    if (!complete) this.summary.incompleteRuns++;
    for (const arn of seen) this.seen.add(arn);
    this.scopes.push({ collector, region, complete, resourceCount: seen.size });
  }

  /**
   * The account's one run record: one per account and run (per account, collector and run in a per-collector
   * Lambda), not one per collector and region, so an unchanged organization's second run writes one small ledger
   * entry and feed line per account. `seen` lists every resource
   * of every scope, complete or not (the processors delete only in complete scopes, and listing a resource of an
   * incomplete scope protects it anyway).
   */
  async finish(reached: boolean): Promise<void> {
    const scopes = [...this.scopes].sort((a, b) => a.collector.localeCompare(b.collector) || a.region.localeCompare(b.region));
    const record: InventoryRunRecord = {
      recordType: 'inventory-run',
      schemaVersion: SCHEMA_VERSION,
      runId: this.o.runId,
      accountId: this.o.accountId,
      collectors: this.o.collectors.map((c) => c.name).sort(),
      complete: reached && scopes.every((s) => s.complete),
      scopes,
      // the evidence deletions are read from: every resource the run saw, hashed (16 bytes each)
      seen: [...this.seen].map(identityHash).sort(),
      errors: this.errors,
      startedAt: this.startedAt,
      finishedAt: new Date().toISOString(),
    };
    await this.o.sink.put(record);
  }
}

interface Assumed {
  /** the role session of a collector (one per collector, so the account's CloudTrail says which collector asked) */
  assume: (collector: string) => Promise<AwsCredentialIdentityProvider>;
  regions: string[];
}

/** Assume the audit role; the first assume doubles as the account-level reachability check. Undefined: not reachable. */
async function assumeAccount(acct: AccountRun): Promise<Assumed | undefined> {
  const { o, partition } = acct;
  const credentials = new Map<string, AwsCredentialIdentityProvider>();
  const assume = async (name: string) => {
    let c = credentials.get(name);
    if (!c) {
      c = await assumeRole({
        accountId: o.accountId,
        roleName: o.auditRole,
        sessionName: sessionName(name),
        externalId: o.externalId,
        partition,
        baseCredentials: o.baseCredentials,
      });
      credentials.set(name, c);
    }
    return c;
  };
  let regions = o.regions;
  try {
    const first = await assume(o.collectors[0]?.name ?? 'regions');
    if (!regions.length) regions = await enabledRegions(first, homeRegion(partition));
  } catch (err) {
    const code = err instanceof AssumeRoleError ? err.code : errorCode(err);
    await acct.error(null, null, code, `account not inventoried: ${errorMessage(err)}`);
    return undefined;
  }
  acct.summary.inventoried = true;
  acct.summary.regions = regions;
  return { assume, regions };
}

/** Run each collector in each region it applies to, streaming its records; each pair becomes a scope of the run. */
async function collectAccount(acct: AccountRun, { assume, regions }: Assumed): Promise<{ resources: ResourceRecord[]; failures: CollectionFailure[] }> {
  const { o, partition, summary } = acct;
  // the sweep reads only the types its requirements name: keep just those in memory
  const sweepTypes = new Set(
    o.catalog?.requirements.filter((r) => (r as { scope?: string }).scope !== 'resource').flatMap((r) => r.resourceTypes) ?? [],
  );
  const resources: ResourceRecord[] = [];
  /** types that could not be read, and where: the sweep does not judge requirements from them there */
  const failures: CollectionFailure[] = [];
  const tasks = pLimit(o.limiter.limits.perAccount);
  const clientsByCollector = new Map<string, Map<string, unknown>>();
  await Promise.all(
    plan(o.collectors, regions).map(({ collector, region }) =>
      tasks(async () => {
        let complete = true;
        const seen = new Set<string>();
        let creds: AwsCredentialIdentityProvider;
        try {
          creds = await assume(collector.name);
        } catch (err) {
          const code = err instanceof AssumeRoleError ? err.code : errorCode(err);
          await acct.error(region, collector.name, code, errorMessage(err));
          for (const spec of collector.resources) failures.push({ resourceType: spec.resourceType, region, reason: `${code}: ${errorMessage(err)}` });
          acct.scope(collector.name, region, false, seen);
          return;
        }
        let clients = clientsByCollector.get(collector.name);
        if (!clients) clientsByCollector.set(collector.name, (clients = new Map()));
        const ctx = collectorContext({
          accountId: o.accountId,
          region,
          partition,
          collector: collector.name,
          credentials: creds,
          observedAt: o.observedAt,
          runId: o.runId,
          pageSize: o.pageSize,
          redactionSalt: o.redactionSalt,
          limiter: o.limiter,
          stats: o.stats,
          clients,
        });
        for (const spec of collector.resources) {
          try {
            for await (const record of collectResources(spec, ctx)) {
              seen.add(record.arn);
              summary.resourcesByType[record.resourceType] = (summary.resourcesByType[record.resourceType] ?? 0) + 1;
              summary.resourceErrors += record.errors.length;
              if (sweepTypes.has(record.resourceType)) resources.push(record);
              await o.sink.put(record);
            }
          } catch (err) {
            complete = false;
            failures.push({ resourceType: spec.resourceType, region, reason: `${errorCode(err)}: ${errorMessage(err)}` });
            await acct.error(region, collector.name, errorCode(err), `${spec.resourceType}: ${errorMessage(err)}`);
          }
        }
        acct.scope(collector.name, region, complete, seen);
      }),
    ),
  );
  return { resources, failures };
}

/** The standard's account-level sweep over what was collected. */
async function sweepAccount(acct: AccountRun, regions: string[], resources: ResourceRecord[], failures: CollectionFailure[]): Promise<void> {
  const { o, summary } = acct;
  if (!o.catalog) return;
  // only requirements whose resource types these collectors inventory: a partial inventory (one collector
  // in a Lambda) must not read as "no CloudTrail trail in the account"; where a type failed to be read, the
  // sweep says "not evaluated" with the collection error instead of judging (standard/evaluate.ts)
  const types = new Set(o.collectors.flatMap((c) => c.resources.map((r) => r.resourceType)));
  const judged = (r: { resourceTypes: string[] }) => r.resourceTypes.some((t) => types.has(t));
  const catalog = { ...o.catalog, requirements: o.catalog.requirements.filter(judged) };
  try {
    const { findings, problems } = evaluateSweepDetailed(catalog, { accountId: o.accountId, regions, resources, failures }, o.observedAt);
    for (const finding of findings) {
      summary.findings++;
      await o.sink.put(finding);
    }
    for (const p of problems) await acct.error(p.resource.includes('/') ? p.resource.split('/')[1]! : null, 'sweep', 'NotEvaluated', `${p.requirementId}: ${p.message}`);
  } catch (err) {
    await acct.error(null, 'sweep', errorCode(err), `standard sweep failed: ${errorMessage(err)}`);
  }
}
