// Offline export: OCSF events into a folder laid out as a Security Lake custom source, one file per object.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lakeObjects, shortStem, type LakeObject } from './security-lake.js';

export interface ExportOptions {
  out: string;
  homeRegion: string;
  /** names the objects; the same input gives the same file names, so a second export overwrites the first */
  input: string;
  sourceNames?: Record<number, string>;
  maxRowsPerObject?: number;
}

export function exportLakeFiles(events: Record<string, unknown>[], opts: ExportOptions): LakeObject[] {
  const objects = lakeObjects(events, {
    root: 'ext/',
    homeRegion: opts.homeRegion,
    stem: shortStem('export', opts.input),
    sourceNames: opts.sourceNames,
    maxRowsPerObject: opts.maxRowsPerObject,
  });
  for (const o of objects) {
    const path = join(opts.out, o.key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, o.body);
  }
  return objects;
}

export function describeExport(objects: LakeObject[], out: string): string {
  const rows = objects.reduce((n, o) => n + o.rows, 0);
  const bytes = objects.reduce((n, o) => n + o.body.length, 0);
  return `wrote ${rows} OCSF events in ${objects.length} Parquet object${objects.length === 1 ? '' : 's'} (${bytes} bytes) under ${join(out, 'ext')}/`;
}
