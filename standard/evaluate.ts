// Evaluation: requirements × records → FindingRecords (PASS and FAIL; the passes are the score's denominator).
import { log } from '../platform/log.js';
import { SCHEMA_VERSION, type FindingRecord, type ResourceRecord } from '../core/schemas.js';
import { sha256Hex, VOLATILE_KEYS } from '../core/content.js';
import type { Catalog, Requirement } from './catalog.js';
import { builtinChecks, CheckError } from './checks/index.js';
import { evaluateCondition } from './condition.js';
import type { CheckContext, CheckResult, CollectionFailure, SweepScope } from './types.js';

export const SOURCE = 'census';
/** The resource type of account- and region-level findings, as AWS Config names the account. */
export const ACCOUNT_RESOURCE_TYPE = 'AWS::::Account';

/** Stable: the same requirement and resource always give the same id (sha256 hex, first 32). */
export function findingIdFor(requirementId: string, resourceKey: string): string {
  return sha256Hex(`${requirementId}|${resourceKey}`).slice(0, 32);
}

/** A requirement that could not be decided for a record; reported beside the findings, never turned into a PASS. */
export interface EvaluationProblem {
  requirementId: string;
  resource: string;
  message: string;
  /** true when a check failed on its own (a bug), not on data it could not use */
  unexpected?: boolean;
}

function problem(requirementId: string, resource: string, err: unknown): EvaluationProblem {
  const unexpected = !(err instanceof CheckError);
  return { requirementId, resource, message: (err as Error).message ?? String(err), ...(unexpected ? { unexpected } : {}) };
}

export interface Evaluation {
  findings: FindingRecord[];
  problems: EvaluationProblem[];
}

const byType = new WeakMap<Catalog, Map<string, Requirement[]>>();

/** The catalog's resource-level requirements indexed by resource type (computed once per catalog). */
function requirementsByType(catalog: Catalog): Map<string, Requirement[]> {
  let index = byType.get(catalog);
  if (!index) {
    index = new Map();
    for (const req of catalog.requirements) {
      if (req.scope !== 'resource') continue;
      for (const t of req.resourceTypes) index.set(t, [...(index.get(t) ?? []), req]);
    }
    byType.set(catalog, index);
  }
  return index;
}

const unstable = new WeakMap<Catalog, ReadonlySet<string>>();

/**
 * The resource types whose findings can change while their record stays the same: a requirement of the type runs a
 * check that reads the clock (a 90-day key age), or reads a field core/content.ts calls volatile (a last-used date,
 * left out of every content hash). Every other type's findings are a function of its record and the registers, so
 * an unchanged record need not be judged again (processors/derivation.ts).
 */
export function timeSensitiveTypes(catalog: Catalog): ReadonlySet<string> {
  let types = unstable.get(catalog);
  if (!types) {
    const readsVolatile = (text: string) => [...VOLATILE_KEYS].some((k) => text.includes(k));
    const out = new Set<string>();
    for (const [type, reqs] of requirementsByType(catalog)) {
      for (const req of reqs) {
        const check = req.check ? builtinChecks.get(req.check) : undefined;
        const sensitive = req.condition
          ? readsVolatile(JSON.stringify(req.condition)) || readsVolatile(JSON.stringify(req.when ?? null))
          : check?.scope === 'resource' && (check.clock === true || readsVolatile(check.reads));
        if (sensitive) out.add(type);
      }
    }
    types = out;
    unstable.set(catalog, types);
  }
  return types;
}

function runRequirement(req: Requirement, record: ResourceRecord, ctx: CheckContext, timeless: CheckContext): CheckResult | undefined {
  if (req.condition) return evaluateCondition(req.condition, req.when, record);
  const check = builtinChecks.get(req.check!);
  if (!check || check.scope !== 'resource') return undefined;
  // only a check that declares it reads the clock gets one (timeSensitiveTypes is read from the declarations)
  const base = check.clock ? ctx : timeless;
  return check.evaluate(record, req.networkRestricted ? { ...base, networkRestricted: req.networkRestricted } : base);
}

function finding(req: Requirement, result: CheckResult, subject: Omit<FindingRecord, 'recordType' | 'schemaVersion' | 'findingId' | 'requirementId' | 'status' | 'severity' | 'title' | 'source' | 'evidence' | 'observedAt'>, observedAt: string): FindingRecord {
  // the keys in this order, built with Object.assign and named stores rather than a literal with spreads in the
  // middle: V8 gives such a literal fresh hidden classes each time, and this runs for every finding of every record
  const out = {
    recordType: 'finding',
    schemaVersion: SCHEMA_VERSION,
    findingId: findingIdFor(req.id, subject.resourceArn ?? subject.resourceId),
    requirementId: req.id,
    status: result.status,
    severity: req.severity,
    title: req.title,
  } as FindingRecord;
  Object.assign(out, subject);
  out.source = SOURCE;
  out.evidence = result.evidence;
  if (result.warning) out.warning = true;
  out.observedAt = observedAt;
  return out;
}

