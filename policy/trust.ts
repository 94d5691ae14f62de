// Find every trust and resource policy a resource record carries, wherever the collector put it, ask the engine
// (engine.ts) for each statement's verdict, and turn the result into the record's enrichment: `trustedAccounts`,
// `public`, `publicVerdict`, `publicReason` and `policyStatements`. The standard's "not public" requirements read
// the same analysis (recordPolicyVerdict), so a record and its finding cannot disagree. Pure: the account list
// and the trusted-accounts register come in as arguments.
import { decodePolicyDocument } from './decode.js';
import type { PolicyStatementVerdict, PublicVerdict, ResourceRecord, TrustedAccount } from '../core/schemas.js';
import { analysePolicy, mostOpen, statementLabel, statementsOf, type AccountGrant, type PolicyVerdict } from './engine.js';
import { BoundedCache } from '../core/bounded-cache.js';
import { principalsOf, unionPrincipals, type PolicyPrincipals } from './principals.js';
import { aclStatements, bucketAcl, bucketPublicAccessBlock } from './s3.js';
import type { TrustRegister } from '../registers/trusted-accounts.js';
import { isRecord } from '../core/util.js';

export interface FoundPolicy {
  /** where in the record, e.g. `supplementaryConfiguration.BucketPolicy.policyText` */
  path: string;
  document: unknown;
}

/** Policy text that looks like a policy but cannot be read: the engine cannot decide, and says so. */
export interface UnreadablePolicy {
  path: string;
  reason: string;
}

const MAX_DEPTH = 10;
const MAX_NODES = 20_000;
/** statements kept on a record: enough for any real key or bucket policy, bounded for the index */
const MAX_STATEMENTS = 200;

