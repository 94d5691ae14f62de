// The scoring core: pure functions from evaluated resources, the register and the account list to
// ScoreRecords. Both the offline command and the deployed job feed it; the formulas are issue 6's contract.
import { z } from 'zod';
import { ExceptionIndex, resourceKey, type AmbiguousException } from '../core/exceptions.js';
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
  /** offline: when the account left the organization; its findings are closed, it is not scored */
  leftAt: z.iso.datetime({ offset: true }).optional(),
});
export type ScoringAccount = z.infer<typeof ScoringAccount>;

export interface ScoringRequirement {
  id: string;
  title: string;
  severity: string;
  weight: number;
  /** what to do about a failing resource (the catalog's text) */
  remediation?: string;
}

/** The fields of a finding scoring reads; a FindingRecord is one. */
export type EvaluatedResource = Pick<
  FindingRecord,
  'accountId' | 'requirementId' | 'resourceId' | 'resourceArn' | 'resourceType' | 'region' | 'status' | 'evidence' | 'observedAt'
> &
  Partial<Pick<FindingRecord, 'findingId' | 'resolved'>> & {
    /** the OpenSearch document the finding was read from (deployed path), to close it there */
    documentId?: string;
  };

export type Resolution = NonNullable<FindingRecord['resolved']>;

/** A finding no longer counted because its resource is gone, with why and since when. */
export type ClosedFinding = EvaluatedResource & { resolved: Resolution; /** closed by an earlier run */ alreadyResolved: boolean };

/**
 * What a complete inventory found gone: resources marked `ResourceDeleted` (by ARN, or account, region,
 * type and id) and accounts that left the organization. A finding of either is closed, not scored.
 */
export class GoneResources {
  private readonly resources = new Map<string, string>();
  private readonly accounts = new Map<string, string>();

  /** A deletion marker: the resource's identity and when the complete run that missed it finished. */
  addDeletedResource(r: Parameters<typeof resourceKey>[0], at: string): void {
    this.resources.set(resourceKey(r), at);
  }

  addDepartedAccount(accountId: string, at: string): void {
    this.accounts.set(accountId, at);
  }

  get size(): number {
    return this.resources.size + this.accounts.size;
  }

  /** Why a finding no longer counts, or undefined when its resource still exists. */
  resolutionOf(f: EvaluatedResource): Resolution | undefined {
    if (f.resolved) return f.resolved;
    const left = this.accounts.get(f.accountId);
    if (left) return { reason: 'account-left', at: left };
    const deleted = this.resources.get(resourceKey(f));
    // an observation after the deletion is of a resource created again under the same name
    if (deleted && Date.parse(f.observedAt) <= Date.parse(deleted)) return { reason: 'resource-deleted', at: deleted };
    return undefined;
  }
}

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

/** One evaluation: a requirement of one resource (ARN, or account, region, type and id). */
const evaluationKey = (f: EvaluatedResource) => `${f.accountId}\u0000${f.requirementId}\u0000${resourceKey(f)}`;

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

/** One finding per (account, requirement, resource by ARN): `total` counts distinct resources, not observations. */
export class LatestPerResource<T extends EvaluatedResource> {
  private readonly byResource = new Map<string, T>();
  add(f: T): void {
    const key = evaluationKey(f);
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
  /** register entries naming a bare id that matched several resources: they apply to none */
  ambiguousExceptions: AmbiguousException[];
  /** findings closed because their resource or account is gone, by reason */
  closed: Partial<Record<Resolution['reason'], number>>;
}

/**
 * Counts total/failing/excepted per (account, requirement) from de-duplicated evaluated resources,
 * one at a time, so the deployed reader can stream aggregation pages through it. Keeps FAIL resources
 * (for the scorecards), never PASS ones.
 */
export class ScoreAccumulator {
  private readonly cells = new Map<string, RequirementCell>();
  /** FAIL resources; whether each is failing or excepted is settled once every resource was seen */
  private readonly fails: EvaluatedResource[] = [];
  private settled: NonCompliantResource[] | undefined;
  readonly closed: ClosedFinding[] = [];
  readonly unknownRequirements: Record<string, number> = {};
  unmapped = 0;
  private readonly register: ExceptionIndex;
  private readonly at: Date;
  private readonly known: Set<string>;