/** Every resource-level requirement over these records, with the ones that could not be decided. */
export function evaluateRecordsDetailed(catalog: Catalog, records: ResourceRecord[], observedAt: string): Evaluation {
  const ctx: CheckContext = { now: new Date(observedAt) };
  const timeless: CheckContext = {};
  const index = requirementsByType(catalog);
  const findings: FindingRecord[] = [];
  const problems: EvaluationProblem[] = [];
  for (const record of records) {
    // a deleted resource no longer counts for or against anyone
    if (record.configurationItemStatus === 'ResourceDeleted') continue;
    // listed but its configuration could not be read (a denied describe): not evaluated, never a guess from a stub
    if (record.configurationItemStatus === 'ResourceDiscovered') {
      const why = record.errors.map((e) => `${e.call}: ${e.code}: ${e.message}`).join('; ') || 'configuration not collected';
      for (const req of index.get(record.resourceType) ?? []) {
        problems.push({ requirementId: req.id, resource: record.arn, message: `not evaluated: ${why}` });
      }
      continue;
    }
    for (const req of index.get(record.resourceType) ?? []) {
      let result: CheckResult | undefined;
      try {
        result = runRequirement(req, record, ctx, timeless);
      } catch (err) {
        problems.push(problem(req.id, record.arn, err));
        continue;
      }
      if (!result) continue;
      findings.push(
        finding(req, result, {
          resourceType: record.resourceType,
          resourceId: record.resourceId,
          resourceArn: record.arn,
          accountId: record.awsAccountId,
          region: record.awsRegion,
          ...(record.account ? { account: record.account } : {}),
        }, observedAt),
      );
    }
  }
  return { findings, problems };
}

/**
 * Why a sweep result may not be judged: a failed collection of one of the requirement's types where the result
 * looks (its region, or the global services), or anywhere for an account-level requirement.
 */
export function failedCollection(failures: CollectionFailure[] | undefined, types: string[], level: 'account' | 'region', region: string): string | undefined {
  const hit = (failures ?? []).filter(
    (f) => types.includes(f.resourceType) && (level === 'account' || f.region === region || f.region === 'global'),
  );
  if (!hit.length) return undefined;
  return hit.map((f) => `collection of ${f.resourceType} in ${f.region} failed (${f.reason})`).join('; ');
}

/** Account- and region-level requirements over one account's complete inventory. */
export function evaluateSweepDetailed(catalog: Catalog, scope: SweepScope, observedAt: string): Evaluation {
  const ctx: CheckContext = { now: new Date(observedAt) };
  const account = scope.resources.find((r) => r.account)?.account;
  const resources = scope.resources.filter((r) => r.awsAccountId === scope.accountId && r.configurationItemStatus !== 'ResourceDeleted');
  const findings: FindingRecord[] = [];
  const problems: EvaluationProblem[] = [];
  for (const req of catalog.requirements) {
    if (req.scope !== 'sweep') continue;
    const check = builtinChecks.get(req.check!);
    if (!check || check.scope !== 'sweep') continue;
    let results;
    try {
      results = check.evaluate({ ...scope, resources }, ctx);
    } catch (err) {
      problems.push(problem(req.id, scope.accountId, err));
      continue;
    }
    const types = [...new Set([...req.resourceTypes, ...check.resourceTypes])];
    for (const r of results) {
      const resourceId = r.region === 'global' ? scope.accountId : `${scope.accountId}/${r.region}`;
      // a collector that could not read must not read as "there is none": not evaluated, with the reason
      const failed = failedCollection(scope.failures, types, check.level, r.region);
      if (failed) {
        problems.push({ requirementId: req.id, resource: resourceId, message: `not evaluated: ${failed}` });
        continue;
      }
      findings.push(
        finding(req, r, {
          resourceType: ACCOUNT_RESOURCE_TYPE,
          resourceId,
          resourceArn: null,
          accountId: scope.accountId,
          region: r.region,
          ...(account ? { account } : {}),
        }, observedAt),
      );
    }
  }
  return { findings, problems };
}

export function logProblems(problems: EvaluationProblem[]): void {
  for (const p of problems) {
    const fields = { requirementId: p.requirementId, resource: p.resource };
    if (p.unexpected) log.error(fields, `check failed unexpectedly: ${p.message}`);
    else log.warn(fields, `requirement not evaluated: ${p.message}`);
  }
}
