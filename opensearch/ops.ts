// Which index, `_id` and version each record kind lands with, and the searchable extras of a resource.
import { identityHash, recordContentHash } from '../core/content.js';
import { indexNames } from '../core/indexes.js';
import { identityOf, kindOf, versionOf } from '../core/records.js';
import type { ResourceRecord, StreamRecord } from '../core/schemas.js';
import { derivedResourceFields } from './mappings.js';
import { documentId } from './bulk.js';

export type Landable = Exclude<StreamRecord, { recordType: 'pointer' | 'inventory-run' }>;
/** every kind the processors store (inventory runs go to the run ledger) */
export type Storable = Exclude<StreamRecord, { recordType: 'pointer' }>;

/** Epoch ms of the time a copy describes: later copies get higher versions. */
export const recordVersion = (record: Storable): number => versionOf(record);

/** The identity a document is stored under: one document per resource, finding, account, error event, run. */
export const recordIdentity = (record: Storable): string => identityOf(record);

/** The write alias for a record (resource family indexes are created by the caller). */
export function indexFor(record: Storable, prefix: string): string {
  return kindOf(record).index(record, indexNames(prefix))!;
}

const derivedKeys = Object.keys(derivedResourceFields);

/** A resource as indexed: the record plus a text copy of its configuration and `key=value` tag pairs. */
export function resourceDocument(record: ResourceRecord & Record<string, unknown>): Record<string, unknown> {
  return {
    ...record,
    configurationText: JSON.stringify({ configuration: record.configuration, supplementaryConfiguration: record.supplementaryConfiguration }),
    tagPairs: Object.entries(record.tags ?? {}).map(([k, v]) => `${k}=${v}`),
    identityHash: identityHash(record.arn),
  };
}

/** Back from an indexed document to the record (deletion markers keep deletedAt/deletedByRun). */
export function withoutSearchCopies<T extends Record<string, unknown>>(doc: T): T {
  const out = { ...doc };
  for (const k of derivedKeys) if (k === 'configurationText' || k === 'tagPairs' || k === 'identityHash') delete out[k];
  // the feed object a copy went to is the store's bookkeeping, not part of the record
  delete out.feedKey;
  return out;
}

export function documentFor(record: Storable): Record<string, unknown> {
  if (record.recordType === 'resource') return resourceDocument(record);
  // what the next copy of an account or error is compared with (change-only landing, processors/pipeline.ts)
  if (record.recordType === 'account' || record.recordType === 'collection-error') return { ...record, contentHash: recordContentHash(record) };
  return record;
}

export { documentId };
