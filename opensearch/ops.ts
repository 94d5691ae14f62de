// Which index, `_id` and version each record kind lands with, and the searchable extras of a resource.
import { createHash } from 'node:crypto';
import { indexNames } from '../core/indexes.js';
import type { ResourceRecord, StreamRecord } from '../core/schemas.js';
import { derivedResourceFields } from './mappings.js';
import { documentId } from './bulk.js';

export type Landable = Exclude<StreamRecord, { recordType: 'pointer' | 'inventory-run' }>;

/** Epoch ms of the time a copy describes: later copies get higher versions. */
export function recordVersion(record: Landable): number {
  switch (record.recordType) {
    case 'resource':
      return Date.parse(record.configurationItemCaptureTime);
    default:
      return Date.parse(record.observedAt);
  }
}

/** The identity a document is stored under: one document per resource, finding, account, error event. */
export function recordIdentity(record: Landable): string {
  switch (record.recordType) {
    case 'resource':
      return record.arn;
    case 'finding':
      return record.findingId;
    case 'account':
      return record.accountId;
    case 'collection-error': {
      const key = [record.accountId, record.region ?? '', record.collector ?? '', record.code, record.runId ?? '', record.observedAt].join('|');
      return createHash('sha256').update(key).digest('hex');
    }
  }
}

/** The write alias for a record (resource family indexes are created by the caller). */
export function indexFor(record: Landable, prefix: string): string {
  const names = indexNames(prefix);
  switch (record.recordType) {
    case 'resource':
      return names.resourceFamily(record.resourceType);
    case 'finding':
      return names.findings;
    case 'account':
      return names.accounts;
    case 'collection-error':
      return names.collectionErrors;
  }
}

const derivedKeys = Object.keys(derivedResourceFields);

/** A resource as indexed: the record plus a text copy of its configuration and `key=value` tag pairs. */
export function resourceDocument(record: ResourceRecord & Record<string, unknown>): Record<string, unknown> {
  return {
    ...record,
    configurationText: JSON.stringify({ configuration: record.configuration, supplementaryConfiguration: record.supplementaryConfiguration }),
    tagPairs: Object.entries(record.tags ?? {}).map(([k, v]) => `${k}=${v}`),
  };
}

/** Back from an indexed document to the record (deletion markers keep deletedAt/deletedByRun). */
export function withoutSearchCopies<T extends Record<string, unknown>>(doc: T): T {
  const out = { ...doc };
  for (const k of derivedKeys) if (k === 'configurationText' || k === 'tagPairs') delete out[k];
  return out;
}

export function documentFor(record: Landable): Record<string, unknown> {
  return record.recordType === 'resource' ? resourceDocument(record) : record;
}

export { documentId };
