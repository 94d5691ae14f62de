// Stage 1: bytes from the stream to a schema-checked record, or a dead-letter entry that keeps the
// original bytes, the reason and the stream position.
import { gunzipSync } from 'node:zlib';
import { describeRecord, parseRecord, type StreamRecord } from '../core/schemas.js';

/** Where a record sits on the stream: what a dead-letter entry and a batch item failure name. */
export interface StreamPosition {
  shardId: string;
  sequenceNumber: string;
  /** Kinesis ApproximateArrivalTimestamp: names the feed objects of a batch deterministically */
  arrivalTime: Date;
}

export interface RawRecord extends StreamPosition {
  data: Buffer;
}

export interface DeadLetter extends Omit<StreamPosition, 'arrivalTime'> {
  stage: 'validate' | 'pointer' | 'opensearch';
  reason: string;
  /** the original stream bytes, base64 */
  original: string;
  arrivalTime: string;
  /** kind and identity when the bytes were readable enough to tell */
  record?: string;
}

export type Decoded = { ok: true; record: StreamRecord } | { ok: false; reason: string; label?: string };

const GZIP_MAGIC = [0x1f, 0x8b];

/** Decode one stream payload: JSON (gzip tolerated), then the record contract. Never throws. */
export function decodeRecord(data: Buffer): Decoded {
  let bytes = data;
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      return { ok: false, reason: `not valid gzip: ${(err as Error).message}` };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  try {
    return { ok: true, record: parseRecord(value) };
  } catch (err) {
    return { ok: false, reason: `schema: ${(err as Error).message}`, label: describeRecord(value) };
  }
}

export function deadLetter(raw: RawRecord, stage: DeadLetter['stage'], reason: string, label?: string): DeadLetter {
  return {
    stage,
    reason,
    shardId: raw.shardId,
    sequenceNumber: raw.sequenceNumber,
    arrivalTime: raw.arrivalTime.toISOString(),
    original: raw.data.toString('base64'),
    ...(label ? { record: label } : {}),
  };
}
