// Small helpers the check modules share: reading API fields tolerantly, policies, dates.
import type { ResourceRecord } from '../../core/schemas.js';
import type { CheckContext, CheckResult } from '../types.js';

/** A check could not decide (the data it needs failed to collect or is malformed): reported, never a PASS. */
export class CheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckError';
  }
}

export const pass = (evidence: string): CheckResult => ({ status: 'PASS', evidence });
export const fail = (evidence: string): CheckResult => ({ status: 'FAIL', evidence });

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Read a dotted path (`Attributes.Policy`) from an object. */
export function at(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** The first of several places a field may live in (collectors may keep an API's wrapper or unwrap it). */
export function firstOf(value: unknown, paths: string[]): unknown {
  for (const p of paths) {
    const v = at(value, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

/**
 * A list that may come bare (`[...]`) or inside its API output (`{ MFADevices: [...], IsTruncated }`):
 * collectors store a detail call's whole output under its key.
 */
export function listOf(value: unknown, key: string): Obj[] {
  const list = Array.isArray(value) ? value : isObj(value) ? value[key] : undefined;
  return Array.isArray(list) ? list.filter(isObj) : [];
}

/** A field that may come bare or inside its API output (`{ KeyRotationEnabled: true }`). */
export function fieldOf(value: unknown, key: string): unknown {
  return isObj(value) && key in value ? value[key] : value;
}

export const conf = (r: ResourceRecord) => r.configuration;
export const supp = (r: ResourceRecord) => r.supplementaryConfiguration;

/** Error codes that mean "there is none", not "could not read it". */
const ABSENT_CODES = /NoSuch|NotFound|ResourceNotFound|NoSuchEntity|PolicyNotFound|RepositoryPolicyNotFound|ServerSideEncryptionConfigurationNotFound/i;

/** The collection error recorded for an API call, if that call failed for a reason other than absence. */
export function failedCall(record: ResourceRecord, operation: string): string | undefined {
  const op = operation.toLowerCase();
  const e = record.errors.find((err) => err.call.toLowerCase().includes(op) && !ABSENT_CODES.test(err.code));
  return e ? `${e.call} failed (${e.code}: ${e.message})` : undefined;
}

/** Throw when the call behind a field failed: a missing policy must not read as "no policy". */
export function assertCollected(record: ResourceRecord, operation: string): void {
  const why = failedCall(record, operation);
  if (why) throw new CheckError(`cannot evaluate: ${why}`);
}

/** An API field as text for evidence and comparisons; objects as JSON, never "[object Object]" or a throw. */
export function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '(unprintable value)';
  }
}

export function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  return undefined;
}

export function asDate(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/**
 * The evaluation time, for a check that declares `clock: true`. Any other check gets no clock: reading it is a bug in
 * the check (its findings could then change while its record does not, unknown to the processors), named here.
 */
export function clockOf(ctx: CheckContext, checkId: string): Date {
  if (!ctx.now) throw new Error(`check ${checkId} reads the clock without declaring \`clock: true\``);
  return ctx.now;
}

export const DAY_MS = 86_400_000;
export function ageInDays(then: Date, now: Date): number {
  return Math.floor((now.getTime() - then.getTime()) / DAY_MS);
}