  constructor(
    requirements: ScoringRequirement[],
    exceptions: Iterable<ExceptionEntry> | ExceptionIndex,
    asOf: string,
    private readonly gone: GoneResources = new GoneResources(),
  ) {
    this.known = new Set(requirements.map((r) => r.id));
    this.register = exceptions instanceof ExceptionIndex ? exceptions : new ExceptionIndex(exceptions);
    this.at = asOfInstant(asOf);
  }

  /** Add one resource's deciding finding (already de-duplicated per resource). */
  add(f: EvaluatedResource): void {
    if (this.settled) throw new Error('ScoreAccumulator: add() after the results were read');
    const resolved = this.gone.resolutionOf(f);
    if (resolved) {
      this.closed.push({ ...pickEvaluated(f), ...(f.documentId ? { documentId: f.documentId } : {}), resolved, alreadyResolved: Boolean(f.resolved) });
      return;
    }
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
    this.register.observe(f);
    if (f.status === 'FAIL') this.fails.push(pickEvaluated(f));
  }

  /**
   * FAIL resources, failing or excepted. Matched only now: whether a bare-id entry is ambiguous is known
   * once every resource has been observed.
   */
  get nonCompliant(): NonCompliantResource[] {
    if (this.settled) return this.settled;
    const settled: NonCompliantResource[] = [];
    for (const f of this.fails) {
      const cell = this.cells.get(`${f.accountId}\u0000${f.requirementId}`)!;
      const exception = this.register.match(f, this.at);
      const excepted = exception?.active === true;
      if (excepted) cell.excepted++;
      else cell.failing++;
      settled.push({ ...f, ...(exception ? { exception } : {}), excepted });
    }
    this.fails.length = 0;
    return (this.settled = settled);
  }

  requirementCells(): RequirementCell[] {
    void this.nonCompliant;
    return [...this.cells.values()];
  }

