// The Cloud Security Standard as the processors (per-record checks) and the inventory runner
// (account- and region-level sweep) call it.
import type { FindingRecord, ResourceRecord } from '../core/schemas.js';
import { DEFAULT_CATALOG_PATH, loadCatalogFile, type Catalog } from './catalog.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, logProblems } from './evaluate.js';
import type { SweepScope } from './types.js';

export type { Catalog, Requirement } from './catalog.js';
export { CatalogError, DEFAULT_CATALOG_PATH, parseCatalog } from './catalog.js';
export { evaluateRecordsDetailed, evaluateSweepDetailed, failedCollection, findingIdFor, timeSensitiveTypes, type EvaluationProblem } from './evaluate.js';
export type { CollectionFailure } from './types.js';

const loaded = new Map<string, Catalog>();

/**
 * The catalog at `path` (the configured `catalog`, see platform/config.ts), else the Cloud Security Standard shipped with Census.
 * Validated on first load (throws CatalogError listing every problem) and cached per path.
 */
export function loadCatalog(path?: string): Catalog {
  const file = path ?? DEFAULT_CATALOG_PATH;
  let catalog = loaded.get(file);
  if (!catalog) {
    catalog = loadCatalogFile(file);
    loaded.set(file, catalog);
  }
  return catalog;
}

/** Findings (PASS and FAIL) of every resource-level requirement that applies to these records. */
export function evaluateRecords(catalog: Catalog, records: ResourceRecord[], observedAt: string): FindingRecord[] {
  const { findings, problems } = evaluateRecordsDetailed(catalog, records, observedAt);
  logProblems(problems);
  return findings;
}

/** Findings of account- and region-level requirements over one account's complete inventory. */
export function evaluateSweep(
  catalog: Catalog,
  scope: SweepScope,
  observedAt: string,
): FindingRecord[] {
  const { findings, problems } = evaluateSweepDetailed(catalog, scope, observedAt);
  logProblems(problems);
  return findings;
}

// The field's formats, for the S3 feed (OCSF) and Security Hub (ASFF).
export { toAsff, asffBatches, readAsffFile, fromAsff, ASFF_BATCH_LIMIT } from './formats/asff.js';
export { toOcsf, readProwlerOcsfFile, fromProwlerOcsf } from './formats/ocsf.js';
export { exportToSecurityHub, importFromSecurityHub } from './securityhub.js';
