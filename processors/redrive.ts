// Redrive: the batches the processor Lambda gave up on, processed again. Lambda's Kinesis event source retries a
// failing batch `retryAttempts` times (and for at most `maxRecordAgeHours`), then skips it and sends only a
// description of it (shard and sequence-number range, no data) to its on-failure queue. While the stream still
// holds those records, `census redrive` reads each description, fetches exactly that range from the stream and
// runs it through the same processing core; a message is deleted only once every record of its range landed or
// was dead-lettered. Replaying a range already processed changes nothing (exactly-once effect, pipeline.ts).
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { log } from '../platform/log.js';
import { toRaw } from './consumer.js';
import { processBatch, type ProcessorDeps } from './pipeline.js';
import type { RawRecord } from './validate.js';

/** One failed batch, as Lambda describes it in its on-failure record (`KinesisBatchInfo`). */
export interface FailedBatch {
  streamName: string;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  /** RetryAttemptsExhausted, RecordAgeExceeded, ... */
  condition?: string;
}

/** Pure: the failed batch a message body describes, or the reason it describes none. */
export function parseFailureMessage(body: string): { ok: true; batch: FailedBatch } | { ok: false; reason: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const info = (doc as { KinesisBatchInfo?: Record<string, unknown> } | null)?.KinesisBatchInfo;
  if (!info || typeof info !== 'object') return { ok: false, reason: 'no KinesisBatchInfo: not a Kinesis event source on-failure record' };
  const text = (k: string) => (typeof info[k] === 'string' && info[k] ? (info[k] as string) : undefined);
  const missing = ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'].filter((k) => !text(k));
  if (missing.length) return { ok: false, reason: `KinesisBatchInfo lacks ${missing.join(', ')}` };
  for (const k of ['startSequenceNumber', 'endSequenceNumber']) if (!/^\d+$/.test(text(k)!)) return { ok: false, reason: `KinesisBatchInfo.${k} "${text(k)}" is not a sequence number` };
  const stream = /^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([A-Za-z0-9_.-]+)$/.exec(text('streamArn')!);
  if (!stream) return { ok: false, reason: `KinesisBatchInfo.streamArn "${text('streamArn')}" is not a Kinesis stream ARN` };
  if (BigInt(text('startSequenceNumber')!) > BigInt(text('endSequenceNumber')!)) return { ok: false, reason: 'KinesisBatchInfo: the range starts after it ends' };
  const condition = (doc as { requestContext?: { condition?: unknown } }).requestContext?.condition;
  return {
    ok: true,
    batch: {
      streamName: stream[1]!,
      shardId: text('shardId')!,
      startSequenceNumber: text('startSequenceNumber')!,
      endSequenceNumber: text('endSequenceNumber')!,
      batchSize: typeof info.batchSize === 'number' ? info.batchSize : 0,
      ...(typeof condition === 'string' ? { condition } : {}),
    },
  };
}

/** The records of the range, read from the stream; `trimmed` when the stream no longer holds its start. */
export async function readRange(kinesis: KinesisClient, batch: FailedBatch): Promise<{ records: RawRecord[]; trimmed: boolean }> {
  const end = BigInt(batch.endSequenceNumber);
  let iterator: string | undefined;
  try {
    const it = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: batch.streamName, ShardId: batch.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: batch.startSequenceNumber }),
    );
    iterator = it.ShardIterator;
  } catch (err) {
    // a sequence number past the stream's retention (or of a shard that no longer exists) is refused as invalid
    if ((err as Error).name === 'InvalidArgumentException' || (err as Error).name === 'ResourceNotFoundException') return { records: [], trimmed: true };
    throw err;
  }
  const records: RawRecord[] = [];
  let first = true;
  while (iterator) {
    const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    const got = res.Records ?? [];
    if (first && got.length && got[0]!.SequenceNumber !== batch.startSequenceNumber) return { records: [], trimmed: true };
    first = false;
    for (const r of got) {
      if (BigInt(r.SequenceNumber!) > end) return { records, trimmed: false };
      records.push(toRaw(batch.shardId, r));
    }
    if (!got.length && (res.MillisBehindLatest ?? 0) === 0) break;
    iterator = res.NextShardIterator;
  }
  return { records, trimmed: false };
}

export interface RedriveOptions {
  sqs: SQSClient;
  kinesis: KinesisClient;
  queueUrl: string;
  deps: ProcessorDeps;
  /** records per processBatch call (the Lambda's batch size) */
  batchSize?: number;
  /** stop after this many messages (default: until the queue answers empty) */
  maxMessages?: number;
  /** how long a received message stays invisible to others while it is redriven */
  visibilityTimeoutSeconds?: number;
}

export interface RedriveStats {
  messages: number;
  /** batches whose every record landed or was dead-lettered: their message is deleted */
  redriven: number;
  records: number;
  landed: number;
  deadLettered: number;
  /** batches with records that failed again: their message stays for the next redrive */
  stillFailing: number;
  /** messages describing no batch (named with the reason in the log): left in the queue */
  unreadable: number;
  /** batches the stream no longer holds (past its retention): lost to the stream, left in the queue for the record */
  expired: number;
}

/** Redrive every message of the on-failure queue (or `maxMessages` of them). */
export async function redriveFailures(o: RedriveOptions): Promise<RedriveStats> {
  const stats: RedriveStats = { messages: 0, redriven: 0, records: 0, landed: 0, deadLettered: 0, stillFailing: 0, unreadable: 0, expired: 0 };
  const seen = new Set<string>();
  for (;;) {
    const want = Math.min(10, (o.maxMessages ?? Infinity) - stats.messages);
    if (want <= 0) break;
    const res = await o.sqs.send(new ReceiveMessageCommand({ QueueUrl: o.queueUrl, MaxNumberOfMessages: want, WaitTimeSeconds: 1, VisibilityTimeout: o.visibilityTimeoutSeconds ?? 900 }));
    // a message left in the queue comes back once its visibility ends: each is looked at once per redrive
    const messages = (res.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
    if (!messages.length) break;
    for (const m of messages) {
      seen.add(m.MessageId!);
      stats.messages++;
      const parsed = parseFailureMessage(m.Body ?? '');
      if (!parsed.ok) {
        stats.unreadable++;
        log.error({ queue: o.queueUrl, messageId: m.MessageId, reason: parsed.reason }, 'on-failure message describes no batch; left in the queue');
        continue;
      }
      const { batch } = parsed;
      const where = { shardId: batch.shardId, start: batch.startSequenceNumber, end: batch.endSequenceNumber, condition: batch.condition };
      const { records, trimmed } = await readRange(o.kinesis, batch);
      if (trimmed) {
        stats.expired++;
        log.error({ ...where, messageId: m.MessageId }, 'the stream no longer holds this batch (past its retention); left in the queue as the record of what was lost');
        continue;
      }
      let failed = 0;
      for (let i = 0; i < records.length; i += o.batchSize ?? 500) {
        const result = await processBatch(records.slice(i, i + (o.batchSize ?? 500)), o.deps);
        stats.landed += result.landed;
        stats.deadLettered += result.deadLettered;
        failed += result.failures.length;
      }
      stats.records += records.length;
      if (failed) {
        stats.stillFailing++;
        log.warn({ ...where, failed }, 'records of a redriven batch failed again; its message stays for the next redrive');
        continue;
      }
      await o.sqs.send(new DeleteMessageCommand({ QueueUrl: o.queueUrl, ReceiptHandle: m.ReceiptHandle! }));
      stats.redriven++;
      log.info({ ...where, records: records.length }, 'failed batch redriven');
    }
  }
  return stats;
}
