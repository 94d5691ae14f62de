// The S3 paths to "public" that are not policy statements: the bucket ACL and Block Public Access. They feed the
// same per-statement verdicts as policies (policy/engine.ts), so a bucket has one verdict whatever made it public.
import { isRecord } from '../core/util.js';
import type { PolicyStatementVerdict as RecordStatement } from '../core/schemas.js';

const PAB_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
export type PabFlag = (typeof PAB_FLAGS)[number];
export { PAB_FLAGS };

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  return undefined;
}

/** The four block-public-access flags, from a wrapped or unwrapped GetPublicAccessBlock output. */
export function publicAccessBlock(value: unknown): Partial<Record<PabFlag, boolean>> | undefined {
  const inner = isRecord(value) && isRecord(value.PublicAccessBlockConfiguration) ? value.PublicAccessBlockConfiguration : value;
  if (!isRecord(inner)) return undefined;
  // AWS Config spells the flags in camelCase, the S3 API in PascalCase
  const flag = (f: PabFlag) => asBool(inner[f] ?? inner[f[0]!.toLowerCase() + f.slice(1)]);
  const flags = Object.fromEntries(PAB_FLAGS.map((f) => [f, flag(f)]).filter(([, v]) => v !== undefined));
  return Object.keys(flags).length ? flags : undefined;
}

/** The bucket's own Block Public Access flags, wherever the collector put them. */
export function bucketPublicAccessBlock(supplementary: Record<string, unknown>): Partial<Record<PabFlag, boolean>> | undefined {
  return publicAccessBlock(supplementary.PublicAccessBlockConfiguration ?? supplementary.PublicAccessBlock);
}

export const PUBLIC_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'AllUsers (everyone)',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'AuthenticatedUsers (any AWS account)',
};

/** Where a bucket's ACL lives on a record, and its grants. */
export function bucketAcl(supplementary: Record<string, unknown>): { path: string; grants: unknown[] } | undefined {
  const key = supplementary.BucketAcl !== undefined ? 'BucketAcl' : supplementary.AccessControlList !== undefined ? 'AccessControlList' : undefined;
  if (!key) return undefined;
  const acl = supplementary[key];
  const grants = isRecord(acl) ? (acl.Grants ?? acl.grantList) : undefined;
  return { path: `supplementaryConfiguration.${key}`, grants: Array.isArray(grants) ? grants : [] };
}

/** One verdict per ACL grant: the AllUsers and AuthenticatedUsers groups are public, anyone else is a named grantee. */
export function aclStatements(path: string, grants: unknown[]): RecordStatement[] {
  return grants.map((g, i): RecordStatement => {
    const grant = isRecord(g) ? g : {};
    const grantee = isRecord(grant.Grantee) ? grant.Grantee : {};
    const uri = typeof grantee.URI === 'string' ? grantee.URI : typeof grant.grantee === 'string' ? grant.grantee : undefined;
    const permission = String(grant.Permission ?? grant.permission ?? '');
    const who = uri ?? (typeof grantee.ID === 'string' ? `CanonicalUser:${grantee.ID}` : typeof grantee.EmailAddress === 'string' ? `Email:${grantee.EmailAddress}` : JSON.stringify(grantee));
    const group = uri ? PUBLIC_GROUPS[uri] : undefined;
    const base = { policy: path, statement: i, sid: null, principals: [who], actions: [permission], accounts: [], organizations: [], networks: [], condition: null };
    if (group) return { ...base, verdict: 'public', reason: `ACL grants ${permission} to ${group}` };
    if (uri) return { ...base, verdict: 'service-restricted', reason: `ACL grants ${permission} to the group ${uri}` };
    return { ...base, verdict: 'account-restricted', reason: `ACL grants ${permission} to the grantee ${who}` };
  });
}
