// Change-only landing, decided: compare what arrived with what is stored and say whether it lands, and if it
// lands because it changed, the change record that says what changed. Pure; the pipeline reads the stored state
// (one mget per batch) and acts on the decision.
import { createHash } from 'node:crypto';
import { contentHash, diffContent } from '../core/content.js';
import { SCHEMA_VERSION, type ChangeRecord, type FindingRecord, type ResourceRecord } from '../core/schemas.js';

/** What the store holds of a resource: enough to tell a change, and the previous content for the diff. */
export interface StoredResource {
  contentHash?: string;
  configurationItemCaptureTime?: string;
  configurationItemStatus?: string;
  configuration?: unknown;
  supplementaryConfiguration?: unknown;
  tags?: unknown;
  publicVerdict?: string;
}

/** The CloudTrail event behind a re-collection (collectors/events), when there was one. */
export interface ChangeCause {
  eventName?: string;
  eventId?: string;
  principal?: string;
}

export type ResourceDecision =
  /** same content as stored: lands nowhere (its presence is the run's evidence) */
  | { land: false; reason: 'unchanged' | 'older' }
  /** new or changed: lands everywhere, with the change */
  | { land: true; change: ChangeRecord };

const changeIdOf = (arn: string, before: string | null, after: string) => createHash('sha256').update(`${arn}|${before ?? ''}|${after}`).digest('hex').slice(0, 32);

/** The record with its content hash set (the hash every store keeps). */
export function withContentHash(record: ResourceRecord): ResourceRecord {
  return { ...record, contentHash: contentHash(record) };
}

/**
 * Decide one resource: an older copy never lands; an equal hash does not land; anything else lands with a change
 * record (created, modified or deleted) whose diff names every non-volatile path that differs.
 */
export function decideResource(record: ResourceRecord, stored: StoredResource | undefined, cause: ChangeCause = {}): ResourceDecision {
  const hash = record.contentHash ?? contentHash(record);
  if (stored?.configurationItemCaptureTime && stored.configurationItemCaptureTime > record.configurationItemCaptureTime) return { land: false, reason: 'older' };
  if (stored?.contentHash === hash) return { land: false, reason: 'unchanged' };
  const deleted = record.configurationItemStatus === 'ResourceDeleted';
  const kind: ChangeRecord['kind'] = deleted ? 'deleted' : !stored || stored.configurationItemStatus === 'ResourceDeleted' ? 'created' : 'modified';
  const before = stored && stored.configurationItemStatus !== 'ResourceDeleted' ? stored : undefined;
  const beforeVerdict = before?.publicVerdict ?? null;
  const afterVerdict = deleted ? null : (record.publicVerdict ?? null);
  const change: ChangeRecord = {
    recordType: 'change',
    schemaVersion: SCHEMA_VERSION,
    changeId: changeIdOf(record.arn, stored?.configurationItemCaptureTime ?? null, record.configurationItemCaptureTime),
    arn: record.arn,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    resourceName: record.resourceName,
    awsAccountId: record.awsAccountId,
    awsRegion: record.awsRegion,
    kind,
    changedAt: record.configurationItemCaptureTime,
    previousCaptureTime: stored?.configurationItemCaptureTime ?? null,
    previousHash: stored?.contentHash ?? null,
    contentHash: hash,
    ...(cause.eventName ? { eventName: cause.eventName } : {}),
    ...(cause.eventId ? { eventId: cause.eventId } : {}),
    ...(cause.principal ? { principal: cause.principal } : {}),
    // a deletion's diff is empty: the resource is gone, not emptied
    diff: deleted ? [] : diffContent(before as Parameters<typeof diffContent>[0], record),
    ...(beforeVerdict !== afterVerdict ? { verdict: { before: beforeVerdict, after: afterVerdict } } : {}),
    flipped: [],
    ...(record.account ? { account: record.account } : {}),
  };
  return { land: true, change };
}

/** What the store holds of a finding. */
export interface StoredFinding {
  status?: string;
  evidence?: string;
  exception?: { exceptionId?: string; active?: boolean } | null;
  firstObservedAt?: string;
  lastObservedAt?: string;
  observedAt?: string;
  resolved?: unknown;
}

const sameException = (a: StoredFinding['exception'], b: FindingRecord['exception']) =>
  (a?.exceptionId ?? null) === (b?.exceptionId ?? null) && (a?.active ?? null) === (b?.active ?? null);

export type FindingDecision = { land: false } | { land: true; record: FindingRecord; flipped?: { from: 'PASS' | 'FAIL' | null; to: 'PASS' | 'FAIL' } };

/**
 * A finding lands only when its status, exception (id or active) or evidence changed, or it was resolved before;
 * then it carries firstObservedAt (this status since) and lastObservedAt. An older observation never lands.
 */
export function decideFinding(finding: FindingRecord, stored: StoredFinding | undefined): FindingDecision {
  const last = stored?.lastObservedAt ?? stored?.observedAt;
  if (last && last > finding.observedAt) return { land: false };
  const unchanged = stored && !stored.resolved && stored.status === finding.status && stored.evidence === finding.evidence && sameException(stored.exception, finding.exception);
  if (unchanged) return { land: false };
  const flipped = stored?.status !== finding.status ? { from: (stored?.status as 'PASS' | 'FAIL' | undefined) ?? null, to: finding.status } : undefined;
  return { land: true, record: { ...finding, firstObservedAt: finding.observedAt, lastObservedAt: finding.observedAt }, ...(flipped ? { flipped } : {}) };
}
