// The matching rule of the risk-acceptance register and the identity of an evaluated resource, shared
// by the processors (enrichment) and scoring.
import { sha256Hex } from './content.js';
import type { ExceptionEntry, ExceptionRef, FindingRecord } from './schemas.js';

/** The last instant an entry is active: the end of its expiry day, UTC. */
const activeUntil = (entry: Pick<ExceptionEntry, 'expiresAt'>): number => Date.parse(`${entry.expiresAt}T23:59:59.999Z`);

/** An entry is active through the end of its expiry day, UTC. */
export function isExceptionActive(entry: Pick<ExceptionEntry, 'expiresAt'>, asOf: Date): boolean {
  return asOf.getTime() <= activeUntil(entry);
}

export type ResourceIdentity = Pick<FindingRecord, 'accountId' | 'region' | 'resourceType' | 'resourceId' | 'resourceArn'>;

/**
 * One resource, one key: its ARN, or account, region, type and id where there is no ARN. For DynamoDB
 * tables, Lambda functions and ECR repositories `resourceId` is the bare name, so two tables `orders`
 * in two regions are two resources only when the region (or the ARN) is part of the key.
 */
export function resourceKey(r: ResourceIdentity): string {
  return r.resourceArn ? `arn\u0000${r.resourceArn}` : `id\u0000${r.accountId}\u0000${r.region}\u0000${r.resourceType}\u0000${r.resourceId}`;
}

const isArn = (id: string) => id.startsWith('arn:');

type FindingKey = Pick<FindingRecord, 'accountId' | 'requirementId' | 'resourceId' | 'resourceArn'> & Partial<Pick<FindingRecord, 'region' | 'resourceType'>>;

/** A register entry naming a bare id that matches resources in several regions or of several types. */
export interface AmbiguousException {
  exceptionId: string;
  accountId: string;
  requirementId: string;
  resourceId: string;
  /** `region resourceType` of each distinct resource it would match */
  matches: string[];
}

/**
 * Index the register once so each finding is matched in O(1). An entry that names a bare id (not an
 * ARN) is ambiguous once resources of that id were `observe`d in more than one region or of more than
 * one type: it then applies to none of them until it names the ARN.
 */
export class ExceptionIndex {
  private readonly byKey = new Map<string, ExceptionEntry[]>();
  /** bare-id keys named by some entry → the distinct `region resourceType` places seen for it */
  private readonly places = new Map<string, Set<string>>();
  private readonly byAccount = new Map<string, ExceptionEntry[]>();
  private readonly accountStates = new Map<string, { hash: string; ends: number[] }>();

  constructor(entries: Iterable<ExceptionEntry>) {
    for (const e of entries) {
      const key = `${e.accountId}|${e.requirementId}|${e.resourceId}`;
      const list = this.byKey.get(key);
      if (list) list.push(e);
      else this.byKey.set(key, [e]);
      if (!isArn(e.resourceId)) this.places.set(key, new Set());
      const mine = this.byAccount.get(e.accountId);
      if (mine) mine.push(e);
      else this.byAccount.set(e.accountId, [e]);
    }
  }

  /**
   * What every match for this account's findings observed at `asOf` depends on, as a short text: the account's
   * entries (a hash) and how many of their expiry days have ended by then. Equal texts, equal matches: between two
   * expiry ends nothing of the register can change an answer (processors/derivation.ts relies on it). '' when the
   * register names nothing of the account.
   */
  stateAt(accountId: string, asOf: Date): string {
    const entries = this.byAccount.get(accountId);
    if (!entries) return '';
    let state = this.accountStates.get(accountId);
    if (!state) {
      const sorted = [...entries].sort((a, b) => a.exceptionId.localeCompare(b.exceptionId) || a.resourceId.localeCompare(b.resourceId));
      const hash = sha256Hex(JSON.stringify(sorted.map((e) => [e.exceptionId, e.requirementId, e.resourceId, e.reason, e.approvedBy, e.expiresAt]))).slice(0, 16);
      state = { hash, ends: [...new Set(entries.map(activeUntil))].sort((a, b) => a - b) };
      this.accountStates.set(accountId, state);
    }
    const t = asOf.getTime();
    // active while asOf <= activeUntil (isExceptionActive), so an end counts once asOf is past it
    let ended = 0;
    while (ended < state.ends.length && state.ends[ended]! < t) ended++;
    return `${state.hash}.${ended}`;
  }

  /** No entry at all: nothing can match (the processors' common case, asked before building a match's inputs). */
  get empty(): boolean {
    return this.byKey.size === 0;
  }

  /** Note an evaluated resource (PASS or FAIL), so bare-id entries that name several resources are known. */
  observe(r: FindingKey): void {
    const seen = this.places.get(`${r.accountId}|${r.requirementId}|${r.resourceId}`);
    if (seen && seen.size < 16) seen.add(`${r.region ?? ''} ${r.resourceType ?? ''}`.trim());
  }

  private isAmbiguous(key: string): boolean {
    return (this.places.get(key)?.size ?? 0) > 1;
  }

  /** The entries that apply to none because their bare id matched several observed resources. */
  ambiguous(): AmbiguousException[] {
    const out: AmbiguousException[] = [];
    for (const [key, seen] of this.places) {
      if (seen.size < 2) continue;
      for (const e of this.byKey.get(key)!) {
        out.push({ exceptionId: e.exceptionId, accountId: e.accountId, requirementId: e.requirementId, resourceId: e.resourceId, matches: [...seen].sort() });
      }
    }
    return out.sort((a, b) => a.exceptionId.localeCompare(b.exceptionId));
  }

  /**
   * The entry matching a finding (same account and requirement; resourceId equal to the finding's
   * resourceId or resourceArn, a bare id only while it is not ambiguous). Where several match, an
   * active one wins, then the latest expiry.
   */
  match(finding: FindingKey, asOf: Date): ExceptionRef | undefined {
    const candidates = [finding.resourceId, finding.resourceArn]
      .filter((id): id is string => Boolean(id))
      .map((id) => `${finding.accountId}|${finding.requirementId}|${id}`)
      .filter((key) => !this.isAmbiguous(key))
      .flatMap((key) => this.byKey.get(key) ?? []);
    if (candidates.length === 0) return undefined;
    const ranked = candidates
      .map((e) => ({ e, active: isExceptionActive(e, asOf) }))
      .sort((a, b) => Number(b.active) - Number(a.active) || b.e.expiresAt.localeCompare(a.e.expiresAt) || a.e.exceptionId.localeCompare(b.e.exceptionId));
    const best = ranked[0]!;
    return {
      exceptionId: best.e.exceptionId,
      reason: best.e.reason,
      approvedBy: best.e.approvedBy,
      expiresAt: best.e.expiresAt,
      active: best.active,
    };
  }
}

/** Pure: the register entries that name a bare id matching several of these resources. */
export function ambiguousExceptions(entries: Iterable<ExceptionEntry>, resources: Iterable<FindingKey>): AmbiguousException[] {
  const index = new ExceptionIndex(entries);
  for (const r of resources) index.observe(r);
  return index.ambiguous();
}
