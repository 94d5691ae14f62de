// `census lake compact` and its Lambda: the S3 side of feed/lake-staging.ts's plan. Lists the staging prefix,
// asks which staged objects are committed (their feed object or Firehose marker exists), finishes claims an
// earlier run left, merges what the plan says into Security Lake-sized Parquet objects (each source's provider
// role writes its own), and only then deletes the merged staged objects.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { log } from '../platform/log.js';
import { httpStatusOf, isS3NotFound } from '../platform/s3.js';
import {
  CLAIMS_DIR,
  claimKey,
  claimName,
  FEED_KEY_META,
  MERGED_DIR,
  parseClaim,
  parseStagedKey,
  planCompaction,
  readStaged,
  tombstoneKey,
  type Claim,
  type CompactionOptions,
  type Staged,
} from './lake-staging.js';
import { lakeObjects } from './security-lake.js';
import type { SecurityLakeWriter } from './security-lake-sink.js';

export const COMPACTION_DEFAULTS: Omit<CompactionOptions, 'now'> = {
  // Security Lake: objects at most every 5 minutes and at least once per event day; an hour keeps a partition to
  // about 24 objects a day while a day's findings reach Athena within the hour
  maxWaitMs: 60 * 60_000,
  // a merge holds its events in memory: 7.8 MiB of staged findings (150,000, in 500-record batches) merged into
  // 10.8 MiB of Parquet at a peak of 1.3 GB RSS (measured on Node 20), within the 2 GB function; objects of that
  // size are well under Security Lake's 256 MB and large enough for Athena
  targetBytes: 8 * 1024 * 1024,
  // longer than any Kinesis retention Census deploys (24 h) plus Lambda's retries of a failed batch
  orphanAgeMs: 7 * 24 * 60 * 60_000,
};

export interface CompactorDeps {
  /** the staging bucket's client (the processors' own credentials) */
  s3: S3Client;
  /** writes the merged Parquet into each source's folder, with its provider role */
  writer: SecurityLakeWriter;
  /** where the feed objects and `feed-delivered/` markers are; default the staging bucket */
  feedBucket?: string;
}

export interface CompactionReport {
  /** set when another run holds the lock: this one did nothing */
  busy?: string;
  staged: { objects: number; bytes: number };
  merged: { claim: string; members: number; objects: { key: string; rows: number; bytes: number }[] }[];
  resumed: number;
  discarded: { merged: number; orphan: number; tombstones: number };
  waiting: number;
  uncommitted: number;
  /** inputs that could not be used, each naming the object and why; the rest of the run went on */
  errors: string[];
}

interface Listed {
  key: string;
  size: number;
  lastModified: Date;
}

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

/** how long a run may hold the lock; longer than the Lambda's timeout, so a crashed run's lock expires on its own */
export const LOCK_LEASE_MS = 15 * 60_000;
const lockKey = (prefix: string) => `${prefix}_lock.json`;

/**
 * One compaction at a time: two runs planning from different listings could put one staged object into two merged
 * objects. S3 conditional writes make the lock: created only if absent, taken over only if expired and unchanged
 * since read (its ETag). Returns a description of the holder when the lock is held.
 */
async function acquireLock(s3: S3Client, bucket: string, prefix: string, now: Date): Promise<string | undefined> {
  const body = JSON.stringify({ holder: `${process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'cli'}:${process.pid}`, expiresAt: new Date(now.getTime() + LOCK_LEASE_MS).toISOString() });
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: lockKey(prefix), Body: body, IfNoneMatch: '*', ContentType: 'application/json' }));
    return undefined;
  } catch (err) {
    if (httpStatusOf(err) !== 412 && httpStatusOf(err) !== 409) throw err;
  }
  const held = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: lockKey(prefix) }));
  const text = await held.Body!.transformToString();
  let expiresAt = 0;
  try {
    expiresAt = Date.parse((JSON.parse(text) as { expiresAt?: string }).expiresAt ?? '');
  } catch {
    // an unreadable lock is treated as expired: it is taken over below, only if nobody changed it meanwhile
  }
  if (Number.isFinite(expiresAt) && expiresAt > now.getTime()) return `${lockKey(prefix)} is held until ${new Date(expiresAt).toISOString()} (${text})`;
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: lockKey(prefix), Body: body, IfMatch: held.ETag, ContentType: 'application/json' }));
    return undefined;
  } catch (err) {
    if (httpStatusOf(err) === 412 || httpStatusOf(err) === 409) return `${lockKey(prefix)} was taken over by another run`;
    throw err;
  }
}


