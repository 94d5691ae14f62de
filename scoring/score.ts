// The scoring core: pure functions from evaluated resources, the register and the account list to
// ScoreRecords. Both the offline command and the deployed job feed it; the formulas are issue 6's contract.
import { z } from 'zod';
import { ExceptionIndex } from '../core/exceptions.js';
import {
  AccountRecord,
  SCHEMA_VERSION,
  type ExceptionEntry,
  type ExceptionRef,
  type FindingRecord,
  type ScoreRecord,
  type ScoreScope,
} from '../core/schemas.js';

/** Accounts without an owner or executive tag are grouped under these labels, never dropped. */
export const NO_OWNER = '(no owner)';
export const NO_EXECUTIVE = '(no executive)';

/** What scoring needs of an account: the offline `accounts.json` shape, a subset of AccountRecord. */
export const ScoringAccount = AccountRecord.pick({ accountId: true }).extend({
  name: z.string().nullable().default(null),
  owner: z.string().nullable().default(null),
  executive: z.string().nullable().default(null),
  spend: AccountRecord.shape.spend.default(null),
});
export type ScoringAccount = z.infer<typeof ScoringAccount>;

export interface ScoringRequirement {
  id: string;
  title: string;
  severity: string;
  weight: number;
}

/** The fields of a finding scoring reads; a FindingRecord is one. */
export type EvaluatedResource = Pick<
  FindingRecord,
  'accountId' | 'requirementId' | 'resourceId' | 'resourceArn' | 'resourceType' | 'region' | 'status' | 'evidence' | 'observedAt'
>;

/** A FAIL finding as the scorecards list it: failing, or excepted by an active register entry. */
export interface NonCompliantResource extends EvaluatedResource {
  /** the matching register entry, active or expired (an expired one gives no credit but is shown) */
  exception?: ExceptionRef;
  excepted: boolean;
}

export interface RequirementCell {
  accountId: string;
  requirementId: string;
  total: number;
  failing: number;
  excepted: number;
}

/** Owner and executive labels of an account: the tag value, or the "(no owner)" group. */
export function ownerOf(a: Pick<ScoringAccount, 'owner'>): string {
  return a.owner?.trim() || NO_OWNER;
}
export function executiveOf(a: Pick<ScoringAccount, 'executive'>): string {
  return a.executive?.trim() || NO_EXECUTIVE;
}

