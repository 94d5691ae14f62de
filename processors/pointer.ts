// Stage 1b: a PointerRecord stands in for a record over Kinesis's 1 MiB limit; fetch the record from
// S3 and check it is the one the producer wrote (size and sha256) before it goes on.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { PointerRecord } from '../core/schemas.js';
import { decodeRecord, DEFAULT_MAX_INFLATED_BYTES, type Decoded, type DecodeLimits } from './validate.js';

/** Thrown when S3 could not be read: the batch item is retried, not dead-lettered. */
export class TransientError extends Error {
  override name = 'TransientError';
}

const PERMANENT = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidObjectState']);

export async function followPointer(s3: S3Client, pointer: PointerRecord, limits: DecodeLimits = {}): Promise<Decoded> {
  const where = `s3://${pointer.bucket}/${pointer.key}`;
  const max = limits.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  // the same bound as an inflated record: an oversize record is at most a few MiB, never a memory bomb
  if (pointer.bytes > max) return { ok: false, reason: `pointer to ${where}: ${pointer.bytes} bytes exceed the ${max}-byte limit`, label: `pointer ${pointer.key}` };
  let bytes: Buffer;
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
    bytes = Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    const name = (err as Error).name;
    if (PERMANENT.has(name)) return { ok: false, reason: `pointer to ${where}: ${name}`, label: `pointer ${pointer.key}` };
    throw new TransientError(`pointer to ${where}: ${name}: ${(err as Error).message}`);
  }
  if (bytes.length > max) return { ok: false, reason: `pointer to ${where}: ${bytes.length} bytes exceed the ${max}-byte limit`, label: `pointer ${pointer.key}` };
  return verifyPointed(pointer, bytes, limits);
}

/** Pure: the fetched bytes against the pointer's promise. */
export function verifyPointed(pointer: PointerRecord, bytes: Buffer, limits: DecodeLimits = {}): Decoded {
  const where = `s3://${pointer.bucket}/${pointer.key}`;
  const label = `pointer ${pointer.key}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== pointer.sha256) return { ok: false, reason: `pointer to ${where}: sha256 ${sha256} does not match ${pointer.sha256}`, label };
  if (bytes.length !== pointer.bytes) return { ok: false, reason: `pointer to ${where}: ${bytes.length} bytes, pointer says ${pointer.bytes}`, label };
  const decoded = decodeRecord(bytes, limits);
  if (!decoded.ok) return { ...decoded, reason: `pointer to ${where}: ${decoded.reason}` };
  if (decoded.record.recordType === 'pointer') return { ok: false, reason: `pointer to ${where}: points to another pointer`, label };
  if (decoded.record.recordType !== pointer.pointsTo) {
    return { ok: false, reason: `pointer to ${where}: holds a ${decoded.record.recordType} record, pointer says ${pointer.pointsTo}`, label };
  }
  return decoded;
}
