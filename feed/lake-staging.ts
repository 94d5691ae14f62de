// Security Lake sizing: staged objects and the compaction plan (pure; feed/lake-compactor.ts does the S3 calls).
//
// Security Lake asks custom sources for objects written at most every 5 minutes and at least once per event day,
// each well under 256 MB (more often only when the objects are that large): many small objects slow the Glue
// crawler and every Athena query. The processors land a few hundred records per Kinesis batch, so they do not
// write into the lake: they stage each batch's OCSF events under a staging prefix of the feed bucket, one object
// per OCSF class and partition, and a scheduled compaction merges the staged objects of each class and partition
// into Security Lake-sized Parquet objects.
//
// Staged objects are gzip NDJSON of OCSF events rather than Parquet: they are private to Census, JSON lines
// round-trip the events exactly (no Parquet -> JavaScript -> Parquet conversion of bigints, dates and JSON
// columns), and the Parquet encoding happens once, in the object Security Lake keeps. Each event is still checked
// against its class's Parquet schema when it is staged, so a bad event fails its batch, not a later compaction.
//
// Exactly once, across replays and crashes:
// - a staged object is named by the feed object it travels with (its key's stem), and carries that feed key in its
//   metadata. It is written before the feed object, so a replay that finds the feed object delivered writes neither;
//   one that does not, writes both again under the same names (an overwrite).
// - compaction merges only *committed* staged objects: those whose feed object (or Firehose delivery marker)
//   exists. A staged object without one belongs to a batch that failed after staging and will be delivered again
//   (possibly in another batch, under another name): merging it could double its rows, so it waits, and is deleted
//   unmerged once it is older than any replay can be (`orphanAgeMs`).
// - each merged object is named by its members (a hash of their keys), so writing it again overwrites it. Before
//   it is written, a claim naming the members is stored; after, the claim is marked written, a tombstone is left
//   per member, and the members are deleted. A run that finds a claim finishes it first (rewriting the merged object
//   from the members if it was not marked written, which it can only be after the members are all still there),
//   so a crash anywhere re-runs to the same objects.
// - a tombstone says "already merged": a staged object written again under a merged name (a replay that re-feeds
//   the same copies, e.g. the same change records) is deleted instead of being merged a second time.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ocsfClass, OCSF_CLASSES } from './ocsf-parquet.js';
import { shapeRow } from './ocsf-schema.js';
import { partitionOf, type Partition } from './security-lake.js';

/** object metadata naming the feed object a staged object travels with */
export const FEED_KEY_META = 'census-feed-key';
export const CLAIMS_DIR = '_claims/';
export const MERGED_DIR = '_merged/';

export interface StagedBody {
  key: string;
  body: Buffer;
  classUid: number;
  rows: number;
}

export const partitionPath = (p: Partition) => `region=${p.region}/accountId=${p.accountId}/eventDay=${p.eventDay}/`;

/**
 * The staged objects of one feed write: events grouped by class and partition, each checked against its class's
 * Parquet schema (an error names the event's position and what is wrong), as gzip NDJSON sorted by time.
 * Keys: `<prefix><class uid>/region=/accountId=/eventDay=/<stem>.ndjson.gz`.
 */
export function stagedObjects(events: Record<string, unknown>[], opts: { prefix: string; homeRegion: string; stem: string }): StagedBody[] {
  const groups = new Map<string, { classUid: number; events: Record<string, unknown>[] }>();
  events.forEach((event, i) => {
    const cls = ocsfClass(event, `event ${i}`);
    shapeRow(cls.fields, event, `event ${i}`);
    const key = `${opts.prefix}${cls.uid}/${partitionPath(partitionOf(event, opts.homeRegion, `event ${i}`))}${opts.stem}.ndjson.gz`;
    const group = groups.get(key) ?? { classUid: cls.uid, events: [] };
    group.events.push(event);
    groups.set(key, group);
  });
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, g]) => {
      const sorted = [...g.events].sort((a, b) => (a.time as number) - (b.time as number));
      // mtime 0: the same events always give the same bytes
      const body = gzipSync(Buffer.from(sorted.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8'));
      return { key, body, classUid: g.classUid, rows: sorted.length };
    });
}

