// Reading an inventory-run record, whatever shape it came in: the scopes it covered and what it says about them.
// Pure; the collectors write the record (collectors/inventory.ts), the processors apply it (processors/pipeline.ts).
import type { InventoryRunRecord, RunScope } from './schemas.js';

/**
 * The scopes of a run. A record of the earlier shape (one per collector and region, no `scopes`) covers its one
 * collector and region; it may still be in the stream while the collectors and processors are upgraded.
 */
export function scopesOf(run: InventoryRunRecord): RunScope[] {
  if (run.scopes) return run.scopes;
  if (run.collector && run.region) return [{ collector: run.collector, region: run.region, complete: run.complete, resourceCount: run.resourceCount ?? 0 }];
  return [];
}

/**
 * The scopes whose stored resources not in `seen` are gone. A run without `seen` (written by collectors from before
 * runs listed what they saw) has no evidence: it deletes nothing, and the account's next run does. Waiting for
 * `resourceCount` of its resources to land instead would keep a count query on every batch for a case that lasts
 * at most one stream retention after an upgrade, and never completes under change-only landing anyway.
 */
export function deletingScopes(run: InventoryRunRecord): RunScope[] {
  if (!run.seen) return [];
  return scopesOf(run).filter((s) => s.complete);
}

/** The regions of each collector among the scopes (a global collector's scope is `global`). */
export function regionsByCollector(scopes: RunScope[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of scopes) out.set(s.collector, [...(out.get(s.collector) ?? []), s.region]);
  return out;
}

/** How many resources the run saw, over its scopes. */
export const resourceCountOf = (run: InventoryRunRecord): number => scopesOf(run).reduce((n, s) => n + s.resourceCount, 0);

/** Whether at least one scope of the run was complete: the account was inventoried, if not everywhere. */
export const anyScopeComplete = (run: InventoryRunRecord): boolean => scopesOf(run).some((s) => s.complete);

/** The run as the feed carries it: without `seen` (identity hashes mean nothing to a SIEM and are most of its bytes). */
export function feedCopyOfRun(run: InventoryRunRecord): InventoryRunRecord {
  const { seen: _seen, ...rest } = run;
  return rest;
}

/** The collectors a run covered, sorted: what it was asked to run, or (a record without the list) those of its scopes. */
export function collectorsOf(run: InventoryRunRecord): string[] {
  return [...new Set(run.collectors ?? scopesOf(run).map((s) => s.collector))].sort();
}

/** Runs with the same key cover the same account and collectors: the newer one supersedes the older. */
export const coverageKey = (run: InventoryRunRecord): string => `${run.accountId}|${collectorsOf(run).join(',')}`;
