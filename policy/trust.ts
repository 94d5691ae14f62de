// Find every trust and resource policy a resource record carries, wherever the collector put it, and
// turn the accounts they let in into the record's `trustedAccounts`. Pure: the account list and the
// trusted-accounts register come in as arguments.
import { decodePolicyDocument } from './decode.js';
import type { ResourceRecord, TrustedAccount } from '../core/schemas.js';
import { policyPrincipals, statementsOf, unionPrincipals, type PolicyPrincipals } from './principals.js';
import type { TrustRegister } from '../registers/trusted-accounts.js';

export interface FoundPolicy {
  /** where in the record, e.g. `supplementaryConfiguration.BucketPolicy.policyText` */
  path: string;
  document: unknown;
}

const MAX_DEPTH = 10;
const MAX_NODES = 20_000;

import { isRecord } from '../core/util.js';

/** A policy document by shape: a `Statement` whose entries carry an `Effect`. */
function looksLikePolicy(v: unknown): boolean {
  if (!isRecord(v) || !('Statement' in v)) return false;
  return statementsOf(v).some((s) => isRecord(s) && 'Effect' in s);
}

/** Policy text as JSON or URL-encoded JSON (IAM); undefined when the string is anything else. */
function decodeString(s: string): unknown {
  const t = s.trim();
  if (!(t.startsWith('{') || t.startsWith('%7B') || t.startsWith('%7b')) || !/Statement/.test(t.startsWith('{') ? t : safeDecode(t))) return undefined;
  try {
    return decodePolicyDocument(t);
  } catch {
    return undefined;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

/** Walk configuration and supplementaryConfiguration for policy documents: objects, JSON strings, URL-encoded strings. */
export function findPolicies(record: Pick<ResourceRecord, 'configuration' | 'supplementaryConfiguration'>): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  let nodes = 0;
  const visit = (value: unknown, path: string, depth: number) => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      const decoded = decodeString(value);
      if (decoded !== undefined && looksLikePolicy(decoded)) found.push({ path, document: decoded });
      return;
    }
    if (looksLikePolicy(value)) {
      found.push({ path, document: value });
      return;
    }
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}[${i}]`, depth + 1));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) visit(v, `${path}.${k}`, depth + 1);
  };
  visit(record.configuration, 'configuration', 0);
  visit(record.supplementaryConfiguration ?? {}, 'supplementaryConfiguration', 0);
  return found;
}

export interface TrustContext {
  /** every account in the payers' organizations, with its name (the account list itself serves) */
  orgAccounts: ReadonlyMap<string, { name: string | null }>;
  register: TrustRegister;
}

export interface RecordTrust {
  trustedAccounts: TrustedAccount[];
  public: boolean;
  principals: PolicyPrincipals;
}

export function classifyAccount(accountId: string, ctx: TrustContext): Pick<TrustedAccount, 'classification' | 'name' | 'approved'> {
  if (ctx.orgAccounts.has(accountId)) return { classification: 'org', name: ctx.orgAccounts.get(accountId)?.name ?? null, approved: null };
  const known = ctx.register.get(accountId);
  if (known) return { classification: 'known', name: known.name, approved: known.approved };
  return { classification: 'unknown', name: null, approved: null };
}

/** The outside accounts a resource's policies let in (its own account excluded), and whether any policy is public. */
export function recordTrust(record: ResourceRecord, ctx: TrustContext): RecordTrust {
  const policies = findPolicies(record);
  const trusted = new Map<string, TrustedAccount>();
  const perPolicy = policies.map((p) => ({ path: p.path, principals: policyPrincipals(p.document) }));
  for (const { path, principals } of perPolicy) {
    for (const grant of principals.accounts) {
      if (grant.accountId === record.awsAccountId) continue;
      const key = `${grant.accountId}|${path}|${grant.via}`;
      if (!trusted.has(key)) trusted.set(key, { accountId: grant.accountId, ...classifyAccount(grant.accountId, ctx), policy: path, via: grant.via });
    }
  }
  const principals = unionPrincipals(perPolicy.map((p) => p.principals));
  const trustedAccounts = [...trusted.values()].sort(
    (a, b) => a.accountId.localeCompare(b.accountId) || a.policy.localeCompare(b.policy) || a.via.localeCompare(b.via),
  );
  return { trustedAccounts, public: principals.public, principals };
}
