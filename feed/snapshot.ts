// The feed's daily full snapshot. Under change-only landing the feed carries changes: resources created, modified
// or deleted, and findings whose status, exception or evidence moved. A SIEM that keeps state rather than events
// also needs the whole current picture now and then, so once a day every current account, resource and open
// finding is written under `feed/snapshot/dt=YYYY-MM-DD/` in gzip NDJSON parts, and a manifest last: a snapshot
// is complete when its manifest exists, and it lists exactly the parts that belong to it.
//
// The scoring job writes it (scoring/job.ts) after it has closed the findings of gone resources and accounts, and
// with what that run decided, so the snapshot lists what the scores count: no deleted resource, no finding of a
// gone resource, no account that left the organization.
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { indexNames, s3Keys } from '../core/indexes.js';
import { withoutSearchCopies } from '../opensearch/ops.js';
import { scanDocuments } from '../opensearch/scan.js';
import { s3ObjectExists } from '../platform/s3.js';
import { withEventTime } from './event-time.js';

export const SNAPSHOT_KINDS = ['account', 'resource', 'finding'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];
export const SNAPSHOT_MANIFEST = 'manifest.json';
/** every line says when the snapshot was taken, beside the record's own `eventTime` */
export const SNAPSHOT_TIME_FIELD = 'snapshotAt';

export interface SnapshotPart {
  key: string;
  kind: SnapshotKind;
  lines: number;
  /** gzip bytes */
  bytes: number;
  /** of the gzip bytes, so a reader can check what it fetched */
  sha256: string;
}

export interface SnapshotManifest {
  day: string;
  snapshotAt: string;
  counts: Record<SnapshotKind, number>;
  parts: SnapshotPart[];
}

export const snapshotPartKey = (day: string, kind: SnapshotKind, n: number) => `${s3Keys.snapshotPrefix(day)}${kind}-${String(n).padStart(5, '0')}.ndjson.gz`;
export const snapshotManifestKey = (day: string) => `${s3Keys.snapshotPrefix(day)}${SNAPSHOT_MANIFEST}`;

/** Pure: a stored document as a snapshot line: the feed's own line (store bookkeeping removed, `eventTime`) and `snapshotAt`. */
export function snapshotLine(doc: Record<string, unknown>, snapshotAt: string): Record<string, unknown> {
  const line = withEventTime(withoutSearchCopies(doc)) as Record<string, unknown>;
  return { ...line, [SNAPSHOT_TIME_FIELD]: snapshotAt };
}

/**
 * Pure: the lines of one kind cut into parts of at most `maxLines` lines and about `maxBytes` uncompressed bytes,
 * numbered from 1; only one part's lines are ever held.
 */
export class SnapshotParts {
  private lines: string[] = [];
  private bytes = 0;
  private n = 0;
  readonly parts: (SnapshotPart & { body: Buffer })[] = [];

  constructor(
    private readonly day: string,
    readonly kind: SnapshotKind,
    private readonly limits: { maxLines: number; maxBytes: number },
  ) {}

  /** adds a line; returns a finished part when this line filled one */
  add(line: object): (SnapshotPart & { body: Buffer }) | undefined {
    const text = `${JSON.stringify(line)}\n`;
    this.lines.push(text);
    this.bytes += Buffer.byteLength(text);
    return this.lines.length >= this.limits.maxLines || this.bytes >= this.limits.maxBytes ? this.cut() : undefined;
  }

  /** the last, partly filled part (none when nothing is left) */
  finish(): (SnapshotPart & { body: Buffer }) | undefined {
    return this.lines.length ? this.cut() : undefined;
  }

  private cut(): SnapshotPart & { body: Buffer } {
    const body = gzipSync(Buffer.from(this.lines.join(''), 'utf8'));
    const part = { key: snapshotPartKey(this.day, this.kind, ++this.n), kind: this.kind, lines: this.lines.length, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), body };
    this.lines = [];
    this.bytes = 0;
    return part;
  }
}

/** What is current, as the scoring run that writes the snapshot decided it. */
export interface CurrentState {
  /** the organization's accounts now; empty means discovery found none, which is a failure, not an empty organization */
  accounts: ReadonlySet<string>;
  /** findings that run closed (their resource or account is gone); the index may not show `resolved` on them yet */
  closedFindings: ReadonlySet<string>;
}

