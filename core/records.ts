// One table per record kind: how each kind is identified, versioned, partitioned on the stream, which
// account it belongs to, which index it lands in, which feed it goes to and which of its fields are
// times. Every stage asks this table instead of switching on `recordType` itself.
import { createHash } from 'node:crypto';
import { indexNames } from './indexes.js';
import { coverageKey } from './runs.js';
import type {
  AccountRecord,
  CollectionErrorRecord,
  FindingRecord,
  InventoryRunRecord,
  PointerRecord,
  RecordType,
  ResourceRecord,
  StreamRecord,
} from './schemas.js';

type Names = ReturnType<typeof indexNames>;

export interface RecordKind<R> {
  /** the one name a copy is stored under in every store (OpenSearch `_id`, feed dedup, latest state) */
  identity(record: R): string;
  /** when the copy describes the world: drives versions and the feed's event time (ISO 8601) */
  eventTime(record: R): string;
  /** Kinesis partition key before the 256-character cap: one identity always maps to one shard */
  partitionKey(record: R): string;
  /** the account the record belongs to; undefined for kinds that carry none */
  accountId(record: R): string | undefined;
  /** whether the processors attach that account's context (`account`) to the record */
  takesAccountContext: boolean;
  /** the write alias the record lands in; undefined for kinds not stored in OpenSearch */
  index(record: R, names: Names): string | undefined;
  /** feed partition (`feed/<kind>/...`); undefined for kinds that never reach the feed */
  feedKind: RecordType | undefined;
  /** every date-time field (ISO strings; null allowed where the schema allows it) checked against the time bounds */
  timeFields: readonly (keyof R & string)[];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const recordKinds: {
  account: RecordKind<AccountRecord>;
  resource: RecordKind<ResourceRecord>;
  finding: RecordKind<FindingRecord>;
  'collection-error': RecordKind<CollectionErrorRecord>;
  'inventory-run': RecordKind<InventoryRunRecord>;
  pointer: RecordKind<PointerRecord>;
} = {
  account: {
    identity: (r) => r.accountId,
    eventTime: (r) => r.observedAt,
    partitionKey: (r) => r.accountId,
    accountId: (r) => r.accountId,
    takesAccountContext: false,
    index: (_r, names) => names.accounts,
    feedKind: 'account',
    timeFields: ['joinedAt', 'observedAt'],
  },
  resource: {
    identity: (r) => r.arn,
    eventTime: (r) => r.configurationItemCaptureTime,
    // one resource's copies stay in order
    partitionKey: (r) => r.arn,
    accountId: (r) => r.awsAccountId,
    takesAccountContext: true,
    index: (r, names) => names.resourceFamily(r.resourceType),
    feedKind: 'resource',
    timeFields: ['resourceCreationTime', 'configurationItemCaptureTime'],
  },
  finding: {
    identity: (r) => r.findingId,
    eventTime: (r) => r.observedAt,
    partitionKey: (r) => r.resourceArn ?? r.accountId,
    accountId: (r) => r.accountId,
    takesAccountContext: true,
    index: (_r, names) => names.findings,
    feedKind: 'finding',
    timeFields: ['observedAt'],
  },
  'collection-error': {
    // one document per error, whatever run met it: an error that happens again lands nowhere (change-only landing;
    // the account's run record says which errors still happen). Discovery errors have no account run to carry
    // them: one document per run, as before (a handful per payer at most).
    identity: (r) =>
      sha256(
        r.collector === 'discovery'
          ? [r.accountId, r.region ?? '', r.collector, r.code, r.runId ?? '', r.observedAt].join('|')
          : [r.accountId, r.region ?? '', r.collector ?? '', r.code, r.message].join('|'),
      ),
    eventTime: (r) => r.observedAt,
    partitionKey: (r) => r.accountId,
    accountId: (r) => r.accountId,
    takesAccountContext: true,
    index: (_r, names) => names.collectionErrors,
    feedKind: 'collection-error',
    timeFields: ['observedAt'],
  },
  'inventory-run': {
    // one per account, run and the collectors it ran (a record of the earlier shape: one per collector and region)
    identity: (r) => (r.scopes ? [r.runId, coverageKey(r)] : [r.runId, r.accountId, r.region ?? '', r.collector ?? '']).join('|'),
    eventTime: (r) => r.finishedAt,
    partitionKey: (r) => r.accountId,
    accountId: (r) => r.accountId,
    takesAccountContext: false,
    index: (_r, names) => names.inventoryRuns,
    feedKind: 'inventory-run',
    timeFields: ['startedAt', 'finishedAt'],
  },
  pointer: {
    identity: (r) => r.key,
    eventTime: () => new Date(0).toISOString(),
    partitionKey: (r) => r.key,
    accountId: () => undefined,
    takesAccountContext: false,
    index: () => undefined,
    feedKind: undefined,
    timeFields: [],
  },
};

/** The table entry of a record, typed for any record. */
export function kindOf(record: StreamRecord): RecordKind<StreamRecord> {
  return recordKinds[record.recordType] as RecordKind<StreamRecord>;
}

export const identityOf = (record: StreamRecord): string => kindOf(record).identity(record);
export const eventTimeOf = (record: StreamRecord): string => kindOf(record).eventTime(record);
/** Epoch ms of the time a copy describes: later copies get higher versions (always positive inside the time bounds). */
export const versionOf = (record: StreamRecord): number => Date.parse(eventTimeOf(record));
export const accountIdOf = (record: StreamRecord): string | undefined => kindOf(record).accountId(record);

/** Records carry their own time; these bounds keep a broken clock or a hostile record from becoming a version. */
export interface TimeBounds {
  /** nothing AWS reports predates this (S3, the oldest service still inventoried, opened in March 2006) */
  earliest: string;
  /** how far past the reader's clock a time may lie (collector clock skew) */
  futureAllowanceMs: number;
  /** the reader's clock; defaults to Date.now() */
  now?: number;
}

export const DEFAULT_TIME_BOUNDS: TimeBounds = { earliest: '2006-01-01T00:00:00Z', futureAllowanceMs: 60 * 60 * 1000 };

/** Pure: the time fields of a record outside the bounds, as `field: reason`. */
export function timeViolations(record: StreamRecord, bounds: TimeBounds = DEFAULT_TIME_BOUNDS): string[] {
  const earliest = Date.parse(bounds.earliest);
  const latest = (bounds.now ?? Date.now()) + bounds.futureAllowanceMs;
  const out: string[] = [];
  for (const field of kindOf(record).timeFields) {
    const value = (record as unknown as Record<string, unknown>)[field];
    if (value === null || value === undefined) continue;
    const t = Date.parse(String(value));
    if (!Number.isFinite(t)) out.push(`${field}: ${String(value)} is not a date-time`);
    else if (t < earliest) out.push(`${field}: ${String(value)} is before ${bounds.earliest}`);
    else if (t > latest) out.push(`${field}: ${String(value)} is more than ${bounds.futureAllowanceMs / 1000} s in the future (after ${new Date(latest).toISOString()})`);
  }
  return out;
}
