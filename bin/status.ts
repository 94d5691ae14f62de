// `census status`: what the last runs found, from OpenSearch or offline from files. The report itself is a pure
// function of the records (statusReport); the two readers below only gather them.
import { anyScopeComplete, scopesOf } from '../core/runs.js';
import type { AccountRecord, CollectionErrorRecord, ExceptionEntry, InventoryRunRecord, ScoreRecord } from '../core/schemas.js';

export interface UnknownTrust {
  accountId: string;
  /** resources whose policies let this account in */
  resources: number;
}

export interface StatusInput {
  runs: InventoryRunRecord[];
  accounts: AccountRecord[];
  errors: CollectionErrorRecord[];
  scores: ScoreRecord[];
  unknownTrusted: UnknownTrust[];
  exceptions: ExceptionEntry[];
}

export interface StatusReport {
  generatedAt: string;
  source: string;
  runs: { runId: string; startedAt: string; finishedAt: string; accounts: number; complete: number; incomplete: number }[];
  accounts: { discovered: number; active: number; inventoried: number; notInventoried: string[] };
  collectionErrors: { accountId: string; errors: number; codes: Record<string, number> }[];
  freshness: { accountId: string; name: string | null; lastInventoriedAt: string | null; ageHours: number | null }[];
  enterprise: { score: number | null; previous: number | null; change: number | null; asOf: string; runAt: string } | null;
  worstAccounts: { accountId: string; name: string | null; owner: string | null; score: number | null }[];
  /** the owners' best fixes of the latest scoring run (owner-requirement records, by the points they add) */
  topFixes: { owner: string; requirementId: string; title: string; failing: number; gain: number }[];
  unknownTrustedAccounts: UnknownTrust[];
  expiringExceptions: { exceptionId: string; accountId: string; requirementId: string; resourceId: string; expiresAt: string; daysLeft: number }[];
}

const DAY_MS = 86_400_000;
const isActive = (a: AccountRecord) => a.status.toUpperCase() === 'ACTIVE';

