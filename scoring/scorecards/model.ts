// The view of one run the scorecards are drawn from: score records indexed by subject, accounts with
// their owner/executive labels, non-compliant resources per account, fixes, trends and lapsing exceptions.
import type { ScoreRecord } from '../../core/schemas.js';
import type { NonCompliantResource, ScoringAccount, ScoringRequirement, TopFix } from '../score.js';
import { NO_OWNER, executiveOf, ownerOf, scoreWithMoreFailing, topFixes } from '../score.js';
import { NO_CHANGE, ScoreTrends, type ScoreChange } from '../trends.js';

export interface ScorecardInput {
  scores: ScoreRecord[];
  nonCompliant: NonCompliantResource[];
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  asOf: string;
  /** earlier runs' scores, for the change since the previous run, 7 and 30 days */
  trends?: ScoreTrends;
}

export interface AccountView {
  accountId: string;
  name: string;
  owner: string;
  executive: string;
  spend: number | null;
  score: ScoreRecord;
}

/** How many days ahead the scorecards warn about exceptions that expire. */
export const LAPSE_WINDOW_DAYS = 30;

/** Severity order of the account sheets: heaviest first. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, informational: 4 };

export class ScorecardModel {
  readonly asOf: string;
  readonly requirements: ScoringRequirement[];
  /** every scored account, sorted by id, with the owner/executive label it was scored under */
  readonly accounts: AccountView[];
  readonly owners: ScoreRecord[];
  readonly executives: ScoreRecord[];
  readonly enterprise: ScoreRecord | undefined;
  readonly trends: ScoreTrends | undefined;
  private readonly cells = new Map<string, ScoreRecord>();
  private readonly cellsByAccount = new Map<string, ScoreRecord[]>();
  private readonly ownerRequirements = new Map<string, ScoreRecord[]>();
  private readonly failures = new Map<string, NonCompliantResource[]>();
  private readonly requirementById: Map<string, ScoringRequirement>;

  constructor(input: ScorecardInput) {
    this.asOf = input.asOf;
    this.requirements = input.requirements;
    this.trends = input.trends;
    this.requirementById = new Map(input.requirements.map((r) => [r.id, r]));
    const listed = new Map(input.accounts.map((a) => [a.accountId, a]));
    const accounts: AccountView[] = [];
    const owners: ScoreRecord[] = [];
    const executives: ScoreRecord[] = [];
    let enterprise: ScoreRecord | undefined;
    const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const s of input.scores) {
      if (s.scope === 'account-requirement') {
        this.cells.set(`${s.accountId}|${s.requirementId}`, s);
        push(this.cellsByAccount, s.accountId!, s);
      } else if (s.scope === 'owner-requirement') push(this.ownerRequirements, s.owner!, s);
      else if (s.scope === 'account') {
        const a = listed.get(s.accountId!);
        accounts.push({
          accountId: s.accountId!,
          name: a?.name ?? '(not in the account list)',
          owner: s.owner ?? ownerOf(a ?? { owner: null }),
          executive: s.executive ?? executiveOf(a ?? { executive: null }),
          spend: a?.spend ?? null,
          score: s,
        });
      } else if (s.scope === 'owner') owners.push(s);
      else if (s.scope === 'executive') executives.push(s);
      else if (s.scope === 'enterprise') enterprise = s;
    }
    this.accounts = accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
    this.owners = owners;
    this.executives = executives;
    this.enterprise = enterprise;
    for (const f of input.nonCompliant) push(this.failures, f.accountId, f);
    // account sheets read heaviest first: severity weight, then requirement, resource, region
    for (const list of this.failures.values()) {
      list.sort((a, b) => {
        const ra = this.requirementById.get(a.requirementId);
        const rb = this.requirementById.get(b.requirementId);
        return (
          (rb?.weight ?? 0) - (ra?.weight ?? 0) ||
          (SEVERITY_RANK[ra?.severity ?? ''] ?? 9) - (SEVERITY_RANK[rb?.severity ?? ''] ?? 9) ||
          a.requirementId.localeCompare(b.requirementId) ||
          Number(a.excepted) - Number(b.excepted) ||
          a.resourceId.localeCompare(b.resourceId) ||
          a.region.localeCompare(b.region)
        );
      });
    }
  }

  requirement(id: string): ScoringRequirement | undefined {
    return this.requirementById.get(id);
  }

  cell(accountId: string, requirementId: string): ScoreRecord | undefined {
    return this.cells.get(`${accountId}|${requirementId}`);
  }

  nonCompliantOf(accountId: string): NonCompliantResource[] {
    return this.failures.get(accountId) ?? [];
  }

  accountsOf(owner: string): AccountView[] {
    return this.accounts.filter((a) => a.owner === owner);
  }

  ownerRecord(owner: string): ScoreRecord | undefined {
    return this.owners.find((o) => o.owner === owner);
  }

  /** Owners with a book of their own; accounts without an owner go to the unowned-accounts book. */
  ownerLabels(): string[] {
    return [...new Set(this.accounts.map((a) => a.owner))].filter((o) => o !== NO_OWNER).sort((a, b) => a.localeCompare(b));
  }

  hasUnowned(): boolean {
    return this.accounts.some((a) => a.owner === NO_OWNER);
  }

  /** The owner's requirements ranked by what fixing them adds to the owner's score. */
  ownerFixes(owner: string, limit?: number): TopFix[] {
    return topFixes(this.ownerRequirements.get(owner) ?? [], limit);
  }

  accountFixes(accountId: string, limit?: number): TopFix[] {
    return topFixes(this.cellsByAccount.get(accountId) ?? [], limit);
  }

  change(record: ScoreRecord | undefined): ScoreChange {
    return record && this.trends ? this.trends.change(record) : NO_CHANGE;
  }

  /** Active exceptions of these accounts that expire within the window, soonest first. */
  lapsing(accountIds: string[], days = LAPSE_WINDOW_DAYS): NonCompliantResource[] {
    const until = new Date(Date.parse(`${this.asOf}T00:00:00Z`) + days * 24 * 3600 * 1000).toISOString().slice(0, 10);
    return accountIds
      .flatMap((id) => this.nonCompliantOf(id))
      .filter((f) => f.excepted && f.exception && f.exception.expiresAt <= until)
      .sort((a, b) => a.exception!.expiresAt.localeCompare(b.exception!.expiresAt) || a.accountId.localeCompare(b.accountId));
  }

  /** Expired exceptions whose resource still fails (no credit any more). */
  expiredStillFailing(accountIds: string[]): NonCompliantResource[] {
    return accountIds
      .flatMap((id) => this.nonCompliantOf(id))
      .filter((f) => !f.excepted && f.exception && !f.exception.active)
      .sort((a, b) => a.exception!.expiresAt.localeCompare(b.exception!.expiresAt) || a.accountId.localeCompare(b.accountId));
  }

  /** The owner-formula score of these accounts once the given exceptions have lapsed, all else equal. */
  scoreAfterLapse(accountIds: string[], lapsing: NonCompliantResource[]): number | null {
    const extra = new Map<string, number>();
    for (const f of lapsing) extra.set(`${f.accountId}\u0000${f.requirementId}`, (extra.get(`${f.accountId}\u0000${f.requirementId}`) ?? 0) + 1);
    return scoreWithMoreFailing(
      accountIds.flatMap((id) => this.cellsByAccount.get(id) ?? []),
      extra,
    );
  }

  /** Requirements failing in the most accounts (then most resources): what the enterprise fails most. */
  commonFailures(limit: number): { requirement: ScoringRequirement; accounts: number; failing: number }[] {
    const out = this.requirements.map((r) => {
      let accounts = 0;
      let failing = 0;
      for (const a of this.accounts) {
        const c = this.cell(a.accountId, r.id);
        if (c?.failing) {
          accounts++;
          failing += c.failing;
        }
      }
      return { requirement: r, accounts, failing };
    });
    return out
      .filter((x) => x.failing > 0)
      .sort((a, b) => b.accounts - a.accounts || b.failing - a.failing || b.requirement.weight - a.requirement.weight || a.requirement.id.localeCompare(b.requirement.id))
      .slice(0, limit);
  }
}

/** A score for a cell: the fraction, or "n/a" where nothing applies. */
export const pct = (s: { score: number | null } | undefined): number | string => (s?.score ?? null) === null ? 'n/a' : s!.score!;
