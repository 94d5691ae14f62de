// Landing in S3: the NDJSON gzip feed (partitioned by kind and hour), the latest state of each
// resource at a stable key, and dead-letter entries. Object names are deterministic, so a replayed
// batch overwrites its own objects instead of adding duplicates.
import { sleep } from '../core/util.js';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchResponseEntry } from '@aws-sdk/client-firehose';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import pLimit from 'p-limit';
import { s3Keys } from '../core/indexes.js';
import { httpStatusOf, isS3NotFound, s3ObjectExists } from '../platform/s3.js';
import type { ResourceRecord } from '../core/schemas.js';
import type { DeadLetter } from './validate.js';

/** record kinds, plus findings again in OCSF (which carry no recordType) */
export type FeedKind = 'resource' | 'finding' | 'account' | 'collection-error' | 'inventory-run' | 'ocsf-finding' | 'change';

export interface FeedSink {
  /** Land one object of one kind's records under `key`; throws when they did not all land. */
  write(kind: FeedKind, records: object[], key: string): Promise<void>;
  /** whether the object `key` names was delivered (a replay then leaves its records out) */
  exists(key: string): Promise<boolean>;
}

export function ndjson(records: object[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}

/**
 * A feed object's name is derived from what it holds (the identity and version of each copy), so writing the
 * same copies again overwrites the object instead of adding one; its partition is the hour of `at`.
 */
export function feedKey(kind: FeedKind, at: Date, copies: { identity: string; version: number }[]): string {
  const name = createHash('sha256')
    .update(copies.map((c) => `${c.identity}@${c.version}`).sort().join('\n'))
    .digest('hex')
    .slice(0, 40);
  return `${s3Keys.feedPrefix(kind, at)}${name}.ndjson.gz`;
}

/** The same object name under another kind's prefix (OCSF copies of a findings object). */
export function siblingFeedKey(key: string, kind: FeedKind): string {
  return key.replace(/^feed\/[^/]+\//, `feed/${kind}/`);
}

/**
 * S3 answers that say the request itself is wrong (bad key, too large, bad metadata): retrying cannot help,
 * so the record is dead-lettered. 403/404 (no permission, no bucket) are the deployment's state and 408/429
 * are transient: those are retried.
 */
export function isPermanentS3Error(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status !== undefined && status >= 400 && status < 500 && ![403, 404, 408, 409, 429].includes(status);
}

/** Straight to S3 (local stack, or where Firehose is not wanted). gzip output is byte-stable (mtime 0). */
export class S3FeedSink implements FeedSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(_kind: FeedKind, records: object[], key: string): Promise<void> {
    if (!records.length) return;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: gzipSync(ndjson(records)), ContentType: 'application/gzip' }));
  }

  exists(key: string): Promise<boolean> {
    return s3ObjectExists(this.s3, this.bucket, key);
  }
}

const FIREHOSE_MAX_RECORDS = 500;
const FIREHOSE_MAX_BYTES = 4 * 1024 * 1024;
const FIREHOSE_MAX_RECORD = 1000 * 1024;

