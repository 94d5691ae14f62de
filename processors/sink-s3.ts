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
import type { ResourceRecord } from '../core/schemas.js';
import type { DeadLetter } from './validate.js';

/** Identifies one batch of the stream: the first and last sequence numbers of one shard. */
export interface BatchId {
  shardId: string;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  /** arrival time of the first record: decides the date/hour partition, the same on every replay */
  at: Date;
}

/** record kinds, plus findings again in OCSF (which carry no recordType) */
export type FeedKind = 'resource' | 'finding' | 'account' | 'collection-error' | 'inventory-run' | 'ocsf-finding';

export interface FeedSink {
  /** Land one batch's records of one kind; throws when they did not all land. */
  write(kind: FeedKind, records: object[], batch: BatchId): Promise<void>;
}

export function ndjson(records: object[]): Buffer {
  return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
}

export function feedKey(kind: FeedKind, batch: BatchId): string {
  return `${s3Keys.feedPrefix(kind, batch.at)}${batch.shardId}-${batch.firstSequenceNumber}-${batch.lastSequenceNumber}.ndjson.gz`;
}

/** Straight to S3 (local stack, or where Firehose is not wanted). gzip output is byte-stable (mtime 0). */
export class S3FeedSink implements FeedSink {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async write(kind: FeedKind, records: object[], batch: BatchId): Promise<void> {
    if (!records.length) return;
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: feedKey(kind, batch), Body: gzipSync(ndjson(records)), ContentType: 'application/gzip' }),
    );
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

/** Through a Firehose delivery stream (AWS): one JSON line per record, failed entries retried with backoff. */
export class FirehoseFeedSink implements FeedSink {
  constructor(
    private readonly firehose: FirehoseClient,
    private readonly deliveryStreamName: string,
    private readonly maxAttempts = 6,
    private readonly baseDelayMs = 200,
  ) {}

  async write(_kind: FeedKind, records: object[], _batch: BatchId): Promise<void> {
    // Firehose adds no delimiter: each record carries its own newline. The delivery stream partitions by recordType.
    const lines = records.map((r) => Buffer.from(`${JSON.stringify(r)}\n`, 'utf8'));
    for (const chunk of firehoseChunks(lines)) await this.putWithRetry(chunk);
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
 * Write the latest state of each resource. The version rides in object metadata; with `checkStored` an
 * object holding a newer version is left alone (one HeadObject per resource). Without it the caller has
 * already decided (OpenSearch's external versioning accepted these copies). Returns the indexes that failed.
 */
export async function writeLatestState(
  s3: S3Client,
  bucket: string,
  items: { record: ResourceRecord & Record<string, unknown>; version: number }[],
  { checkStored = true, concurrency = 16 }: { checkStored?: boolean; concurrency?: number } = {},
): Promise<{ written: number; skipped: number; failed: { index: number; reason: string }[] }> {
  const limit = pLimit(concurrency);
  let written = 0;
  let skipped = 0;
  const failed: { index: number; reason: string }[] = [];
  const keyOf = (r: ResourceRecord) => s3Keys.latestResource(r.awsAccountId, r.resourceType, r.resourceId);
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
          failed.push({ index, reason: `${Key}: ${(err as Error).name}: ${(err as Error).message}` });
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
    if ((err as Error).name === 'NotFound' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
    throw err;
  }
}

export function deadLetterKey(entry: DeadLetter): string {
  // one stream record can yield several documents (a resource and its findings): name each by its identity
  const which = entry.stage === 'opensearch' && entry.record ? `-${createHash('sha256').update(entry.record).digest('hex').slice(0, 12)}` : '';
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
