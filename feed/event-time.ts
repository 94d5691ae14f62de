// One event time for every feed line: each record kind names its time differently (observedAt,
// configurationItemCaptureTime, finishedAt, runAt), so the feed adds the same top-level `eventTime` to every
// record line and keeps the kind's own field. OCSF lines already carry OCSF's `time` (and `time_dt`) and are left
// as they are, since OCSF has no `eventTime` attribute.
import { eventTimeOf, recordKinds } from '../core/records.js';
import type { ScoreRecord, StreamRecord } from '../core/schemas.js';
import { wrapSinkWrite, type WritableSink } from './wrap-sink.js';

export const EVENT_TIME_FIELD = 'eventTime';

/** time fields of kinds the record-kind table does not list (yet): a new kind still gets its eventTime */
const FALLBACK_TIME_FIELDS = ['changedAt', 'observedAt', 'runAt', 'finishedAt'] as const;

function eventTimeFor(type: string, record: Record<string, unknown>): string | undefined {
  if (type === 'score') return (record as unknown as ScoreRecord).runAt;
  if (type in recordKinds) return eventTimeOf(record as unknown as StreamRecord);
  const field = FALLBACK_TIME_FIELDS.find((f) => typeof record[f] === 'string');
  return field && (record[field] as string);
}

/**
 * The record with `eventTime` right after `recordType`; anything without a recordType (OCSF), or of a kind with no
 * known time field, is returned as it is: the feed line is never held up for want of it.
 */
export function withEventTime<T extends object>(record: T): T {
  const type = (record as { recordType?: unknown }).recordType;
  if (typeof type !== 'string') return record;
  const time = eventTimeFor(type, record as Record<string, unknown>);
  return time === undefined ? record : { recordType: type, [EVENT_TIME_FIELD]: time, ...record };
}

/** A feed sink whose record lines carry `eventTime`; every other method is the inner sink's own. */
export function withFeedEventTime<T extends WritableSink>(inner: T): T {
  return wrapSinkWrite(inner, (write) => (kind, records, where) => write(kind, records.map(withEventTime), where));
}
