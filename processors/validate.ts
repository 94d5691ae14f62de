// Stage 1: bytes from the stream to a schema-checked record, or a dead-letter entry that keeps the
// original bytes, the reason and the stream position.
import { gunzipSync } from 'node:zlib';
import { DEFAULT_TIME_BOUNDS, type TimeBounds } from '../core/records.js';
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
  /** where the record was refused: the contract, its pointer, OpenSearch (content), S3 latest state (request) */
  stage: 'validate' | 'pointer' | 'opensearch' | 'latest';
  reason: string;
  /** the original stream bytes, base64 */
  original: string;
  arrivalTime: string;
  /** kind and identity when the bytes were readable enough to tell */
  record?: string;
}

/** `json`: the JSON text the record was read from (inflated when it came gzipped), for processors/derivation.ts */
export type Decoded = { ok: true; record: StreamRecord; json: string } | { ok: false; reason: string; label?: string };

const GZIP_MAGIC = [0x1f, 0x8b];

export interface DecodeLimits {
  /** a gzip payload inflates to at most this many bytes (default 8 MiB): a small bomb never takes the processor's memory */
  maxInflatedBytes?: number;
  timeBounds?: TimeBounds;
}

export const DEFAULT_MAX_INFLATED_BYTES = 8 * 1024 * 1024;

/** Decode one stream payload: JSON (gzip tolerated, inflated up to a limit), then the record contract. Never throws. */
export function decodeRecord(data: Buffer, limits: DecodeLimits = {}): Decoded {
  let bytes = data;
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    const max = limits.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
    try {
      // zlib stops inflating at the limit and throws, so at most `max` bytes are ever held
      bytes = gunzipSync(bytes, { maxOutputLength: max });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return { ok: false, reason: `gzip payload of ${data.length} bytes inflates past the ${max}-byte limit` };
      }
      return { ok: false, reason: `not valid gzip: ${(err as Error).message}` };
    }
  }
  let value: unknown;
  const text = bytes.toString('utf8');
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not valid JSON: ${(err as Error).message}` };
  }
  try {
    return { ok: true, record: parseRecord(value, undefined, limits.timeBounds ?? DEFAULT_TIME_BOUNDS), json: text };
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