/** The report for `now`: runs newest first, freshness oldest first, worst scores first. */
export function statusReport(input: StatusInput, now: Date, source: string): StatusReport {
  const byRun = new Map<string, InventoryRunRecord[]>();
  for (const r of input.runs) byRun.set(r.runId, [...(byRun.get(r.runId) ?? []), r]);
  const runs = [...byRun.entries()]
    .map(([runId, rs]) => ({
      runId,
      startedAt: rs.map((r) => r.startedAt).sort()[0]!,
      finishedAt: rs.map((r) => r.finishedAt).sort().at(-1)!,
      accounts: new Set(rs.map((r) => r.accountId)).size,
      // collectors × regions, as before runs were one record per account
      complete: rs.reduce((n, r) => n + scopesOf(r).filter((x) => x.complete).length, 0),
      incomplete: rs.reduce((n, r) => n + scopesOf(r).filter((x) => !x.complete).length, 0),
    }))
    .sort((a, b) => b.finishedAt.localeCompare(a.finishedAt));
  const latest = runs[0] ? new Set(byRun.get(runs[0].runId)!.map((r) => r.accountId)) : new Set<string>();
  const latestAccounts = new Map<string, AccountRecord>();
  for (const a of input.accounts) {
    const seen = latestAccounts.get(a.accountId);
    if (!seen || seen.observedAt < a.observedAt) latestAccounts.set(a.accountId, a);
  }
  const active = [...latestAccounts.values()].filter(isActive);

  const errorsByAccount = new Map<string, Record<string, number>>();
  const countError = (accountId: string, code: string) => {
    const codes = errorsByAccount.get(accountId) ?? {};
    codes[code] = (codes[code] ?? 0) + 1;
    errorsByAccount.set(accountId, codes);
  };
  // errors of the last run. An error that happens again is stored once (change-only landing): the run record of
  // each account lists the errors it met, so an error that stopped happening is no longer current. Error records
  // count only where no run record lists errors: discovery's (no account run carries them) and a run of the
  // earlier shape; those without a runId are kept, they cannot be placed.
  const lastRunId = runs[0]?.runId;
  const lastRuns = lastRunId ? byRun.get(lastRunId)! : [];
  const listedBy = new Set(lastRuns.filter((r) => r.errors).map((r) => r.accountId));
  for (const r of lastRuns) for (const e of r.errors ?? []) countError(r.accountId, e.code);
  for (const e of input.errors.filter((x) => !lastRunId || !x.runId || x.runId === lastRunId)) {
    if (e.collector !== 'discovery' && listedBy.has(e.accountId)) continue;
    countError(e.accountId, e.code);
  }
  const collectionErrors = [...errorsByAccount.entries()]
    .map(([accountId, codes]) => ({ accountId, errors: Object.values(codes).reduce((x, y) => x + y, 0), codes }))
    .sort((a, b) => b.errors - a.errors || a.accountId.localeCompare(b.accountId));

  const lastComplete = new Map<string, string>();
  // inventoried: at least one collector and region complete (moto or a missing permission fails some everywhere)
  for (const r of input.runs) if (anyScopeComplete(r) && (lastComplete.get(r.accountId) ?? '') < r.finishedAt) lastComplete.set(r.accountId, r.finishedAt);
  const freshnessIds = new Set([...active.map((a) => a.accountId), ...lastComplete.keys()]);
  const freshness = [...freshnessIds]
    .map((accountId) => {
      const at = lastComplete.get(accountId) ?? null;
      return { accountId, name: latestAccounts.get(accountId)?.name ?? null, lastInventoriedAt: at, ageHours: at === null ? null : Math.round(((now.getTime() - Date.parse(at)) / 3_600_000) * 10) / 10 };
    })
    .sort((a, b) => (a.lastInventoriedAt ?? '').localeCompare(b.lastInventoriedAt ?? '') || a.accountId.localeCompare(b.accountId));

  const enterpriseRuns = input.scores.filter((s) => s.scope === 'enterprise').sort((a, b) => b.runAt.localeCompare(a.runAt));
  const [cur, prev] = enterpriseRuns;
  const enterprise = cur
    ? { score: cur.score, previous: prev?.score ?? null, change: cur.score !== null && prev?.score != null ? cur.score - prev.score : null, asOf: cur.asOf, runAt: cur.runAt }
    : null;
  const accountScores = input.scores.filter((s) => s.scope === 'account' && s.accountId && s.runAt === cur?.runAt);
  const worstAccounts = accountScores
    .filter((s) => s.score !== null)
    .sort((a, b) => a.score! - b.score! || a.accountId!.localeCompare(b.accountId!))
    .slice(0, 10)
    .map((s) => ({ accountId: s.accountId!, name: s.accountName ?? latestAccounts.get(s.accountId!)?.name ?? null, owner: s.owner ?? latestAccounts.get(s.accountId!)?.owner ?? null, score: s.score }));

  const topFixes = input.scores
    .filter((s) => s.scope === 'owner-requirement' && s.runAt === cur?.runAt && (s.failing ?? 0) > 0 && (s.gain ?? 0) > 0)
    .sort((a, b) => b.gain! - a.gain! || a.owner!.localeCompare(b.owner!) || a.requirementId!.localeCompare(b.requirementId!))
    .slice(0, 10)
    .map((s) => ({ owner: s.owner!, requirementId: s.requirementId!, title: s.title ?? s.requirementId!, failing: s.failing!, gain: s.gain! }));

  const today = Date.parse(now.toISOString().slice(0, 10));
  const expiringExceptions = input.exceptions
    .map((e) => ({ exceptionId: e.exceptionId, accountId: e.accountId, requirementId: e.requirementId, resourceId: e.resourceId, expiresAt: e.expiresAt, daysLeft: Math.round((Date.parse(e.expiresAt) - today) / DAY_MS) }))
    .filter((e) => e.daysLeft >= 0 && e.daysLeft <= 30)
    .sort((a, b) => a.daysLeft - b.daysLeft || a.exceptionId.localeCompare(b.exceptionId));

  return {
    generatedAt: now.toISOString(),
    source,
    runs: runs.slice(0, 5),
    accounts: {
      discovered: latestAccounts.size,
      active: active.length,
      inventoried: latest.size,
      notInventoried: active.map((a) => a.accountId).filter((id) => !latest.has(id)).sort(),
    },
    collectionErrors,
    freshness,
    enterprise,
    worstAccounts,
    topFixes,
    unknownTrustedAccounts: [...input.unknownTrusted].sort((a, b) => b.resources - a.resources || a.accountId.localeCompare(b.accountId)),
    expiringExceptions,
  };
}

