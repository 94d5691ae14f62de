// One event time for every feed line: each record kind names its time differently (observedAt,
// configurationItemCaptureTime, finishedAt, runAt), so the feed adds the same top-level `eventTime` to every
// record line and keeps the kind's own field. OCSF lines already carry OCSF's `time` (and `time_dt`) and are left
// as they are, since OCSF has no `eventTime` attribute.
import { eventTimeOf } from '../core/records.js';
import type { ScoreRecord, StreamRecord } from '../core/schemas.js';

export const EVENT_TIME_FIELD = 'eventTime';

/** The record with `eventTime` right after `recordType`; anything without a recordType (OCSF) is returned as it is. */
export function withEventTime<T extends object>(record: T): T {
  const type = (record as { recordType?: unknown }).recordType;
  if (typeof type !== 'string') return record;
  const time = type === 'score' ? (record as unknown as ScoreRecord).runAt : eventTimeOf(record as unknown as StreamRecord);
  return { recordType: type, [EVENT_TIME_FIELD]: time, ...record };
}

/** A feed sink whose record lines carry `eventTime`; every other method is the inner sink's own. */
export function withFeedEventTime<T extends { write(kind: never, records: object[], where: never): Promise<void> }>(inner: T): T {
  const wrapped = Object.create(inner) as T;
  const write = inner.write.bind(inner) as (kind: string, records: object[], where: unknown) => Promise<void>;
  (wrapped as unknown as { write: typeof write }).write = (kind, records, where) => write(kind, records.map(withEventTime), where);
  return wrapped;
}