/** Split into PutRecordBatch calls of at most 500 records and 4 MiB. */
export function firehoseChunks(lines: Buffer[]): Buffer[][] {
  const chunks: Buffer[][] = [];
  let current: Buffer[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (line.length > FIREHOSE_MAX_RECORD) throw new Error(`feed record of ${line.length} bytes exceeds Firehose's 1,000 KiB record limit`);
    if (current.length === FIREHOSE_MAX_RECORDS || bytes + line.length > FIREHOSE_MAX_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(line);
    bytes += line.length;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Through a Firehose delivery stream (AWS): one JSON line per record, failed entries retried with backoff.
 * Firehose names its own objects, so a small marker object (`feed-delivered/<key>`) in the feed bucket
 * records that a set of copies was handed over; a replay finds it and does not send them again.
 */
export class FirehoseFeedSink implements FeedSink {
  constructor(
    private readonly firehose: FirehoseClient,
    private readonly deliveryStreamName: string,
    private readonly markers: { s3: S3Client; bucket: string },
    private readonly maxAttempts = 6,
    private readonly baseDelayMs = 200,
  ) {}

  async write(_kind: FeedKind, records: object[], key: string): Promise<void> {
    if (!records.length) return;
    // Firehose adds no delimiter: each record carries its own newline. The delivery stream partitions by recordType.
    const lines = records.map((r) => Buffer.from(`${JSON.stringify(r)}\n`, 'utf8'));
    for (const chunk of firehoseChunks(lines)) await this.putWithRetry(chunk);
    await this.markers.s3.send(new PutObjectCommand({ Bucket: this.markers.bucket, Key: `feed-delivered/${key}`, Body: String(records.length) }));
  }

  exists(key: string): Promise<boolean> {
    return s3ObjectExists(this.markers.s3, this.markers.bucket, `feed-delivered/${key}`);
  }

  private async putWithRetry(chunk: Buffer[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const res = await this.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: this.deliveryStreamName, Records: pending.map((Data) => ({ Data })) }));
      if (!res.FailedPutCount) return;
      const responses: PutRecordBatchResponseEntry[] = res.RequestResponses ?? [];
      const failed = pending.filter((_, i) => responses[i]?.ErrorCode);
      if (attempt >= this.maxAttempts) {
        const codes = [...new Set(responses.map((r) => r.ErrorCode).filter(Boolean))].join(', ');
        throw new Error(`Firehose ${this.deliveryStreamName}: ${failed.length} records still failing after ${attempt} attempts (${codes})`);
      }
      pending = failed;
      await sleep(this.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}


const VERSION_META = 'census-version';

/** The external version of a resource copy: its capture time in epoch ms. */
export const captureVersion = (r: Pick<ResourceRecord, 'configurationItemCaptureTime'>) => Date.parse(r.configurationItemCaptureTime);

/**
 * Write the latest state of each resource at its ARN's key. The version rides in object metadata; with
 * `checkStored` an object holding a newer version is left alone (one HeadObject per resource). Without it
 * the caller has already decided (OpenSearch's external versioning accepted these copies). Returns the
 * indexes that failed; `permanent` ones (the request itself is wrong) are not worth retrying.
 */
export async function writeLatestState(
  s3: S3Client,
  bucket: string,
  items: { record: ResourceRecord & Record<string, unknown>; version: number }[],
  { checkStored = true, concurrency = 16 }: { checkStored?: boolean; concurrency?: number } = {},
): Promise<{ written: number; skipped: number; failed: { index: number; reason: string; permanent: boolean }[] }> {
  const limit = pLimit(concurrency);
  let written = 0;
  let skipped = 0;
  const failed: { index: number; reason: string; permanent: boolean }[] = [];
  const keyOf = (r: ResourceRecord) => s3Keys.latestResource(r.awsAccountId, r.resourceType, r.arn);
  // two copies of one resource in a batch: only the newest is written (parallel writes would race)
  const newest = new Map<string, number>();
  items.forEach(({ record, version }, index) => {
    const key = keyOf(record);
    const prev = newest.get(key);
    if (prev === undefined || version >= items[prev]!.version) newest.set(key, index);
  });
  const sameKey = new Map<number, number>(items.map(({ record }, index) => [index, newest.get(keyOf(record))!]));
  await Promise.all(
    items.map(({ record, version }, index) =>
      limit(async () => {
        const Key = keyOf(record);
        if (sameKey.get(index) !== index) {
          skipped++;
          return;
        }
        try {
          const stored = checkStored ? await storedVersion(s3, bucket, Key) : undefined;
          if (stored !== undefined && stored > version) {
            skipped++;
            return;
          }
          await s3.send(
            new PutObjectCommand({
              Bucket: bucket,
              Key,
              Body: JSON.stringify(record),
              ContentType: 'application/json',
              Metadata: { [VERSION_META]: String(version) },
            }),
          );
          written++;
        } catch (err) {
          failed.push({ index, reason: `${Key}: ${(err as Error).name}: ${(err as Error).message}`, permanent: isPermanentS3Error(err) });
        }
      }),
    ),
  );
  return { written, skipped, failed };
}

async function storedVersion(s3: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const v = Number(head.Metadata?.[VERSION_META]);
    return Number.isFinite(v) ? v : undefined;
  } catch (err) {
    if (isS3NotFound(err)) return undefined;
    throw err;
  }
}

export function deadLetterKey(entry: DeadLetter): string {
  // one stream record can yield several documents (a resource and its findings): name each by its identity
  const which = (entry.stage === 'opensearch' || entry.stage === 'latest') && entry.record ? `-${createHash('sha256').update(entry.record).digest('hex').slice(0, 12)}` : '';
  return `${s3Keys.deadLetterPrefix(entry.stage, new Date(entry.arrivalTime))}${entry.shardId}-${entry.sequenceNumber}${which}.json`;
}

/** One object per dead-lettered record, named by its stream position; returns the keys. */
export async function writeDeadLetters(s3: S3Client, bucket: string, entries: DeadLetter[], concurrency = 16): Promise<string[]> {
  const limit = pLimit(concurrency);
  return Promise.all(
    entries.map((entry) =>
      limit(async () => {
        const Key = deadLetterKey(entry);
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `${JSON.stringify(entry, null, 2)}\n`, ContentType: 'application/json' }));
        return Key;
      }),
    ),
  );
}