async function head(s3: S3Client, bucket: string, key: string): Promise<Record<string, string> | undefined> {
  try {
    return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata ?? {};
  } catch (err) {
    if (isS3NotFound(err)) return undefined;
    throw err;
  }
}

async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
  } catch (err) {
    if (isS3NotFound(err)) return undefined;
    throw err;
  }
}

/** One compaction run over the staging location of `deps.writer`. */
export async function compactLake(deps: CompactorDeps, opts: Partial<CompactionOptions> = {}): Promise<CompactionReport> {
  const { writer, s3 } = deps;
  const staging = writer.location.staging;
  if (!staging) throw new Error('Security Lake staging is off: set CENSUS_SECURITY_LAKE_STAGING=s3://<feed bucket>/lake-staging/');
  const { bucket, prefix } = staging;
  // an option given as undefined keeps its default
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const options: CompactionOptions = { ...COMPACTION_DEFAULTS, ...given, now: opts.now ?? new Date() };
  const report: CompactionReport = { staged: { objects: 0, bytes: 0 }, merged: [], resumed: 0, discarded: { merged: 0, orphan: 0, tombstones: 0 }, waiting: 0, uncommitted: 0, errors: [] };
  const busy = await acquireLock(s3, bucket, prefix, options.now);
  if (busy) return { ...report, busy };
  try {
    return await compactLocked(deps, options, report);
  } finally {
    // a run that crashed without getting here leaves the lock to expire
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lockKey(prefix) }));
  }
}