const pct = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : `${(s * 100).toFixed(1)}%`);

/** People's view: one short section per question. */
export function statusText(r: StatusReport, table: (header: string[], rows: string[][]) => string): string {
  const out: string[] = [`census status (${r.source}, ${r.generatedAt})`, ''];
  out.push('Inventory runs (newest first)');
  out.push(r.runs.length ? table(['RUN', 'STARTED', 'FINISHED', 'ACCOUNTS', 'COMPLETE', 'INCOMPLETE'], r.runs.map((x) => [x.runId, x.startedAt, x.finishedAt, String(x.accounts), String(x.complete), String(x.incomplete)])) : '  none found');
  out.push('', `Accounts: ${r.accounts.inventoried} inventoried by the last run of ${r.accounts.active} active (${r.accounts.discovered} discovered)`);
  if (r.accounts.notInventoried.length) out.push(`  not inventoried: ${r.accounts.notInventoried.join(', ')}`);
  out.push('', 'Collection errors by account');
  out.push(r.collectionErrors.length ? table(['ACCOUNT', 'ERRORS', 'CODES'], r.collectionErrors.slice(0, 20).map((e) => [e.accountId, String(e.errors), Object.entries(e.codes).map(([c, n]) => `${c} ${n}`).join(', ')])) : '  none');
  out.push('', 'Data freshness (oldest first)');
  out.push(r.freshness.length ? table(['ACCOUNT', 'NAME', 'LAST INVENTORIED', 'AGE (H)'], r.freshness.slice(0, 20).map((f) => [f.accountId, f.name ?? '', f.lastInventoriedAt ?? 'never', f.ageHours === null ? '' : String(f.ageHours)])) : '  no account');
  const e = r.enterprise;
  out.push('', e ? `Enterprise score: ${pct(e.score)} as of ${e.asOf}${e.change === null ? '' : ` (${e.change >= 0 ? '+' : ''}${(e.change * 100).toFixed(1)} points since the previous run)`}` : 'Enterprise score: no scoring run found');
  out.push('', 'Ten worst accounts by score');
  out.push(r.worstAccounts.length ? table(['ACCOUNT', 'NAME', 'OWNER', 'SCORE'], r.worstAccounts.map((w) => [w.accountId, w.name ?? '', w.owner ?? '', pct(w.score)])) : '  none scored');
  out.push('', 'Best fixes: what raises an owner\'s score most');
  out.push(
    r.topFixes.length
      ? table(['OWNER', 'REQUIREMENT', 'TITLE', 'FAILING', 'GAIN'], r.topFixes.map((f) => [f.owner, f.requirementId, f.title, String(f.failing), `+${(f.gain * 100).toFixed(1)} pts`]))
      : '  none',
  );
  out.push('', 'Unknown trusted accounts');
  out.push(r.unknownTrustedAccounts.length ? table(['ACCOUNT', 'RESOURCES'], r.unknownTrustedAccounts.map((u) => [u.accountId, String(u.resources)])) : '  none');
  out.push('', 'Exceptions expiring in the next 30 days');
  out.push(r.expiringExceptions.length ? table(['EXCEPTION', 'ACCOUNT', 'REQUIREMENT', 'EXPIRES', 'DAYS'], r.expiringExceptions.map((x) => [x.exceptionId, x.accountId, x.requirementId, x.expiresAt, String(x.daysLeft)])) : '  none');
  return out.join('\n');
}
