// S3 buckets and the account-level public access block.
// Inputs (AWS API response shapes; a collector may keep the operation's output wrapper or unwrap it):
//   configuration                                = ListBuckets `Buckets[]` entry { Name, CreationDate, BucketRegion }
//   supplementaryConfiguration.BucketPolicy       = GetBucketPolicy `Policy` (JSON text) or the whole output
//   supplementaryConfiguration.BucketAcl          = GetBucketAcl output { Owner, Grants[] }
//   supplementaryConfiguration.PublicAccessBlockConfiguration   = GetPublicAccessBlock output (wrapped or not)
//   supplementaryConfiguration.ServerSideEncryptionConfiguration = GetBucketEncryption output (wrapped or not)
//   AWS::S3::AccountPublicAccessBlock configuration = S3 Control GetPublicAccessBlock output (wrapped or not)
import type { ResourceRecord } from '../../core/schemas.js';
import type { ResourceCheck, SweepCheck } from '../types.js';
import { assertCollected, asBool, describeStatement, fail, firstOf, isObj, pass, publicStatements, readPolicy, supp, text } from './util.js';

const BUCKET = ['AWS::S3::Bucket'];
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = 'AWS::S3::AccountPublicAccessBlock';
const PAB_FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
type PabFlag = (typeof PAB_FLAGS)[number];

/** The four block-public-access flags, from a wrapped or unwrapped GetPublicAccessBlock output. */
export function publicAccessBlock(value: unknown): Partial<Record<PabFlag, boolean>> | undefined {
  const inner = isObj(value) && isObj(value.PublicAccessBlockConfiguration) ? value.PublicAccessBlockConfiguration : value;
  if (!isObj(inner)) return undefined;
  // AWS Config spells the flags in camelCase, the S3 API in PascalCase
  const flag = (f: PabFlag) => asBool(inner[f] ?? inner[f[0]!.toLowerCase() + f.slice(1)]);
  const flags = Object.fromEntries(PAB_FLAGS.map((f) => [f, flag(f)]).filter(([, v]) => v !== undefined));
  return Object.keys(flags).length ? flags : undefined;
}

function pabVerdict(flags: Partial<Record<PabFlag, boolean>> | undefined, what: string) {
  if (!flags) return fail(`${what}: no public access block configured`);
  const off = PAB_FLAGS.filter((f) => flags[f] !== true);
  return off.length ? fail(`${what}: ${off.join(', ')} not enabled`) : pass(`${what}: all four public access block settings enabled`);
}

const bucketPab = (r: ResourceRecord) => publicAccessBlock(supp(r).PublicAccessBlockConfiguration ?? supp(r).PublicAccessBlock);

export const bucketPolicyNotPublic: ResourceCheck = {
  id: 's3_bucket_policy_not_public',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.BucketPolicy, supplementaryConfiguration.PublicAccessBlockConfiguration',
  evaluate(record) {
    assertCollected(record, 'GetBucketPolicy');
    const policy = readPolicy(supp(record).BucketPolicy);
    if (!policy) return pass('bucket has no bucket policy');
    const open = policy.Statement.map((st, i) => ({ st, i })).filter(({ st }) => publicStatements({ Statement: [st] }).length);
    if (open.length === 0) return pass('bucket policy grants nothing to an unrestricted wildcard principal');
    const what = open.map(({ st, i }) => describeStatement(st, i)).join('; ');
    if (bucketPab(record)?.RestrictPublicBuckets === true) return pass(`${what}, but RestrictPublicBuckets blocks public access`);
    return fail(`bucket policy ${what} without a restricting condition`);
  },
};

const PUBLIC_GROUPS: Record<string, string> = {
  'http://acs.amazonaws.com/groups/global/AllUsers': 'AllUsers (everyone)',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers': 'AuthenticatedUsers (any AWS account)',
};

export const bucketAclNotPublic: ResourceCheck = {
  id: 's3_bucket_acl_not_public',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.BucketAcl (GetBucketAcl Grants[])',
  evaluate(record) {
    assertCollected(record, 'GetBucketAcl');
    const acl = supp(record).BucketAcl ?? supp(record).AccessControlList;
    if (acl === undefined) return undefined;
    const grants = firstOf(acl, ['Grants', 'grantList']);
    const open = (Array.isArray(grants) ? grants : []).filter(isObj).flatMap((g) => {
      const uri = firstOf(g, ['Grantee.URI', 'grantee']);
      return typeof uri === 'string' && PUBLIC_GROUPS[uri] ? [`${text(g.Permission ?? g.permission)} to ${PUBLIC_GROUPS[uri]}`] : [];
    });
    if (open.length === 0) return pass('bucket ACL grants nothing to AllUsers or AuthenticatedUsers');
    if (bucketPab(record)?.IgnorePublicAcls === true) return pass(`bucket ACL grants ${open.join(', ')}, but IgnorePublicAcls neutralizes it`);
    return fail(`bucket ACL grants ${open.join(', ')}`);
  },
};

export const bucketPublicAccessBlock: ResourceCheck = {
  id: 's3_bucket_public_access_block',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.PublicAccessBlockConfiguration (GetPublicAccessBlock)',
  evaluate(record) {
    assertCollected(record, 'GetPublicAccessBlock');
    return pabVerdict(bucketPab(record), 'bucket');
  },
};

export const bucketDefaultEncryption: ResourceCheck = {
  id: 's3_bucket_default_encryption',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.ServerSideEncryptionConfiguration (GetBucketEncryption)',
  evaluate(record) {
    assertCollected(record, 'GetBucketEncryption');
    const sse = supp(record).ServerSideEncryptionConfiguration;
    const rules = firstOf(sse, ['ServerSideEncryptionConfiguration.Rules', 'Rules', 'rules']);
    const algorithms = (Array.isArray(rules) ? rules : [])
      .map((r) => firstOf(r, ['ApplyServerSideEncryptionByDefault.SSEAlgorithm', 'applyServerSideEncryptionByDefault.sseAlgorithm']))
      .filter((a): a is string => typeof a === 'string');
    return algorithms.length ? pass(`default encryption ${algorithms.join(', ')}`) : fail('no default server-side encryption rule');
  },
};

export const accountPublicAccessBlock: SweepCheck = {
  id: 's3_account_public_access_block',
  scope: 'sweep',
  level: 'account',
  resourceTypes: [ACCOUNT_PUBLIC_ACCESS_BLOCK],
  reads: `${ACCOUNT_PUBLIC_ACCESS_BLOCK} configuration (S3 Control GetPublicAccessBlock)`,
  evaluate(scope) {
    const record = scope.resources.find((r) => r.resourceType === ACCOUNT_PUBLIC_ACCESS_BLOCK);
    const verdict = pabVerdict(record ? publicAccessBlock(record.configuration) : undefined, `account ${scope.accountId}`);
    return [{ ...verdict, region: 'global' }];
  },
};

export const s3Checks = [bucketPolicyNotPublic, bucketAclNotPublic, bucketPublicAccessBlock, bucketDefaultEncryption, accountPublicAccessBlock];
