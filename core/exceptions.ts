// The matching rule of the risk-acceptance register, shared by the processors (enrichment) and scoring.
import type { ExceptionEntry, ExceptionRef, FindingRecord } from './schemas.js';

/** An entry is active through the end of its expiry day, UTC. */
export function isExceptionActive(entry: Pick<ExceptionEntry, 'expiresAt'>, asOf: Date): boolean {
  const endOfDay = Date.parse(`${entry.expiresAt}T23:59:59.999Z`);
  return asOf.getTime() <= endOfDay;
}

type FindingKey = Pick<FindingRecord, 'accountId' | 'requirementId' | 'resourceId' | 'resourceArn'>;

/** Index the register once so each finding is matched in O(1). */
export class ExceptionIndex {
  private readonly byKey = new Map<string, ExceptionEntry[]>();

  constructor(entries: Iterable<ExceptionEntry>) {
    for (const e of entries) {
      const key = `${e.accountId}|${e.requirementId}|${e.resourceId}`;
      const list = this.byKey.get(key);
      if (list) list.push(e);
      else this.byKey.set(key, [e]);
    }
  }

  /**
   * The entry matching a finding (same account and requirement; resourceId equal to the finding's
   * resourceId or resourceArn). Where several match, an active one wins, then the latest expiry.
   */
  match(finding: FindingKey, asOf: Date): ExceptionRef | undefined {
    const candidates = [finding.resourceId, finding.resourceArn]
      .filter((id): id is string => Boolean(id))
      .flatMap((id) => this.byKey.get(`${finding.accountId}|${finding.requirementId}|${id}`) ?? []);
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
