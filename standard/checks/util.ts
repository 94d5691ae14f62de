// Small helpers the check modules share: reading API fields tolerantly, policies, dates.
import { decodePolicyDocument } from '../../policy/decode.js';
import type { ResourceRecord } from '../../core/schemas.js';
import type { CheckResult } from '../types.js';

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

export const DAY_MS = 86_400_000;
export function ageInDays(then: Date, now: Date): number {
  return Math.floor((now.getTime() - then.getTime()) / DAY_MS);
}

// --- policies ---------------------------------------------------------------------------------

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/**
 * A policy as it may arrive: the document object, JSON text, URL-encoded JSON (IAM), or an API
 * output wrapping it (`{ Policy: "..." }` from GetBucketPolicy / GetKeyPolicy, `{ policyText }` from ECR).
 */
export function readPolicy(value: unknown): { Statement: PolicyStatement[] } | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let doc: unknown;
  try {
    doc = decodePolicyDocument(value);
  } catch (err) {
    throw new CheckError(`policy is not valid JSON: ${(err as Error).message}`);
  }
  if (isObj(doc) && !('Statement' in doc)) {
    const inner = doc.Policy ?? doc.policyText ?? doc.PolicyText ?? doc.policy ?? doc.ResourcePolicy;
    if (inner !== undefined) return readPolicy(inner);
  }
  if (!isObj(doc)) throw new CheckError('policy is not a JSON object');
  const st = doc.Statement;
  const statements = Array.isArray(st) ? st : st === undefined ? [] : [st];
  return { Statement: statements.filter(isObj) as PolicyStatement[] };
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A principal of `*` (or `{AWS: "*"}`): anyone, in any account. */
export function hasWildcardPrincipal(st: PolicyStatement): boolean {
  const p = st.Principal;
  if (p === '*') return true;
  if (!isObj(p)) return false;
  return asList(p.AWS).some((v) => v === '*') || asList(p.CanonicalUser).some((v) => v === '*');
}

// Condition keys that pin a wildcard principal to an account, organization, network or source.
const PINNING_KEYS = new Set(
  [
    'aws:SourceAccount', 'aws:SourceOwner', 'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths',
    'aws:SourceOrgID', 'aws:SourceOrgPaths', 'aws:SourceArn', 'aws:PrincipalArn', 'aws:SourceVpc', 'aws:SourceVpce',
    'aws:SourceIp', 'aws:userid', 'kms:CallerAccount', 'sns:Endpoint', 'lambda:FunctionUrlAuthType',
  ].map((k) => k.toLowerCase()),
);

/** True when a condition restricts who the wildcard is (positive operator, no wildcard value). */
function pinnedByCondition(cond: PolicyStatement['Condition']): boolean {
  if (!isObj(cond)) return false;
  for (const [operator, block] of Object.entries(cond)) {
    if (/Not|IfExists/i.test(operator.replace(/^For(Any|All)Value:/, '')) || !isObj(block)) continue;
    for (const [key, value] of Object.entries(block)) {
      if (!PINNING_KEYS.has(key.toLowerCase())) continue;
      const values = asList(value).map(text);
      if (values.length === 0 || values.some((v) => v === '*' || v === '0.0.0.0/0' || v === '::/0')) continue;
      return true;
    }
  }
  return false;
}

/** The statements that let anyone in: Allow, wildcard principal, no pinning condition. */
export function publicStatements(policy: { Statement: PolicyStatement[] }): PolicyStatement[] {
  return policy.Statement.filter(
    (st) => text(st.Effect).toLowerCase() === 'allow' && hasWildcardPrincipal(st) && !pinnedByCondition(st.Condition),
  );
}

export function describeStatement(st: PolicyStatement, index: number): string {
  const actions = asList(st.Action).map(text).join(',');
  return `${st.Sid ? `statement "${st.Sid}"` : `statement #${index + 1}`} allows ${actions || '(any action)'} to Principal *`;
}