/** Pure: whether a stored document of `kind` belongs in the snapshot (the index query already left out deleted and resolved ones). */
export function isCurrent(kind: SnapshotKind, doc: Record<string, unknown>, current: CurrentState): boolean {
  const accountId = String(kind === 'resource' ? doc.awsAccountId : doc.accountId);
  if (current.accounts.size && !current.accounts.has(accountId)) return false;
  return kind !== 'finding' || !current.closedFindings.has(String(doc.findingId));
}

const QUERIES: Record<SnapshotKind, { index: (names: ReturnType<typeof indexNames>) => string; query: Record<string, unknown>; sort: string }> = {
  account: { index: (n) => n.accounts, query: { match_all: {} }, sort: 'accountId' },
  resource: { index: (n) => n.resources, query: { bool: { must_not: [{ term: { configurationItemStatus: 'ResourceDeleted' } }] } }, sort: 'arn' },
  finding: { index: (n) => n.findings, query: { bool: { must_not: [{ exists: { field: 'resolved' } }] } }, sort: 'findingId' },
};

export interface SnapshotOptions {
  bucket: string;
  indexPrefix: string;
  /** the UTC day the snapshot is of (YYYY-MM-DD) */
  day: string;
  snapshotAt: string;
  current: CurrentState;
  /** write even when the day's manifest exists (the job writes once a day; `census score --live --snapshot force` writes it again) */
  force?: boolean;
  maxLinesPerPart?: number;
  maxBytesPerPart?: number;
  pageSize?: number;
}

export type SnapshotResult = { written: false; manifestKey: string } | { written: true; manifestKey: string; manifest: SnapshotManifest; removed: string[] };

/** Write the day's snapshot: the parts of each kind, the manifest, then remove parts an earlier attempt of the day left. */
export async function writeDailySnapshot(s3: S3Client, os: Client, opts: SnapshotOptions): Promise<SnapshotResult> {
  const manifestKey = snapshotManifestKey(opts.day);
  if (!opts.force && (await s3ObjectExists(s3, opts.bucket, manifestKey))) return { written: false, manifestKey };
  const names = indexNames(opts.indexPrefix);
  const limits = { maxLines: opts.maxLinesPerPart ?? 50_000, maxBytes: opts.maxBytesPerPart ?? 64 * 1024 * 1024 };
  const parts: SnapshotPart[] = [];
  const counts = { account: 0, resource: 0, finding: 0 } as Record<SnapshotKind, number>;
  const put = async (part: (SnapshotPart & { body: Buffer }) | undefined) => {
    if (!part) return;
    const { body, ...meta } = part;
    await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: part.key, Body: body, ContentType: 'application/gzip' }));
    parts.push(meta);
  };
  for (const kind of SNAPSHOT_KINDS) {
    const q = QUERIES[kind];
    const cutter = new SnapshotParts(opts.day, kind, limits);
    for await (const doc of scanDocuments(os, { index: q.index(names), query: q.query, uniqueSortField: q.sort, pageSize: opts.pageSize, what: `${kind}s for the snapshot` })) {
      if (!isCurrent(kind, doc, opts.current)) continue;
      counts[kind]++;
      await put(cutter.add(snapshotLine(doc, opts.snapshotAt)));
    }
    await put(cutter.finish());
  }
  const manifest: SnapshotManifest = { day: opts.day, snapshotAt: opts.snapshotAt, counts, parts };
  // last: the manifest is what says the parts are all there
  await s3.send(new PutObjectCommand({ Bucket: opts.bucket, Key: manifestKey, Body: `${JSON.stringify(manifest, null, 2)}\n`, ContentType: 'application/json' }));
  const removed = await removeStaleParts(s3, opts.bucket, opts.day, new Set([manifestKey, ...parts.map((p) => p.key)]));
  return { written: true, manifestKey, manifest, removed };
}

/** Parts of an earlier attempt of the same day that this snapshot does not list (it had more parts of some kind). */
async function removeStaleParts(s3: S3Client, bucket: string, day: string, keep: ReadonlySet<string>): Promise<string[]> {
  const stale: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: s3Keys.snapshotPrefix(day), ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key && !keep.has(o.Key)) stale.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  for (let i = 0; i < stale.length; i += 1000) {
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: stale.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    if (out.Errors?.length) throw new Error(`snapshot ${day}: could not remove ${out.Errors.length} stale parts, first ${out.Errors[0]!.Key}: ${out.Errors[0]!.Code} ${out.Errors[0]!.Message}`);
  }
  return stale;
}
