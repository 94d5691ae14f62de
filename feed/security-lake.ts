// Security Lake's custom-source layout: `<root><source>/region=<region>/accountId=<id>/eventDay=<YYYYMMDD>/`,
// one OCSF class per object, rows sorted by time, each object below Security Lake's 256 MB object size.
import { createHash } from 'node:crypto';
import { ocsfClass, ocsfParquet, type OcsfClass } from './ocsf-parquet.js';

export interface LakeOptions {
  /** prefix the source folders go under: `ext/` in a Security Lake bucket */
  root?: string;
  /** source name per class uid; default `OCSF_CLASSES[uid].sourceName` */
  sourceNames?: Record<number, string>;
  /** a class's whole source folder (Security Lake's custom-source location), instead of root + source name */
  sourceRoots?: Record<number, string>;
  /** region partition of global resources and findings (IAM, Route 53, ...): Security Lake wants an AWS region */
  homeRegion: string;
  /** names this write: the same stem always yields the same keys, so a replay overwrites its own objects */
  stem: string;
  maxObjectBytes?: number;
  maxRowsPerObject?: number;
}

export interface LakeObject {
  key: string;
  body: Uint8Array;
  classUid: number;
  rows: number;
}

/** Security Lake asks for objects under 256 MB */
export const MAX_OBJECT_BYTES = 256 * 1024 * 1024;

export interface Partition {
  region: string;
  accountId: string;
  eventDay: string;
}

export function partitionOf(event: Record<string, unknown>, homeRegion: string, where = 'event'): Partition {
  const cloud = (event.cloud ?? {}) as { region?: string; account?: { uid?: string } };
  const accountId = cloud.account?.uid;
  if (!accountId || !/^\d{12}$/.test(accountId)) throw new Error(`${where}: cloud.account.uid ${String(accountId)} is not a 12-digit account id`);
  if (typeof event.time !== 'number' || !Number.isFinite(event.time)) throw new Error(`${where}: time is not epoch milliseconds`);
  const region = cloud.region && cloud.region !== 'global' ? cloud.region : homeRegion;
  return { region, accountId, eventDay: new Date(event.time).toISOString().slice(0, 10).replaceAll('-', '') };
}

/** `sourceRoot` is the source's folder, ending in `/` (e.g. `ext/census-inventory-info/`) */
export function partitionPrefix(sourceRoot: string, p: Partition): string {
  return `${sourceRoot}region=${p.region}/accountId=${p.accountId}/eventDay=${p.eventDay}/`;
}

/** A short, stable object stem for a name that may be long (a shard and sequence range, an input file). */
export function shortStem(...parts: string[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 20);
}

/**
 * Group events by class and partition and write each group as Parquet, split into objects of at most
 * `maxRowsPerObject` rows and `maxObjectBytes` bytes. Keys are `<partition>/<stem>-<n>.parquet`.
 */
export function lakeObjects(events: Record<string, unknown>[], opts: LakeOptions): LakeObject[] {
  const root = opts.root ?? 'ext/';
  const maxBytes = opts.maxObjectBytes ?? MAX_OBJECT_BYTES;
  const maxRows = opts.maxRowsPerObject ?? 500_000;
  const groups = new Map<string, { cls: OcsfClass; events: Record<string, unknown>[] }>();
  events.forEach((event, i) => {
    const cls = ocsfClass(event, `event ${i}`);
    const sourceRoot = opts.sourceRoots?.[cls.uid] ?? `${root}${opts.sourceNames?.[cls.uid] ?? cls.sourceName}/`;
    const prefix = partitionPrefix(sourceRoot, partitionOf(event, opts.homeRegion, `event ${i}`));
    const group = groups.get(prefix) ?? { cls, events: [] };
    group.events.push(event);
    groups.set(prefix, group);
  });
  const out: LakeObject[] = [];
  for (const [prefix, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...group.events].sort((a, b) => (a.time as number) - (b.time as number));
    let n = 0;
    const emit = (chunk: Record<string, unknown>[]): void => {
      const body = ocsfParquet(group.cls, chunk);
      if (body.length > maxBytes && chunk.length > 1) {
        const half = Math.ceil(chunk.length / 2);
        emit(chunk.slice(0, half));
        emit(chunk.slice(half));
        return;
      }
      if (body.length > maxBytes) throw new Error(`${prefix}: one event alone is ${body.length} bytes of Parquet, over the ${maxBytes}-byte object limit`);
      out.push({ key: `${prefix}${opts.stem}-${n++}.parquet`, body, classUid: group.cls.uid, rows: chunk.length });
    };
    for (let i = 0; i < sorted.length; i += maxRows) emit(sorted.slice(i, i + maxRows));
  }
  return out;
}