  ambiguousExceptions(): AmbiguousException[] {
    return this.register.ambiguous();
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
    ...(f.findingId ? { findingId: f.findingId } : {}),
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
 * How much a weighted mean rises when the items of one requirement become 1 (every failing resource
 * fixed), all else equal: the mean recomputed, so the zero-weight rule and clamping are the same.
 */
export function gainOf(items: { value: number; weight: number; requirementId: string }[], requirementId: string): number {
  const before = weightedMean(items);
  if (before === null) return 0;
  const after = weightedMean(items.map((i) => (i.requirementId === requirementId ? { ...i, value: 1 } : i)))!;
  // rounding must not show a fix of nothing as a gain
  return Math.max(0, Math.round((after - before) * 1e12) / 1e12);
}

/**
 * Every ScoreRecord of a run, in a fixed order: account×requirement (every listed account × every
 * requirement, null where it does not apply), account, owner, owner×requirement, executive, enterprise.
 * Requirement scopes carry `gain`: what fixing every failing resource of the requirement adds.
 */
export function computeScores(input: ScoreInput): { scores: ScoreRecord[]; warnings: Pick<ScoringWarnings, 'unknownAccounts' | 'withoutOwner' | 'withoutExecutive'> } {
  const { asOf, runAt, requirements } = input;
  asOfInstant(asOf);
  const base = { recordType: 'score' as const, schemaVersion: SCHEMA_VERSION as typeof SCHEMA_VERSION, asOf, runAt };
  const byAccount = new Map<string, ScoringAccount>(input.accounts.map((a) => [a.accountId, a]));
  const unknownAccounts = [...new Set(input.cells.map((c) => c.accountId).filter((id) => !byAccount.has(id)))].sort();
  for (const id of unknownAccounts) byAccount.set(id, { accountId: id, name: null, owner: null, executive: null, spend: null });
  const accounts = [...byAccount.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
  const cellOf = new Map(input.cells.map((c) => [`${c.accountId}\u0000${c.requirementId}`, c]));
  const about = (r: ScoringRequirement) => ({ title: r.title, severity: r.severity, ...(r.remediation ? { remediation: r.remediation } : {}) });

  const cellRecords: ScoreRecord[] = [];
  const accountRecords: ScoreRecord[] = [];
  /** applicable (weight, score) pairs per account: owners average these directly (risk-weighted) */
  const applicable = new Map<string, { value: number; weight: number; requirementId: string }[]>();
  const sums = new Map<string, Sums>();
  for (const a of accounts) {
    const pairs: { value: number; weight: number; requirementId: string }[] = [];
    const s: Sums = { total: 0, failing: 0, excepted: 0 };
    const mine: ScoreRecord[] = [];
    for (const r of requirements) {
      const c = cellOf.get(`${a.accountId}\u0000${r.id}`) ?? { total: 0, failing: 0, excepted: 0 };
      const score = requirementScore(c);
      if (score !== null) pairs.push({ value: score, weight: r.weight, requirementId: r.id });
      s.total += c.total;
      s.failing += c.failing;
      s.excepted += c.excepted;
      mine.push({
        ...base,
        scoreId: scoreId('account-requirement', [a.accountId, r.id], asOf, runAt),
        scope: 'account-requirement',
        accountId: a.accountId,
        accountName: a.name,
        requirementId: r.id,
        ...about(r),
        owner: ownerOf(a),
        executive: executiveOf(a),
        total: c.total,
        failing: c.failing,
        excepted: c.excepted,
        weight: r.weight,
        score,
        gain: 0,
      });
    }
    for (const rec of mine) if (rec.failing) rec.gain = gainOf(pairs, rec.requirementId!);
    cellRecords.push(...mine);
    applicable.set(a.accountId, pairs);
    sums.set(a.accountId, s);
    accountRecords.push({
      ...base,
      scoreId: scoreId('account', [a.accountId], asOf, runAt),
      scope: 'account',
      accountId: a.accountId,
      accountName: a.name,
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
  const cellRecordOf = new Map(cellRecords.map((r) => [`${r.accountId}\u0000${r.requirementId}`, r]));
  // owners: risk-weighted over every applicable account×requirement; executives and the enterprise: spend-weighted
  const ownerRecords: ScoreRecord[] = [];
  const ownerRequirementRecords: ScoreRecord[] = [];
  for (const [owner, list] of group(ownerOf)) {
    const pairs = list.flatMap((a) => applicable.get(a.accountId)!);
    ownerRecords.push(groupRecord('owner', owner, list, weightedMean(pairs)));
    for (const r of requirements) {
      const cells = list.map((a) => cellRecordOf.get(`${a.accountId}\u0000${r.id}`)!).filter((c) => c.total! > 0);
      if (!cells.length) continue;
      const sum = (k: 'total' | 'failing' | 'excepted') => cells.reduce((n, c) => n + c[k]!, 0);
      const failing = sum('failing');
      ownerRequirementRecords.push({
        ...base,
        scoreId: scoreId('owner-requirement', [owner, r.id], asOf, runAt),
        scope: 'owner-requirement',
        owner,
        requirementId: r.id,
        ...about(r),
        total: sum('total'),
        failing,
        excepted: sum('excepted'),
        weight: r.weight,
        // the owner's accounts' scores for this requirement, plain mean (each account counts once)
        score: weightedMean(cells.map((c) => ({ value: c.score!, weight: 0 }))),
        gain: failing ? gainOf(pairs, r.id) : 0,
      });
    }
  }
  const executiveRecords = group(executiveOf).map(([executive, list]) => groupRecord('executive', executive, list, spendWeighted(list)));
  const enterprise = groupRecord('enterprise', undefined, accounts, spendWeighted(accounts));
  return {
    scores: [...cellRecords, ...accountRecords, ...ownerRecords, ...ownerRequirementRecords, ...executiveRecords, enterprise],
    warnings: {
      unknownAccounts,
      withoutOwner: accounts.filter((a) => ownerOf(a) === NO_OWNER).map((a) => a.accountId),
      withoutExecutive: accounts.filter((a) => executiveOf(a) === NO_EXECUTIVE).map((a) => a.accountId),
    },
  };
}

/**
 * The owner-formula score of a set of account×requirement records if `extra` more resources per cell
 * were failing (exceptions that lapse, nothing else changing): Σ w·(1 - failing/total) / Σ w.
 */
export function scoreWithMoreFailing(cells: ScoreRecord[], extra: Map<string, number>): number | null {
  return weightedMean(
    cells
      .filter((c) => (c.total ?? 0) > 0)
      .map((c) => {
        const failing = Math.min(c.total!, c.failing! + (extra.get(`${c.accountId}\u0000${c.requirementId}`) ?? 0));
        return { value: 1 - failing / c.total!, weight: c.weight ?? 0 };
      }),
  );
}

/** A requirement worth fixing: from a requirement-scope record with a gain. */
export interface TopFix {
  requirementId: string;
  title: string;
  severity: string;
  remediation: string;
  weight: number;
  failing: number;
  gain: number;
}

/**
 * The fixes of one owner or account, best first: requirement-scope records ranked by gain (then weight,
 * failing count and id, so ties read the same every run). Records without failing resources are left out.
 */
export function topFixes(records: Iterable<ScoreRecord>, limit = Infinity): TopFix[] {
  const fixes: TopFix[] = [];
  for (const r of records) {
    if (!r.failing || !r.gain || !r.requirementId) continue;
    fixes.push({
      requirementId: r.requirementId,
      title: r.title ?? r.requirementId,
      severity: r.severity ?? '',
      remediation: r.remediation ?? '',
      weight: r.weight ?? 0,
      failing: r.failing,
      gain: r.gain,
    });
  }
  fixes.sort((a, b) => b.gain - a.gain || b.weight - a.weight || b.failing - a.failing || a.requirementId.localeCompare(b.requirementId));
  return fixes.slice(0, limit);
}

export interface ScoringResult {
  scores: ScoreRecord[];
  /** FAIL resources with their exception, for the scorecards' account sheets */
  nonCompliant: NonCompliantResource[];
  /** findings of resources or accounts that are gone: closed, not scored */
  closed: ClosedFinding[];
  warnings: ScoringWarnings;
}

/** Finish an accumulator into the run's records. */
export function finishScoring(acc: ScoreAccumulator, input: Omit<ScoreInput, 'cells'>): ScoringResult {
  const nonCompliant = acc.nonCompliant;
  const { scores, warnings } = computeScores({ ...input, cells: acc.requirementCells() });
  const order = (a: NonCompliantResource, b: NonCompliantResource) =>
    a.accountId.localeCompare(b.accountId) ||
    a.requirementId.localeCompare(b.requirementId) ||
    a.resourceId.localeCompare(b.resourceId) ||
    a.region.localeCompare(b.region) ||
    (a.resourceArn ?? '').localeCompare(b.resourceArn ?? '');
  const closed: ScoringWarnings['closed'] = {};
  for (const c of acc.closed) closed[c.resolved.reason] = (closed[c.resolved.reason] ?? 0) + 1;
  return {
    scores,
    nonCompliant: nonCompliant.sort(order),
    closed: acc.closed,
    warnings: { ...warnings, unmapped: acc.unmapped, unknownRequirements: acc.unknownRequirements, ambiguousExceptions: acc.ambiguousExceptions(), closed },
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
  gone?: GoneResources;
}): ScoringResult {
  const acc = new ScoreAccumulator(input.requirements, input.exceptions, input.asOf, input.gone);
  for (const f of latestPerResource(input.findings)) acc.add(f);
  return finishScoring(acc, input);
}