/** The as-of date as the instant exceptions are judged at: an entry is active on D when D <= its expiry day. */
export function asOfInstant(asOf: string): Date {
  const d = new Date(`${asOf}T00:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== asOf) {
    throw new Error(`as-of date "${asOf}" is not a calendar date (use YYYY-MM-DD)`);
  }
  return d;
}

const resourceKey = (f: Pick<EvaluatedResource, 'accountId' | 'requirementId' | 'resourceId'>) =>
  `${f.accountId}\u0000${f.requirementId}\u0000${f.resourceId}`;

/**
 * Which of two findings of one resource counts: the latest observation; on a tie FAIL (the cautious
 * answer). The deployed reader sorts the same way (observedAt desc, status asc).
 */
export function preferred<T extends EvaluatedResource>(a: T, b: T): T {
  const ta = Date.parse(a.observedAt);
  const tb = Date.parse(b.observedAt);
  if (ta !== tb) return ta > tb ? a : b;
  return a.status <= b.status ? a : b;
}

/** One finding per (account, requirement, resource): `total` counts distinct resources, not observations. */
export class LatestPerResource<T extends EvaluatedResource> {
  private readonly byResource = new Map<string, T>();
  add(f: T): void {
    const key = resourceKey(f);
    const seen = this.byResource.get(key);
    this.byResource.set(key, seen ? preferred(seen, f) : f);
  }
  values(): IterableIterator<T> {
    return this.byResource.values();
  }
}

export function latestPerResource<T extends EvaluatedResource>(findings: Iterable<T>): T[] {
  const latest = new LatestPerResource<T>();
  for (const f of findings) latest.add(f);
  return [...latest.values()];
}

export interface ScoringWarnings {
  /** findings of external tools no catalog requirement maps to (requirementId empty) */
  unmapped: number;
  /** requirement ids in findings that the catalog does not know, with their resource counts */
  unknownRequirements: Record<string, number>;
  /** accounts that have findings but are not in the account list */
  unknownAccounts: string[];
  /** accounts grouped under NO_OWNER / NO_EXECUTIVE */
  withoutOwner: string[];
  withoutExecutive: string[];
}

/**
 * Counts total/failing/excepted per (account, requirement) from de-duplicated evaluated resources,
 * one at a time, so the deployed reader can stream aggregation pages through it. Keeps FAIL resources
 * (for the scorecards), never PASS ones.
 */
export class ScoreAccumulator {
  private readonly cells = new Map<string, RequirementCell>();
  readonly nonCompliant: NonCompliantResource[] = [];
  readonly unknownRequirements: Record<string, number> = {};
  unmapped = 0;
  private readonly register: ExceptionIndex;
  private readonly at: Date;
  private readonly known: Set<string>;

  constructor(requirements: ScoringRequirement[], exceptions: Iterable<ExceptionEntry> | ExceptionIndex, asOf: string) {
    this.known = new Set(requirements.map((r) => r.id));
    this.register = exceptions instanceof ExceptionIndex ? exceptions : new ExceptionIndex(exceptions);
    this.at = asOfInstant(asOf);
  }

  /** Add one resource's deciding finding (already de-duplicated per resource). */
  add(f: EvaluatedResource): void {
    if (!f.requirementId) {
      this.unmapped++;
      return;
    }
    if (!this.known.has(f.requirementId)) {
      this.unknownRequirements[f.requirementId] = (this.unknownRequirements[f.requirementId] ?? 0) + 1;
      return;
    }
    const key = `${f.accountId}\u0000${f.requirementId}`;
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = { accountId: f.accountId, requirementId: f.requirementId, total: 0, failing: 0, excepted: 0 }));
    cell.total++;
    if (f.status !== 'FAIL') return;
    const exception = this.register.match(f, this.at);
    const excepted = exception?.active === true;
    if (excepted) cell.excepted++;
    else cell.failing++;
    this.nonCompliant.push({ ...pickEvaluated(f), ...(exception ? { exception } : {}), excepted });
  }

  requirementCells(): RequirementCell[] {
    return [...this.cells.values()];
  }
}

/** Copy only the fields scoring reads, so a scorecard row never carries a whole finding document. */
function pickEvaluated(f: EvaluatedResource): EvaluatedResource {
  return {
    accountId: f.accountId,
    requirementId: f.requirementId,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn ?? null,
    resourceType: f.resourceType,
    region: f.region,
    status: f.status,
    evidence: f.evidence,
    observedAt: f.observedAt,
  };
}

/**
 * Mean of `value` weighted by `weight`; where the weights sum to 0, the plain mean (the contract's rule
 * for zero spend, applied to zero weights too); null when there is nothing to average.
 */
export function weightedMean(items: { value: number; weight: number }[]): number | null {
  if (items.length === 0) return null;
  let sum = 0;
  let weights = 0;
  for (const { value, weight } of items) {
    sum += weight * value;
    weights += weight;
  }
  const mean = weights > 0 ? sum / weights : items.reduce((s, i) => s + i.value, 0) / items.length;
  // Rounding may land a hair outside [0, 1].
  return Math.min(1, Math.max(0, mean));
}

/** `score = 1 - failing / total`; null where the requirement does not apply (total 0). */
export function requirementScore(cell: Pick<RequirementCell, 'total' | 'failing'>): number | null {
  return cell.total === 0 ? null : 1 - cell.failing / cell.total;
}

/** Stable per scope, subject, asOf and run: the OpenSearch _id, so every run is kept as history. */
export function scoreId(scope: ScoreScope, subject: string[], asOf: string, runAt: string): string {
  return [scope, ...subject, asOf, runAt].join('|');
}

export interface ScoreInput {
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  cells: RequirementCell[];
  asOf: string;
  /** the run's timestamp (ISO); the same data and runAt always give the same records */
  runAt: string;
}

interface Sums {
  total: number;
  failing: number;
  excepted: number;
}

/**
 * Every ScoreRecord of a run, in a fixed order: account×requirement (every listed account × every
 * requirement, null where it does not apply), account, owner, executive, enterprise.
 */
export function computeScores(input: ScoreInput): { scores: ScoreRecord[]; warnings: Omit<ScoringWarnings, 'unmapped' | 'unknownRequirements'> } {
  const { asOf, runAt, requirements } = input;
  asOfInstant(asOf);
  const base = { recordType: 'score' as const, schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION, asOf, runAt };
  const byAccount = new Map<string, ScoringAccount>(input.accounts.map((a) => [a.accountId, a]));
  const unknownAccounts = [...new Set(input.cells.map((c) => c.accountId).filter((id) => !byAccount.has(id)))].sort();
  for (const id of unknownAccounts) byAccount.set(id, { accountId: id, name: null, owner: null, executive: null, spend: null });
  const accounts = [...byAccount.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
  const cellOf = new Map(input.cells.map((c) => [`${c.accountId}\u0000${c.requirementId}`, c]));

  const cellRecords: ScoreRecord[] = [];
  const accountRecords: ScoreRecord[] = [];
  /** applicable (weight, score) pairs per account: owners average these directly (risk-weighted) */
  const applicable = new Map<string, { value: number; weight: number }[]>();
  const sums = new Map<string, Sums>();
  for (const a of accounts) {
    const pairs: { value: number; weight: number }[] = [];
    const s: Sums = { total: 0, failing: 0, excepted: 0 };
    for (const r of requirements) {
      const c = cellOf.get(`${a.accountId}\u0000${r.id}`) ?? { total: 0, failing: 0, excepted: 0 };
      const score = requirementScore(c);
      if (score !== null) pairs.push({ value: score, weight: r.weight });
      s.total += c.total;
      s.failing += c.failing;
      s.excepted += c.excepted;
      cellRecords.push({
        ...base,
        scoreId: scoreId('account-requirement', [a.accountId, r.id], asOf, runAt),
        scope: 'account-requirement',
        accountId: a.accountId,
        requirementId: r.id,
        owner: ownerOf(a),
        executive: executiveOf(a),
        total: c.total,
        failing: c.failing,
        excepted: c.excepted,
        weight: r.weight,
        score,
      });
    }
    applicable.set(a.accountId, pairs);
    sums.set(a.accountId, s);
    accountRecords.push({
      ...base,
      scoreId: scoreId('account', [a.accountId], asOf, runAt),
      scope: 'account',
      accountId: a.accountId,
      owner: ownerOf(a),
      executive: executiveOf(a),
      ...s,
      spend: a.spend,
      score: weightedMean(pairs),
    });
  }
  const accountScore = new Map(accountRecords.map((r) => [r.accountId!, r.score]));

  const group = (label: (a: ScoringAccount) => string) => {
    const groups = new Map<string, ScoringAccount[]>();
    for (const a of accounts) {
      const key = label(a);
      const list = groups.get(key);
      if (list) list.push(a);
      else groups.set(key, [a]);
    }
    return [...groups.entries()].sort(([x], [y]) => x.localeCompare(y));
  };
  const addSums = (list: ScoringAccount[]): Sums =>
    list.reduce(
      (s, a) => {
        const t = sums.get(a.accountId)!;
        return { total: s.total + t.total, failing: s.failing + t.failing, excepted: s.excepted + t.excepted };
      },
      { total: 0, failing: 0, excepted: 0 },
    );
  /** Spend-weighted mean of account scores over the accounts that have one; unknown spend counts as 0. */
  const spendWeighted = (list: ScoringAccount[]) =>
    weightedMean(
      list.flatMap((a) => {
        const value = accountScore.get(a.accountId);
        return value === null || value === undefined ? [] : [{ value, weight: a.spend ?? 0 }];
      }),
    );
  const totalSpend = (list: ScoringAccount[]) => (list.every((a) => a.spend === null) ? null : list.reduce((s, a) => s + (a.spend ?? 0), 0));

  /** A group's record: sums and spend of its accounts, the score by the group's formula. */
  const groupRecord = (scope: 'owner' | 'executive' | 'enterprise', label: string | undefined, list: ScoringAccount[], score: number | null): ScoreRecord => ({
    ...base,
    scoreId: scoreId(scope, [label ?? scope], asOf, runAt),
    scope,
    ...(scope === 'owner' ? { owner: label } : scope === 'executive' ? { executive: label } : {}),
    ...addSums(list),
    spend: totalSpend(list),
    score,
  });
  // owners: risk-weighted over every applicable account×requirement; executives and the enterprise: spend-weighted
  const ownerRecords = group(ownerOf).map(([owner, list]) => groupRecord('owner', owner, list, weightedMean(list.flatMap((a) => applicable.get(a.accountId)!))));
  const executiveRecords = group(executiveOf).map(([executive, list]) => groupRecord('executive', executive, list, spendWeighted(list)));
  const enterprise = groupRecord('enterprise', undefined, accounts, spendWeighted(accounts));
  return {
    scores: [...cellRecords, ...accountRecords, ...ownerRecords, ...executiveRecords, enterprise],
    warnings: {
      unknownAccounts,
      withoutOwner: accounts.filter((a) => ownerOf(a) === NO_OWNER).map((a) => a.accountId),
      withoutExecutive: accounts.filter((a) => executiveOf(a) === NO_EXECUTIVE).map((a) => a.accountId),
    },
  };
}

export interface ScoringResult {
  scores: ScoreRecord[];
  /** FAIL resources with their exception, for the scorecards' account sheets */
  nonCompliant: NonCompliantResource[];
  warnings: ScoringWarnings;
}

/** Finish an accumulator into the run's records. */
export function finishScoring(acc: ScoreAccumulator, input: Omit<ScoreInput, 'cells'>): ScoringResult {
  const { scores, warnings } = computeScores({ ...input, cells: acc.requirementCells() });
  const order = (a: NonCompliantResource, b: NonCompliantResource) =>
    a.accountId.localeCompare(b.accountId) || a.requirementId.localeCompare(b.requirementId) || a.resourceId.localeCompare(b.resourceId);
  return {
    scores,
    nonCompliant: acc.nonCompliant.sort(order),
    warnings: { ...warnings, unmapped: acc.unmapped, unknownRequirements: acc.unknownRequirements },
  };
}

/** The whole offline computation over findings in memory: de-duplicate, match exceptions, score. */
export function scoreFindings(input: {
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  findings: Iterable<EvaluatedResource>;
  exceptions: Iterable<ExceptionEntry> | ExceptionIndex;
  asOf: string;
  runAt: string;
}): ScoringResult {
  const acc = new ScoreAccumulator(input.requirements, input.exceptions, input.asOf);
  for (const f of latestPerResource(input.findings)) acc.add(f);
  return finishScoring(acc, input);
}
