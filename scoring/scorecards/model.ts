// The view of one run the scorecards are drawn from: score records indexed by subject, accounts with
// their owner/executive labels, non-compliant resources per account.
import type { ScoreRecord } from '../../core/schemas.js';
import type { NonCompliantResource, ScoringAccount, ScoringRequirement } from '../score.js';
import { NO_OWNER, executiveOf, ownerOf } from '../score.js';

export interface ScorecardInput {
  scores: ScoreRecord[];
  nonCompliant: NonCompliantResource[];
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  asOf: string;
}

export interface AccountView {
  accountId: string;
  name: string;
  owner: string;
  executive: string;
  spend: number | null;
  score: ScoreRecord;
}

export class ScorecardModel {
  readonly asOf: string;
  readonly requirements: ScoringRequirement[];
  /** every scored account, sorted by id, with the owner/executive label it was scored under */
  readonly accounts: AccountView[];
  readonly owners: ScoreRecord[];
  readonly executives: ScoreRecord[];
  readonly enterprise: ScoreRecord | undefined;
  private readonly cells = new Map<string, ScoreRecord>();
  private readonly failures = new Map<string, NonCompliantResource[]>();

  constructor(input: ScorecardInput) {
    this.asOf = input.asOf;
    this.requirements = input.requirements;
    const listed = new Map(input.accounts.map((a) => [a.accountId, a]));
    const accounts: AccountView[] = [];
    const owners: ScoreRecord[] = [];
    const executives: ScoreRecord[] = [];
    let enterprise: ScoreRecord | undefined;
    for (const s of input.scores) {
      if (s.scope === 'account-requirement') this.cells.set(`${s.accountId}|${s.requirementId}`, s);
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
    for (const f of input.nonCompliant) {
      const list = this.failures.get(f.accountId);
      if (list) list.push(f);
      else this.failures.set(f.accountId, [f]);
    }
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

  ownerLabels(): string[] {
    return [...new Set(this.accounts.map((a) => a.owner))].sort((a, b) => Number(a === NO_OWNER) - Number(b === NO_OWNER) || a.localeCompare(b));
  }
}

/** A score for a cell: the fraction, or "n/a" where nothing applies. */
export const pct = (s: { score: number | null } | undefined): number | string => (s?.score ?? null) === null ? 'n/a' : s!.score!;
