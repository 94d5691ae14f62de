// What the inventory state machine costs per month, counted from its synthesized definition rather than
// estimated by hand: state transitions along the longest successful path of one run, per account and per
// collector. The README's cost table is this module's output, and the infra test keeps the two equal.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Step Functions list prices (us-east-1, no free tier). */
export const prices = {
  /** STANDARD: per state transition */
  standardTransition: 0.025 / 1000,
  /** EXPRESS: per execution (request) */
  expressRequest: 1.0 / 1_000_000,
  /** EXPRESS: per GB-second, billed in 64 MB steps (a child workflow's small payload uses the first step) */
  expressGbSecond: 0.00001667,
  expressMemoryGb: 64 / 1024,
} as const;

export interface RunCount {
  /** transitions of the parent (STANDARD) workflow, child executions' starts included */
  parentTransitions: number;
  /** transitions inside one account's child workflow (billed only when the child is STANDARD) */
  perAccountTransitions: number;
  /** EXPRESS or STANDARD, as synthesized */
  accountExecutionType: string;
}

/** States entered along the longest successful path from `start`; a Map counts its items' own paths. */
function walk(states: Json, start: string, items: (name: string, state: Json) => number, children: Map<string, number>): number {
  let count = 0;
  let name: string | undefined = start;
  const seen = new Set<string>();
  while (name && !seen.has(name)) {
    seen.add(name);
    const state: Json = states[name];
    count++;
    if (state.Type === 'Map') {
      const inner = state.ItemProcessor ?? state.Iterator;
      const perItem = walk(inner.States, inner.StartAt, items, children);
      children.set(name, perItem);
      const n = items(name, state);
      // a distributed map's children are their own executions; each start is one transition of the parent
      count += inner.ProcessorConfig?.Mode === 'DISTRIBUTED' ? n : n * perItem;
    }
    if (state.Type === 'Choice') {
      // the costliest branch: the run that does the work, not the one that stops early
      const branches = [...(state.Choices as Json[]).map((c) => c.Next as string), state.Default as string].filter(Boolean);
      const costs = branches.map((b) => walk(states, b, items, new Map()));
      const best = costs.indexOf(Math.max(...costs));
      name = branches[best];
      seen.clear();
      continue;
    }
    name = state.End ? undefined : (state.Next as string | undefined);
  }
  return count;
}

/** Transitions of one inventory run over `accounts` accounts and `collectors` collectors. */
export function countRun(definition: Json, accounts: number, collectors: number): RunCount {
  const children = new Map<string, number>();
  const items = (_name: string, state: Json) => ((state.ItemProcessor ?? state.Iterator).ProcessorConfig?.Mode === 'DISTRIBUTED' ? accounts : collectors);
  const parentTransitions = walk(definition.States, definition.StartAt, items, children);
  const distributed = Object.values(definition.States as Json).find((s: Json) => s.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') as Json;
  const inner = distributed.ItemProcessor;
  const perAccountTransitions = walk(inner.States, inner.StartAt, items, new Map());
  return { parentTransitions, perAccountTransitions, accountExecutionType: inner.ProcessorConfig.ExecutionType as string };
}

export interface MonthlyCost {
  accounts: number;
  runsPerMonth: number;
  transitionsPerMonth: number;
  usd: number;
  /** the same run with the other account execution type, for comparison */
  otherTypeUsd: number;
}

/**
 * Step Functions cost per month of hourly runs (24 × 30), from the counted transitions; an EXPRESS child is
 * billed per execution plus its duration (`accountSeconds`, measured per account) instead of its transitions.
 */
export function monthlyCost(definition: Json, accounts: number, collectors: number, accountSeconds: number, runsPerMonth = 24 * 30): MonthlyCost {
  const run = countRun(definition, accounts, collectors);
  const parent = run.parentTransitions * prices.standardTransition;
  const standardChildren = accounts * run.perAccountTransitions * prices.standardTransition;
  const expressChildren = accounts * (prices.expressRequest + accountSeconds * prices.expressMemoryGb * prices.expressGbSecond);
  const express = run.accountExecutionType === 'EXPRESS';
  const transitions = run.parentTransitions + (express ? 0 : accounts * run.perAccountTransitions);
  return {
    accounts,
    runsPerMonth,
    transitionsPerMonth: transitions * runsPerMonth,
    usd: (parent + (express ? expressChildren : standardChildren)) * runsPerMonth,
    otherTypeUsd: (parent + (express ? standardChildren : expressChildren)) * runsPerMonth,
  };
}

/**
 * Seconds one account's child workflow runs, as costed: measured 16 s per account on the local stack (50 accounts
 * in 202 s, 4 at a time, BENCHMARKS.md), taken as 60 s for headroom; EXPRESS allows 300 s.
 */
export const accountSecondsCosted = 60;

const usd = (n: number) => `$${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}`;

/** The README table: one row per organization size. */
export function costTable(definition: Json, collectors: number, accountSeconds: number, sizes = [100, 1000, 5000]): string {
  const run = countRun(definition, 1, collectors);
  const other = run.accountExecutionType === 'EXPRESS' ? 'STANDARD' : 'EXPRESS';
  const rows = sizes.map((n) => {
    const c = monthlyCost(definition, n, collectors, accountSeconds);
    return `| ${n.toLocaleString('en-US')} | ${c.transitionsPerMonth.toLocaleString('en-US')} | ${usd(c.usd)} | ${usd(c.otherTypeUsd)} |`;
  });
  return [
    `| accounts | state transitions / month (${run.accountExecutionType}) | Step Functions / month (${run.accountExecutionType}) | with ${other} account workflows |`,
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
