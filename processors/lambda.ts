// Lambda entry point of the stream processor (Kinesis event source with ReportBatchItemFailures).
// Poison records are dead-lettered and not reported; records whose landing failed are, so Lambda
// delivers them again from the lowest reported sequence number.
import { loadConfig } from '../platform/config.js';
import { log } from '../platform/log.js';
import { S3Client } from '@aws-sdk/client-s3';
import { s3Config } from '../platform/aws.js';
import { DepsCache, processorDeps, registerFingerprint } from './deps.js';
import { processBatch, type ProcessorDeps } from './pipeline.js';
import type { RawRecord } from './validate.js';

export interface KinesisEventRecord {
  eventID?: string;
  eventSourceARN?: string;
  kinesis: { data: string; sequenceNumber: string; partitionKey?: string; approximateArrivalTimestamp: number };
}

export interface KinesisEvent {
  Records: KinesisEventRecord[];
}

export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** `shardId-000000000000:49590...` is the Lambda eventID; the shard names the feed objects. */
function shardOf(r: KinesisEventRecord): string {
  return r.eventID?.split(':')[0] || 'shard';
}

export function rawRecords(event: KinesisEvent): RawRecord[] {
  return event.Records.map((r) => ({
    data: Buffer.from(r.kinesis.data, 'base64'),
    shardId: shardOf(r),
    sequenceNumber: r.kinesis.sequenceNumber,
    arrivalTime: new Date(Math.round(r.kinesis.approximateArrivalTimestamp * 1000)),
  }));
}

/** the risk register and trusted-accounts register are checked for changes this often by a warm container */
const registerTtlMs = loadConfig().registerTtlSeconds * 1000;
const s3 = new S3Client(s3Config());
/** Built once per container; rebuilt only when a register changed (ETag), retried after a failed build. */
const cache = new DepsCache(() => processorDeps(loadConfig()), () => registerFingerprint(loadConfig(), s3), registerTtlMs);

export async function handleEvent(event: KinesisEvent, d: ProcessorDeps): Promise<BatchResponse> {
  const result = await processBatch(rawRecords(event), d);
  const { failures, ...stats } = result;
  log.info({ ...stats, failures: failures.length, feedKeys: undefined, deadLetterKeys: undefined }, 'batch processed');
  return { batchItemFailures: failures.map((f) => ({ itemIdentifier: f.sequenceNumber })) };
}

export async function handler(event: KinesisEvent): Promise<BatchResponse> {
  return handleEvent(event, await cache.get());
}