/** A policy document by shape: a `Statement` whose entries carry an `Effect`. */
function looksLikePolicy(v: unknown): boolean {
  if (!isRecord(v) || !('Statement' in v)) return false;
  return statementsOf(v).some((s) => isRecord(s) && 'Effect' in s);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

type DecodedText = { document: unknown; analysis?: PolicyVerdict } | { error: string } | undefined;

/**
 * Policy texts seen before, with their decoded document and (once asked) the engine's analysis: the same trust or
 * resource policy recurs on many resources (a service role's trust policy, a vendor's), and decoding and analysing
 * it is most of a record's enrichment. Keyed by the text itself (the Map hashes it; equal text is an equal policy,
 * with no collision to fear), bounded in entries and in characters so a long-lived processor's memory stays flat.
 * The analysis is a pure function of the text, and the cached documents and analyses are never mutated.
 */
const policyTexts = new BoundedCache<string, DecodedText>({ maxEntries: 4096, maxWeight: 4_000_000, weight: (k) => k.length });

/** For tests: the policy text cache, to check that it is bounded and that a cached verdict equals a fresh one. */
export const policyTextCache = policyTexts;

/** Policy text as JSON or URL-encoded JSON (IAM): the document, an error when it looks like a policy but does not parse, or nothing. */
function decodeString(s: string): DecodedText {
  const t = s.trim();
  const plain = t.startsWith('{');
  if (!(plain || /^%7B/i.test(t))) return undefined;
  const hit = policyTexts.get(s);
  if (hit !== undefined) return hit;
  const decoded = decodeText(t, plain);
  policyTexts.set(s, decoded);
  return decoded;
}

function decodeText(t: string, plain: boolean): DecodedText {
  const once = plain ? t : safeDecode(t);
  // a document stored by an older collector may be URL-encoded twice
  if (!/"Statement"/.test(once) && !/"Statement"/.test(safeDecode(once))) return undefined;
  try {
    return { document: decodePolicyDocument(t) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The engine's analysis of a found policy; a policy that came as text is analysed once per distinct text. */
function analyseFound(p: ScannedPolicy): PolicyVerdict {
  if (!p.text) return analysePolicy(p.document);
  return (p.text.analysis ??= analysePolicy(p.document));
}

/** A found policy and, when it came as text, its cache entry. */
interface ScannedPolicy extends FoundPolicy {
  text?: { document: unknown; analysis?: PolicyVerdict };
}

/** Walk configuration and supplementaryConfiguration for policy documents: objects, JSON strings, URL-encoded strings. */
export function scanPolicies(record: Pick<ResourceRecord, 'configuration' | 'supplementaryConfiguration'>): { found: FoundPolicy[]; unreadable: UnreadablePolicy[] } {
  const { found, unreadable } = scan(record);
  return { found: found.map((p) => ({ path: p.path, document: p.document })), unreadable };
}

function scan(record: Pick<ResourceRecord, 'configuration' | 'supplementaryConfiguration'>): { found: ScannedPolicy[]; unreadable: UnreadablePolicy[] } {
  const state: ScanState = { found: [], unreadable: [], nodes: 0 };
  visit(state, record.configuration, 'configuration', 0);
  visit(state, record.supplementaryConfiguration ?? {}, 'supplementaryConfiguration', 0);
  return { found: state.found, unreadable: state.unreadable };
}

interface ScanState {
  found: ScannedPolicy[];
  unreadable: UnreadablePolicy[];
  nodes: number;
}

// a module-level walker, not a closure per scan: the scan runs for every record
function visit(state: ScanState, value: unknown, path: string, depth: number): void {
  if (++state.nodes > MAX_NODES || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    const decoded = decodeString(value);
    if (decoded && 'error' in decoded) state.unreadable.push({ path, reason: `policy is not valid JSON at ${path}: ${decoded.error}` });
    else if (decoded && looksLikePolicy(decoded.document)) state.found.push({ path, document: decoded.document, text: decoded });
    return;
  }
  if (looksLikePolicy(value)) {
    state.found.push({ path, document: value });
    return;
  }
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visit(state, value[i], `${path}[${i}]`, depth + 1);
  else if (isRecord(value)) for (const k of Object.keys(value)) visit(state, value[k], `${path}.${k}`, depth + 1);
}

export function findPolicies(record: Pick<ResourceRecord, 'configuration' | 'supplementaryConfiguration'>): FoundPolicy[] {
  return scanPolicies(record).found;
}

export type RecordStatement = PolicyStatementVerdict;

export interface RecordPolicyVerdict {
  verdict: PublicVerdict;
  reason: string;
  /** every statement with a principal (and every ACL grant), with the policy it belongs to */
  statements: RecordStatement[];
  /** what the policies let in, with how each account is let in */
  grants: { path: string; accounts: AccountGrant[] }[];
  principals: PolicyPrincipals;
}

/** The verdict of a set of record statements: the most open, with the statements that make it. */
export function summarise(statements: RecordStatement[]): { verdict: PublicVerdict; reason: string } {
  const verdict = mostOpen(statements.map((s) => s.verdict));
  const deciding = statements.filter((s) => s.verdict === verdict && verdict !== 'not-granted');
  const reason = deciding.length
    ? deciding.map((s) => `${s.policy} ${statementLabel({ sid: s.sid, index: s.statement })}: ${s.reason}`).join('; ')
    : statements.length
      ? 'no statement grants access outside named principals'
      : 'no resource policy';
  return { verdict, reason };
}

const BUCKET_POLICY = /^supplementaryConfiguration\.BucketPolicy\b/;

/**
 * Analyses by record content: the enrichment and each "not public" check of the same record (an enriched copy shares
 * its configuration objects) read one analysis instead of three. Records are not mutated once built.
 */
const analyses = new WeakMap<object, { supplementary: unknown; resourceType: string; result: RecordPolicyVerdict }>();

/** Everything a record's policies (and, for a bucket, its ACL and Block Public Access) grant, statement by statement. */
export function recordPolicyVerdict(record: Pick<ResourceRecord, 'resourceType' | 'configuration' | 'supplementaryConfiguration'>): RecordPolicyVerdict {
  const hit = analyses.get(record.configuration);
  if (hit && hit.supplementary === record.supplementaryConfiguration && hit.resourceType === record.resourceType) return hit.result;
  const result = analyseRecord(record);
  analyses.set(record.configuration, { supplementary: record.supplementaryConfiguration, resourceType: record.resourceType, result });
  return result;
}

function analyseRecord(record: Pick<ResourceRecord, 'resourceType' | 'configuration' | 'supplementaryConfiguration'>): RecordPolicyVerdict {
  const { found, unreadable } = scan(record);
  const statements: RecordStatement[] = [];
  const grants: RecordPolicyVerdict['grants'] = [];
  const parts: PolicyPrincipals[] = [];
  for (const p of found) {
    const analysis = analyseFound(p);
    const counted = analysis.statements.filter((s) => s.principals.length > 0 || s.verdict !== 'not-granted');
    const principals = principalsOf(counted);
    parts.push(principals);
    grants.push({ path: p.path, accounts: principals.accounts });
    for (const s of counted) {
      statements.push({
        policy: p.path, statement: s.index, sid: s.sid, verdict: s.verdict, reason: s.reason, principals: s.principals, actions: s.actions,
        accounts: [...new Set(s.accounts.map((a) => a.accountId))], organizations: s.organizations, networks: s.networks, condition: s.condition,
      });
    }
    if (analysis.statements.length === 0 && analysis.verdict === 'undecided') {
      statements.push({ policy: p.path, statement: 0, sid: null, verdict: 'undecided', reason: analysis.reason, principals: [], actions: [], accounts: [], organizations: [], networks: [], condition: null });
    }
  }
  for (const u of unreadable) {
    statements.push({ policy: u.path, statement: 0, sid: null, verdict: 'undecided', reason: u.reason, principals: [], actions: [], accounts: [], organizations: [], networks: [], condition: null });
  }
  if (record.resourceType === 'AWS::S3::Bucket') applyBucketControls(record.supplementaryConfiguration ?? {}, statements);
  const { verdict, reason } = summarise(statements);
  // one policy's principals are already their own union (sorted, without duplicates): no second merge
  const union = parts.length === 1 ? parts[0]! : unionPrincipals(parts);
  // Object.assign then stores, not a spread-then-extend literal (V8 builds those through fresh hidden classes): same keys, same order
  const principals = Object.assign({}, union);
  principals.verdict = verdict;
  principals.public = verdict === 'public';
  return { verdict, reason, statements, grants, principals };
}

/** The bucket ACL joins the statements; Block Public Access narrows what S3 itself will not honour. */
function applyBucketControls(supplementary: Record<string, unknown>, statements: RecordStatement[]): void {
  const pab = bucketPublicAccessBlock(supplementary);
  for (const s of statements) {
    if (pab?.RestrictPublicBuckets === true && BUCKET_POLICY.test(s.policy) && (s.verdict === 'public' || s.verdict === 'undecided')) {
      s.verdict = 'account-restricted';
      s.reason = `${s.reason}; RestrictPublicBuckets limits access to AWS services and the bucket owner's account`;
    }
  }
  const acl = bucketAcl(supplementary);
  if (!acl) return;
  for (const s of aclStatements(acl.path, acl.grants)) {
    if (pab?.IgnorePublicAcls === true && s.verdict === 'public') {
      s.verdict = 'not-granted';
      s.reason = `${s.reason}, but IgnorePublicAcls makes S3 ignore it`;
    }
    statements.push(s);
  }
}

export interface TrustContext {
  /** every account in the payers' organizations, with its name (the account list itself serves) */
  orgAccounts: ReadonlyMap<string, { name: string | null }>;
  register: TrustRegister;
}

export interface RecordTrust {
  trustedAccounts: TrustedAccount[];
  /** true when public, false when decided otherwise, undefined while undecided */
  public: boolean | undefined;
  verdict: PublicVerdict;
  reason: string;
  statements: RecordStatement[];
  principals: PolicyPrincipals;
}

export function classifyAccount(accountId: string, ctx: TrustContext): Pick<TrustedAccount, 'classification' | 'name' | 'approved'> {
  if (ctx.orgAccounts.has(accountId)) return { classification: 'org', name: ctx.orgAccounts.get(accountId)?.name ?? null, approved: null };
  const known = ctx.register.get(accountId);
  if (known) return { classification: 'known', name: known.name, approved: known.approved };
  return { classification: 'unknown', name: null, approved: null };
}

export const publicFlag = (verdict: PublicVerdict): boolean | undefined => (verdict === 'undecided' ? undefined : verdict === 'public');

/** The outside accounts a resource's policies let in (its own account excluded), and the resource's verdict. */
export function recordTrust(record: ResourceRecord, ctx: TrustContext): RecordTrust {
  const analysis = recordPolicyVerdict(record);
  const trusted = new Map<string, TrustedAccount>();
  for (const { path, accounts } of analysis.grants) {
    for (const grant of accounts) {
      if (grant.accountId === record.awsAccountId) continue;
      const key = `${grant.accountId}|${path}|${grant.via}`;
      if (!trusted.has(key)) trusted.set(key, { accountId: grant.accountId, ...classifyAccount(grant.accountId, ctx), policy: path, via: grant.via });
    }
  }
  const trustedAccounts = [...trusted.values()].sort(
    (a, b) => a.accountId.localeCompare(b.accountId) || a.policy.localeCompare(b.policy) || a.via.localeCompare(b.via),
  );
  return { trustedAccounts, public: publicFlag(analysis.verdict), verdict: analysis.verdict, reason: analysis.reason, statements: analysis.statements, principals: analysis.principals };
}

/** Why a record's policy at `policy` lets `accountId` in: the granting statements' verdict and reasons (the trust map shows them). */
export function grantReason(statements: RecordStatement[] | undefined, policy: string, accountId: string): { verdict: PublicVerdict; reason: string } | undefined {
  const granting = (statements ?? []).filter((s) => s.policy === policy && s.verdict !== 'not-granted' && s.accounts.includes(accountId));
  return granting.length ? summarise(granting) : undefined;
}

/** The record with its trust enrichment: what the processors and `census check` both attach. */
export function withTrust<R extends ResourceRecord>(record: R, ctx: TrustContext): R {
  const trust = trustFields(record, ctx);
  const out: R = {
    ...record,
    trustedAccounts: trust.trustedAccounts,
    publicVerdict: trust.publicVerdict,
    publicReason: trust.publicReason,
    policyStatements: trust.policyStatements,
  };
  if (trust.public === undefined) delete out.public;
  else out.public = trust.public;
  return out;
}

/** The enrichment fields withTrust sets (`public` absent while undecided), for a caller that builds the record once. */
export function trustFields(record: ResourceRecord, ctx: TrustContext): Required<Pick<ResourceRecord, 'trustedAccounts' | 'publicVerdict' | 'publicReason' | 'policyStatements'>> & { public: boolean | undefined } {
  const trust = recordTrust(record, ctx);
  return { trustedAccounts: trust.trustedAccounts, publicVerdict: trust.verdict, publicReason: trust.reason, policyStatements: trust.statements.slice(0, MAX_STATEMENTS), public: trust.public };
}