/** The events of one staged object; a line that is not an OCSF event of the object's class is an error naming it. */
export function readStaged(key: string, body: Uint8Array, classUid: number): Record<string, unknown>[] {
  let text: string;
  try {
    text = gunzipSync(body).toString('utf8');
  } catch (err) {
    throw new Error(`${key}: not gzip (${(err as Error).message})`);
  }
  const events: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line) return;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch (err) {
      throw new Error(`${key} line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof e !== 'object' || e === null || (e as { class_uid?: unknown }).class_uid !== classUid) {
      throw new Error(`${key} line ${i + 1}: not an OCSF event of class ${classUid}`);
    }
    events.push(e as Record<string, unknown>);
  });
  return events;
}

export interface StagedKey {
  classUid: number;
  /** `region=/accountId=/eventDay=/` */
  partition: string;
}

const STAGED = /^(\d+)\/(region=[a-z0-9-]+\/accountId=\d{12}\/eventDay=\d{8}\/)[0-9a-f]{8,64}\.ndjson\.gz$/;

/** What a staged key says (class and partition), or why it is not one. */
export function parseStagedKey(prefix: string, key: string): StagedKey | { error: string } {
  if (!key.startsWith(prefix)) return { error: `${key}: not under the staging prefix ${prefix}` };
  const m = STAGED.exec(key.slice(prefix.length));
  if (!m) return { error: `${key}: not <class uid>/region=<region>/accountId=<12 digits>/eventDay=<YYYYMMDD>/<hex>.ndjson.gz` };
  const classUid = Number(m[1]);
  if (!OCSF_CLASSES[classUid]) return { error: `${key}: class ${classUid} is not one Census writes (${Object.keys(OCSF_CLASSES).join(', ')})` };
  return { classUid, partition: m[2]! };
}

/** A staged object as listed, with what the compactor found out about it. */
export interface Staged {
  key: string;
  size: number;
  lastModified: Date;
  /** its feed object (or Firehose marker) exists: the batch it belongs to is delivered */
  committed: boolean;
  /** a tombstone says it was merged already */
  merged: boolean;
}

/** One merged output: its members, and the name its claim and Parquet objects take. */
export interface Claim {
  name: string;
  classUid: number;
  partition: string;
  members: string[];
  /** set once the merged objects are written (their keys) */
  written?: string[];
}

export interface CompactionOptions {
  now: Date;
  /** a partition's staged objects are merged once the oldest is this old (Security Lake: 5 minutes to a day) */
  maxWaitMs: number;
  /** ... or once they add up to this many staged bytes; also the most one merged output takes */
  targetBytes: number;
  /** uncommitted staged objects older than this belong to no batch any more (older than any replay) */
  orphanAgeMs: number;
}

export interface CompactionPlan {
  /** claims left by an earlier run, finished first */
  resume: Claim[];
  /** new merged outputs */
  outputs: Claim[];
  /** staged objects to delete without merging: already merged (tombstoned), or orphaned */
  discard: { key: string; reason: 'merged' | 'orphan' }[];
  /** committed staged objects left for a later run (their partition is neither old nor large enough yet) */
  waiting: number;
  /** uncommitted staged objects (their batch is still being delivered) */
  uncommitted: number;
}

/** The name of a merged output: the same members always give the same name. */
export function claimName(members: string[]): string {
  return createHash('sha256').update([...members].sort().join('\n')).digest('hex').slice(0, 20);
}

/**
 * Which staged objects go into which merged output. Per class and partition, committed objects not yet claimed
 * are taken in key order into outputs of at most `targetBytes` (an object larger than that goes alone), when the
 * partition's oldest is `maxWaitMs` old or its objects add up to `targetBytes`. Deterministic: the same listing
 * always gives the same plan and names.
 */
export function planCompaction(staged: Staged[], pending: Claim[], prefix: string, opts: CompactionOptions): CompactionPlan {
  const claimed = new Set(pending.flatMap((c) => c.members));
  const discard: CompactionPlan['discard'] = [];
  const groups = new Map<string, { classUid: number; partition: string; items: Staged[] }>();
  let uncommitted = 0;
  for (const s of [...staged].sort((a, b) => a.key.localeCompare(b.key))) {
    if (claimed.has(s.key)) continue;
    const parsed = parseStagedKey(prefix, s.key);
    if ('error' in parsed) continue; // the caller reports unparseable keys; they are never touched
    if (s.merged) {
      discard.push({ key: s.key, reason: 'merged' });
      continue;
    }
    if (!s.committed) {
      if (opts.now.getTime() - s.lastModified.getTime() >= opts.orphanAgeMs) discard.push({ key: s.key, reason: 'orphan' });
      else uncommitted++;
      continue;
    }
    const g = `${parsed.classUid}/${parsed.partition}`;
    const group = groups.get(g) ?? { ...parsed, items: [] };
    group.items.push(s);
    groups.set(g, group);
  }
  const outputs: Claim[] = [];
  let waiting = 0;
  for (const { classUid, partition, items } of [...groups.values()].sort((a, b) => `${a.classUid}/${a.partition}`.localeCompare(`${b.classUid}/${b.partition}`))) {
    const bytes = items.reduce((n, s) => n + s.size, 0);
    // a loop, not Math.min(...): a backlog can hold more objects than a call takes arguments
    const oldest = items.reduce((m, s) => Math.min(m, s.lastModified.getTime()), Infinity);
    if (bytes < opts.targetBytes && opts.now.getTime() - oldest < opts.maxWaitMs) {
      waiting += items.length;
      continue;
    }
    let current: Staged[] = [];
    let size = 0;
    const flush = () => {
      if (!current.length) return;
      const members = current.map((s) => s.key);
      outputs.push({ name: claimName(members), classUid, partition, members });
      current = [];
      size = 0;
    };
    for (const s of items) {
      if (current.length && size + s.size > opts.targetBytes) flush();
      current.push(s);
      size += s.size;
    }
    flush();
  }
  return { resume: [...pending].sort((a, b) => a.name.localeCompare(b.name)), outputs, discard, waiting, uncommitted };
}

/** The claim stored under `_claims/`, checked as it is read back (a claim that is not one is an error naming it). */
export function parseClaim(key: string, text: string): Claim {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${key}: claim is not JSON (${(err as Error).message})`);
  }
  const c = v as Partial<Claim>;
  if (typeof c.name !== 'string' || typeof c.classUid !== 'number' || typeof c.partition !== 'string' || !Array.isArray(c.members) || !c.members.every((m) => typeof m === 'string')) {
    throw new Error(`${key}: claim lacks name, classUid, partition or members`);
  }
  if (c.written !== undefined && !(Array.isArray(c.written) && c.written.every((m) => typeof m === 'string'))) throw new Error(`${key}: claim's written is not a list of keys`);
  return c as Claim;
}

/** The tombstone key of a merged staged object. */
export const tombstoneKey = (prefix: string, stagedKey: string) => `${prefix}${MERGED_DIR}${stagedKey.slice(prefix.length)}`;
export const claimKey = (prefix: string, name: string) => `${prefix}${CLAIMS_DIR}${name}.json`;
