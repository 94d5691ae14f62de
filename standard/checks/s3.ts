// S3 buckets and the account-level public access block.
// Inputs (AWS API response shapes; a collector may keep the operation's output wrapper or unwrap it):
//   configuration                                = ListBuckets `Buckets[]` entry { Name, CreationDate, BucketRegion }
//   supplementaryConfiguration.BucketPolicy       = GetBucketPolicy `Policy` (JSON text) or the whole output
//   supplementaryConfiguration.BucketAcl          = GetBucketAcl output { Owner, Grants[] }
//   supplementaryConfiguration.PublicAccessBlockConfiguration   = GetPublicAccessBlock output (wrapped or not)
//   supplementaryConfiguration.ServerSideEncryptionConfiguration = GetBucketEncryption output (wrapped or not)
//   AWS::S3::AccountPublicAccessBlock configuration = S3 Control GetPublicAccessBlock output (wrapped or not)
import type { ResourceRecord } from '../../core/schemas.js';
import { bucketAcl, bucketPublicAccessBlock as bucketPabOf, PAB_FLAGS, publicAccessBlock, type PabFlag } from '../../policy/s3.js';
import type { ResourceCheck, SweepCheck } from '../types.js';
import { notPublicResult, statementsFor } from './policies.js';
import { assertCollected, fail, firstOf, pass, supp } from './util.js';

const BUCKET = ['AWS::S3::Bucket'];
export const ACCOUNT_PUBLIC_ACCESS_BLOCK = 'AWS::S3::AccountPublicAccessBlock';
export { publicAccessBlock };

function pabVerdict(flags: Partial<Record<PabFlag, boolean>> | undefined, what: string) {
  if (!flags) return fail(`${what}: no public access block configured`);
  const off = PAB_FLAGS.filter((f) => flags[f] !== true);
  return off.length ? fail(`${what}: ${off.join(', ')} not enabled`) : pass(`${what}: all four public access block settings enabled`);
}

const bucketPab = (r: ResourceRecord) => bucketPabOf(supp(r));
const isAcl = (r: ResourceRecord) => {
  const path = bucketAcl(supp(r))?.path;
  return (s: { policy: string }) => s.policy === path;
};

export const bucketPolicyNotPublic: ResourceCheck = {
  id: 's3_bucket_policy_not_public',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.BucketPolicy, supplementaryConfiguration.PublicAccessBlockConfiguration, through the policy engine',
  networkRestrictedDefault: 'fail',
  evaluate(record, ctx) {
    assertCollected(record, 'GetBucketPolicy');
    const acl = isAcl(record);
    return notPublicResult(statementsFor(record, (s) => !acl(s)), 'bucket policy', ctx.networkRestricted ?? 'fail', 'bucket has no bucket policy');
  },
};

export const bucketAclNotPublic: ResourceCheck = {
  id: 's3_bucket_acl_not_public',
  scope: 'resource',
  resourceTypes: BUCKET,
  reads: 'supplementaryConfiguration.BucketAcl (GetBucketAcl Grants[]), through the policy engine',
  evaluate(record, ctx) {
    assertCollected(record, 'GetBucketAcl');
    if (!bucketAcl(supp(record))) return undefined;
    return notPublicResult(statementsFor(record, isAcl(record)), 'bucket ACL', ctx.networkRestricted ?? 'fail', 'bucket ACL has no grants');
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