async function compactLocked(deps: CompactorDeps, options: CompactionOptions, report: CompactionReport): Promise<CompactionReport> {
  const { writer, s3 } = deps;
  const { bucket, prefix } = writer.location.staging!;
  const feedBucket = deps.feedBucket ?? bucket;
  const limit = pLimit(16);

  const listed = await listAll(s3, bucket, prefix);
  const claimKeys = listed.filter((o) => o.key.startsWith(`${prefix}${CLAIMS_DIR}`));
  const tombstones = listed.filter((o) => o.key.startsWith(`${prefix}${MERGED_DIR}`));
  const stagedListed = listed.filter((o) => !o.key.startsWith(`${prefix}${CLAIMS_DIR}`) && !o.key.startsWith(`${prefix}${MERGED_DIR}`) && o.key !== lockKey(prefix));
  report.staged = { objects: stagedListed.length, bytes: stagedListed.reduce((n, o) => n + o.size, 0) };

  // claims an earlier run left: each is finished before anything new is planned
  const pending: Claim[] = [];
  let unreadableClaim = false;
  await Promise.all(
    claimKeys.map((o) =>
      limit(async () => {
        try {
          const body = await getBytes(s3, bucket, o.key);
          if (body) pending.push(parseClaim(o.key, Buffer.from(body).toString('utf8')));
        } catch (err) {
          unreadableClaim = true;
          report.errors.push((err as Error).message);
        }
      }),
    ),
  );
  const merged = new Set(tombstones.map((t) => `${prefix}${t.key.slice(`${prefix}${MERGED_DIR}`.length)}`));
  const claimed = new Set(pending.flatMap((c) => c.members));

  // what each unclaimed staged object belongs to: the feed object named in its metadata
  const staged: Staged[] = [];
  const feedKeyOf = new Map<string, string>();
  await Promise.all(
    stagedListed.map((o) =>
      limit(async () => {
        const parsed = parseStagedKey(prefix, o.key);
        if ('error' in parsed) {
          report.errors.push(`${parsed.error}; left alone`);
          return;
        }
        if (claimed.has(o.key) || merged.has(o.key)) {
          staged.push({ ...o, committed: true, merged: merged.has(o.key) });
          return;
        }
        const meta = await head(s3, bucket, o.key);
        if (!meta) return; // deleted since the listing (another run finished it)
        const feedKey = meta[FEED_KEY_META];
        if (!feedKey) report.errors.push(`${o.key}: no ${FEED_KEY_META} metadata, so it cannot be told delivered; never merged, deleted as an orphan when old`);
        else feedKeyOf.set(o.key, feedKey);
        staged.push({ ...o, committed: false, merged: false });
      }),
    ),
  );
  // committed: the feed object (straight to S3) or its Firehose marker exists; one HEAD pair per feed object
  const feedKeys = [...new Set(feedKeyOf.values())];
  const delivered = new Map(
    await Promise.all(
      feedKeys.map((k) => limit(async () => [k, (await head(s3, feedBucket, k)) !== undefined || (await head(s3, feedBucket, `feed-delivered/${k}`)) !== undefined] as const)),
    ),
  );
  for (const s of staged) {
    const k = feedKeyOf.get(s.key);
    if (k) s.committed = delivered.get(k) === true;
  }

  const plan = planCompaction(staged, pending, prefix, options);
  report.waiting = plan.waiting;
  report.uncommitted = plan.uncommitted;

  const finish = async (claim: Claim, events?: Record<string, unknown>[]): Promise<void> => {
    if (!claim.written) {
      if (!events) {
        events = [];
        for (const member of claim.members) {
          const body = await getBytes(s3, bucket, member);
          // members are deleted only after the claim is marked written: one missing here was removed by hand
          if (!body) throw new Error(`${claimKey(prefix, claim.name)}: member ${member} is gone before the merged object was written; left for an operator`);
          events.push(...readStaged(member, body, claim.classUid));
        }
      }
      const objects = lakeObjects(events, { homeRegion: writer.location.homeRegion, sourceRoots: writer.sourceRoots(), stem: claim.name });
      const written = await writer.putLake(objects);
      claim.written = written.map((w) => w.key);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: claimKey(prefix, claim.name), Body: JSON.stringify(claim), ContentType: 'application/json' }));
      report.merged.push({ claim: claim.name, members: claim.members.length, objects: written.map(({ key, rows, bytes }) => ({ key, rows, bytes })) });
    }
    // a tombstone per member first: a replay that stages the same object again is then known as merged
    await Promise.all(claim.members.map((m) => limit(() => s3.send(new PutObjectCommand({ Bucket: bucket, Key: tombstoneKey(prefix, m), Body: claim.name })))));
    await Promise.all(claim.members.map((m) => limit(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: m })))));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: claimKey(prefix, claim.name) }));
  };

  for (const claim of plan.resume) {
    await finish(claim);
    report.resumed++;
  }
  // a claim that cannot be read may hold members the plan would merge again: nothing new until it is fixed
  if (unreadableClaim) {
    report.errors.push(`unreadable claims under ${prefix}${CLAIMS_DIR}: no new merges this run`);
    return report;
  }

  for (const output of plan.outputs) {
    // read every member before claiming: one that cannot be read is reported and left out (the rest is merged)
    const events: Record<string, unknown>[] = [];
    const members: string[] = [];
    for (const member of output.members) {
      try {
        const body = await getBytes(s3, bucket, member);
        if (!body) continue;
        events.push(...readStaged(member, body, output.classUid));
        members.push(member);
      } catch (err) {
        report.errors.push(`${(err as Error).message}; not merged, left in staging`);
      }
    }
    if (!members.length) continue;
    const claim: Claim = { ...output, members, name: members.length === output.members.length ? output.name : claimName(members) };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: claimKey(prefix, claim.name), Body: JSON.stringify(claim), ContentType: 'application/json' }));
    await finish(claim, events);
  }

  await Promise.all(
    plan.discard.map((d) =>
      limit(async () => {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: d.key }));
        report.discarded[d.reason]++;
      }),
    ),
  );
  const now = options.now.getTime();
  await Promise.all(
    tombstones
      .filter((t) => now - t.lastModified.getTime() >= options.orphanAgeMs)
      .map((t) =>
        limit(async () => {
          await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: t.key }));
          report.discarded.tombstones++;
        }),
      ),
  );
  for (const e of report.errors) log.warn({ error: e }, 'lake compaction: input skipped');
  return report;
}

export function describeCompaction(r: CompactionReport): string {
  const objects = r.merged.flatMap((m) => m.objects);
  const rows = objects.reduce((n, o) => n + o.rows, 0);
  const bytes = objects.reduce((n, o) => n + o.bytes, 0);
  const members = r.merged.reduce((n, m) => n + m.members, 0);
  if (r.busy) return `another compaction is running, nothing done: ${r.busy}`;
  return [
    `merged ${members} of ${r.staged.objects} staged objects (${r.staged.bytes} bytes) into ${objects.length} Parquet object${objects.length === 1 ? '' : 's'} (${rows} rows, ${bytes} bytes)`,
    r.resumed ? `finished ${r.resumed} earlier claim${r.resumed === 1 ? '' : 's'}` : '',
    r.waiting ? `${r.waiting} waiting for their partition to fill or age` : '',
    r.uncommitted ? `${r.uncommitted} not yet delivered` : '',
    r.discarded.merged || r.discarded.orphan ? `deleted ${r.discarded.merged} already merged and ${r.discarded.orphan} orphaned` : '',
    r.errors.length ? `${r.errors.length} skipped (see above)` : '',
  ]
    .filter(Boolean)
    .join('; ');
}
