// Reading outside input — a register, a catalog, an account list — from a local path or an s3://bucket/key URL,
// with a size limit checked before the bytes are held (a file's size, an object's Content-Length, then the bytes
// as they stream), and a version tag (S3 ETag, a local file's size and mtime) so a caller can skip re-reading
// what has not changed. The S3 client is loaded only for s3:// sources: reading a local file costs no SDK start-up.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';

/** The default ceiling for one input: far above any real register or catalog, far below a memory problem. */
export const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

export class InputTooLargeError extends Error {
  constructor(
    readonly source: string,
    readonly limit: number,
    size?: number,
  ) {
    super(`${source}: ${size !== undefined ? `${size} bytes, ` : ''}over the ${limit}-byte limit for this input`);
    this.name = 'InputTooLargeError';
  }
}

export interface ReadOptions {
  s3?: S3Client;
  /** refuse an input larger than this many bytes (default 32 MiB) */
  maxBytes?: number;
}

export interface ReadResult {
  bytes: Buffer;
  /** S3 ETag, or `<size>-<mtime ms>` for a local file */
  tag: string;
}

export const s3UrlOf = (source: string): { bucket: string; key: string } | undefined => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
};

/** Collect a stream's bytes, stopping as soon as they pass the limit. */
async function collect(stream: Readable | AsyncIterable<Uint8Array>, source: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > limit) {
      (stream as Readable).destroy?.();
      throw new InputTooLargeError(source, limit);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, total);
}

const localTag = (size: number, mtimeMs: number) => `${size}-${Math.trunc(mtimeMs)}`;

/**
 * Read a source with its version tag; with `ifNoneMatch` equal to the current tag, answers `unchanged` without
 * reading the bytes (S3: a conditional GET, 304).
 */
export async function readSourceTagged(source: string, opts: ReadOptions & { ifNoneMatch?: string } = {}): Promise<ReadResult | 'unchanged'> {
  const limit = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const url = s3UrlOf(source);
  if (!url) {
    try {
      const st = await stat(source);
      const tag = localTag(st.size, st.mtimeMs);
      if (opts.ifNoneMatch === tag) return 'unchanged';
      if (st.isFile() && st.size > limit) throw new InputTooLargeError(source, limit, st.size);
      // streamed with the limit too: a FIFO or device has no size to check first
      return { bytes: await collect(createReadStream(source), source, limit), tag };
    } catch (err) {
      if (err instanceof InputTooLargeError) throw err;
      throw new Error(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const { GetObjectCommand, S3Client: Client } = await import('@aws-sdk/client-s3');
  const { s3Config } = await import('./aws.js');
  const client = opts.s3 ?? new Client(s3Config());
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: url.bucket, Key: url.key, IfNoneMatch: opts.ifNoneMatch }));
    if (res.ContentLength !== undefined && res.ContentLength > limit) {
      (res.Body as Readable | undefined)?.destroy?.();
      throw new InputTooLargeError(source, limit, res.ContentLength);
    }
    return { bytes: await collect(res.Body as Readable, source, limit), tag: res.ETag ?? '' };
  } catch (err) {
    if (err instanceof InputTooLargeError) throw err;
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    if (opts.ifNoneMatch && (e.$metadata?.httpStatusCode === 304 || e.name === 'NotModified' || e.name === '304')) return 'unchanged';
    throw new Error(`cannot read ${source}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`);
  }
}

/** The bytes of a local path or an s3:// URL, within the size limit; errors name the source. */
export async function readSource(source: string, opts: ReadOptions | S3Client = {}): Promise<Buffer> {
  const o: ReadOptions = isS3Client(opts) ? { s3: opts } : opts;
  const res = await readSourceTagged(source, o);
  return (res as ReadResult).bytes;
}

function isS3Client(v: unknown): v is S3Client {
  return typeof v === 'object' && v !== null && typeof (v as { send?: unknown }).send === 'function';
}

/** A local file's text, for the synchronous loaders (catalog, config), within the size limit; errors name it. */
export function readLocalTextSync(path: string, maxBytes = DEFAULT_MAX_BYTES): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (size > maxBytes) throw new InputTooLargeError(path, maxBytes, size);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
