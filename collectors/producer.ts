// Where collected records go: Kinesis (PutRecords, with partial-failure resends, S3 pointers for oversize
// records and dead letters for what still cannot be sent) or an NDJSON file for offline collection.
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { clientConfig, s3Config } from '../platform/aws.js';
import { s3Keys } from '../core/indexes.js';
import { log } from '../platform/log.js';
import { backoffWithJitter, sleep } from '../core/util.js';
import { kindOf } from '../core/records.js';
import { parseRecord, SCHEMA_VERSION, type PointerRecord, type StreamRecord } from '../core/schemas.js';

/** Anything collected records can be written to. */
export interface RecordSink {
  put(record: StreamRecord): Promise<void>;
  /** send everything buffered; resolves when it is sent or dead-lettered */
  close(): Promise<void>;
}

export interface ProducerStats {
  records: number;
  requests: number;
  /** entries resent after a partial failure */
  resentEntries: number;
  oversize: number;
  deadLettered: number;
}

/** Kinesis limits (PutRecords): https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html */
export const KINESIS_LIMITS = {
  recordsPerRequest: 500,
  bytesPerRequest: 5 * 1024 * 1024,
  /** data plus partition key */
  bytesPerRecord: 1024 * 1024,
  partitionKeyLength: 256,
} as const;

/** One resource's updates stay ordered: its ARN is the key; account-level records use the account ID. */
export function partitionKey(record: StreamRecord): string {
  const key = kindOf(record).partitionKey(record);
  // Kinesis caps keys at 256 characters; a hash of a longer ARN still maps one resource to one shard
  return key.length <= KINESIS_LIMITS.partitionKeyLength ? key : createHash('sha256').update(key).digest('hex');
}

export type PutRecordsFn = (input: PutRecordsCommandInput) => Promise<PutRecordsCommandOutput>;

export interface KinesisProducerOptions {
  streamName: string;
  /** bucket for records over 1 MiB (`oversize/<sha256>`) */
  feedBucket: string;
  /** bucket for records that could not be sent, with the reason */
  deadLetterBucket: string;
  kinesis?: KinesisClient;
  s3?: S3Client;
  /** attempts per entry before it is dead-lettered */
  maxAttempts?: number;
  baseDelayMs?: number;
  /**
   * The PutRecords call; defaults to the Kinesis client. Tests wrap the real call to produce a partial
   * failure, which neither Kinesis emulator ever returns.
   */
  putRecords?: PutRecordsFn;
}

interface Entry {
  data: Uint8Array;
  key: string;
  label: string;
  attempts: number;
  lastError?: string;
}

/** Whole-request errors no retry fixes. */
const FATAL = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'KMSAccessDeniedException', 'KMSNotFoundException']);


/** Exponential backoff with full jitter, capped at 5 s. */
export function backoffDelay(attempt: number, baseMs: number): number {
  return backoffWithJitter(attempt + 1, baseMs, 5_000);
}

