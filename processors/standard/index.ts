// Interface of the Cloud Security Standard used by processors (per-record checks) and by the
// inventory runner (account- and region-level sweep). Issue 5 implements it.
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';

export interface Catalog {
  version: string;
  requirements: { id: string; severity: string; weight: number; resourceTypes: string[] }[];
}

export function loadCatalog(_path?: string): Catalog {
  return { version: 'empty', requirements: [] };
}

/** Findings (PASS and FAIL) of every resource-level requirement that applies to these records. */
export function evaluateRecords(_catalog: Catalog, _records: ResourceRecord[], _observedAt: string): FindingRecord[] {
  return [];
}

/** Findings of account- and region-level requirements over one account's complete inventory. */
export function evaluateSweep(
  _catalog: Catalog,
  _scope: { accountId: string; regions: string[]; resources: ResourceRecord[] },
  _observedAt: string,
): FindingRecord[] {
  return [];
}