export class KinesisProducer implements RecordSink {
  readonly stats: ProducerStats = { records: 0, requests: 0, resentEntries: 0, oversize: 0, deadLettered: 0 };
  private readonly kinesis: KinesisClient;
  private readonly s3: S3Client;
  private readonly putRecords: PutRecordsFn;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private buffer: Entry[] = [];
  private bufferBytes = 0;
  /** flushes run one after another so a resource's records keep their order */
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: KinesisProducerOptions) {
    this.kinesis = opts.kinesis ?? new KinesisClient(clientConfig());
    this.s3 = opts.s3 ?? new S3Client(s3Config());
    this.putRecords = opts.putRecords ?? ((input) => this.kinesis.send(new PutRecordsCommand(input)));
    this.maxAttempts = opts.maxAttempts ?? 6;
    this.baseDelayMs = opts.baseDelayMs ?? 100;
  }

  /** Validate, then queue the record (or its S3 pointer); sends a batch when 500 records or 5 MiB are queued. */
  async put(record: StreamRecord): Promise<void> {
    let valid: StreamRecord;
    try {
      valid = parseRecord(record);
    } catch (err) {
      await this.deadLetter(record, `invalid record: ${(err as Error).message}`);
      return;
    }
    this.stats.records++;
    const key = partitionKey(valid);
    let data = Buffer.from(JSON.stringify(valid));
    if (data.length + Buffer.byteLength(key) > KINESIS_LIMITS.bytesPerRecord) {
      data = Buffer.from(JSON.stringify(await this.storeOversize(valid, data)));
    }
    const size = data.length + Buffer.byteLength(key);
    if (this.buffer.length >= KINESIS_LIMITS.recordsPerRequest || this.bufferBytes + size > KINESIS_LIMITS.bytesPerRequest) {
      await this.flush();
    }
    this.buffer.push({ data, key, label: describe(valid), attempts: 0 });
    this.bufferBytes += size;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /** Send what is queued (one request at a time). */
  flush(): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    if (batch.length) this.flushing = this.flushing.then(() => this.send(batch));
    return this.flushing;
  }

  /** Send a batch; resend only the entries that failed, with backoff and jitter; dead-letter what never goes through. */
  private async send(batch: Entry[]): Promise<void> {
    let pending = batch;
    while (pending.length) {
      const failed: Entry[] = [];
      let out: PutRecordsCommandOutput | undefined;
      try {
        this.stats.requests++;
        out = await this.putRecords({
          StreamName: this.opts.streamName,
          Records: pending.map((e) => ({ Data: e.data, PartitionKey: e.key })),
        });
      } catch (err) {
        // the whole request failed (after the SDK's own retries): every entry counts one attempt
        const msg = `${(err as Error).name}: ${(err as Error).message}`;
        if (FATAL.has((err as Error).name)) {
          // retrying cannot help (no such stream, no permission): keep the batch, then stop the run loudly
          for (const e of pending) await this.deadLetter(JSON.parse(Buffer.from(e.data).toString('utf8')), `PutRecords to ${this.opts.streamName}: ${msg}`);
          throw new Error(`cannot write to Kinesis stream ${this.opts.streamName}: ${msg} (${pending.length} records dead-lettered)`);
        }
        for (const e of pending) failed.push({ ...e, attempts: e.attempts + 1, lastError: msg });
      }
      if (out) {
        const results = out.Records ?? [];
        pending.forEach((e, i) => {
          const r = results[i];
          if (!r || r.ErrorCode) failed.push({ ...e, attempts: e.attempts + 1, lastError: r ? `${r.ErrorCode}: ${r.ErrorMessage ?? ''}` : 'no result for entry' });
        });
      }
      const retry = failed.filter((e) => e.attempts < this.maxAttempts);
      for (const e of failed.filter((f) => f.attempts >= this.maxAttempts)) {
        await this.deadLetter(JSON.parse(Buffer.from(e.data).toString('utf8')), `not accepted by Kinesis after ${e.attempts} attempts: ${e.lastError}`);
      }
      if (retry.length) {
        this.stats.resentEntries += retry.length;
        log.debug({ entries: retry.length, of: pending.length }, 'PutRecords partial failure: resending failed entries');
        await sleep(backoffDelay(Math.max(...retry.map((e) => e.attempts)), this.baseDelayMs));
      }
      pending = retry;
    }
  }

  /** Store the record in S3 and return the pointer that travels in its place. */
  private async storeOversize(record: StreamRecord, data: Buffer): Promise<PointerRecord> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const key = s3Keys.oversize(sha256);
    await this.s3.send(new PutObjectCommand({ Bucket: this.opts.feedBucket, Key: key, Body: data, ContentType: 'application/json' }));
    this.stats.oversize++;
    return {
      recordType: 'pointer',
      schemaVersion: SCHEMA_VERSION,
      bucket: this.opts.feedBucket,
      key,
      bytes: data.length,
      sha256,
      pointsTo: record.recordType as PointerRecord['pointsTo'],
    };
  }

  /** Nothing is dropped silently: the record and the reason go to the dead-letter bucket. */
  private async deadLetter(record: unknown, reason: string): Promise<void> {
    const at = new Date();
    const key = `${s3Keys.deadLetterPrefix('collector', at)}${randomUUID()}.json`;
    const body = JSON.stringify({ reason, at: at.toISOString(), stream: this.opts.streamName, record });
    await this.s3.send(new PutObjectCommand({ Bucket: this.opts.deadLetterBucket, Key: key, Body: body, ContentType: 'application/json' }));
    this.stats.deadLettered++;
    log.warn({ key, reason }, `dead-lettered ${describe(record)}`);
  }
}

function describe(record: unknown): string {
  const r = record as { recordType?: string; arn?: string; findingId?: string; accountId?: string };
  return `${r?.recordType ?? 'record'} ${r?.arn ?? r?.findingId ?? r?.accountId ?? ''}`.trim();
}

/** `--out FILE`: one validated record per line; a record that breaks the contract goes to `FILE.rejected.ndjson` with the reason. */
export class NdjsonFileSink implements RecordSink {
  records = 0;
  rejected = 0;
  private readonly out: WriteStream;
  private rejects?: WriteStream;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'w' });
  }

  get rejectedPath(): string {
    return `${this.path}.rejected.ndjson`;
  }

  async put(record: StreamRecord): Promise<void> {
    let line: string;
    try {
      line = `${JSON.stringify(parseRecord(record))}\n`;
      this.records++;
    } catch (err) {
      this.rejected++;
      this.rejects ??= createWriteStream(this.rejectedPath, { flags: 'w' });
      log.warn({ file: this.rejectedPath }, `rejected ${describe(record)}: ${(err as Error).message}`);
      await write(this.rejects, `${JSON.stringify({ reason: (err as Error).message, record })}\n`);
      return;
    }
    await write(this.out, line);
  }

  async close(): Promise<void> {
    await Promise.all([this.out, this.rejects].filter((s): s is WriteStream => Boolean(s)).map(end));
  }
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function end(stream: WriteStream): Promise<void> {
  return new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Keeps records in memory (programmatic use and tests). */
export class MemorySink implements RecordSink {
  readonly records: StreamRecord[] = [];
  async put(record: StreamRecord): Promise<void> {
    this.records.push(parseRecord(record));
  }
  async close(): Promise<void> {}
}
