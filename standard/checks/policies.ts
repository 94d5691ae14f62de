// Resource policies and trust policies: public grants and trusted external accounts.
// Where each resource type keeps its policy (AWS API response shapes):
//   AWS::S3::Bucket            supplementaryConfiguration.BucketPolicy       (GetBucketPolicy `Policy`)
//   AWS::SQS::Queue            configuration.Policy | configuration.Attributes.Policy (GetQueueAttributes)
//   AWS::SNS::Topic            configuration.Policy | configuration.Attributes.Policy (GetTopicAttributes)
//   AWS::ECR::Repository       supplementaryConfiguration.RepositoryPolicy   (GetRepositoryPolicy `policyText`)
//   AWS::Lambda::Function      supplementaryConfiguration.Policy             (GetPolicy `Policy`)
//   AWS::SecretsManager::Secret supplementaryConfiguration.ResourcePolicy    (GetResourcePolicy `ResourcePolicy`)
//   AWS::KMS::Key              supplementaryConfiguration.KeyPolicy          (GetKeyPolicy `Policy`)
//   AWS::OpenSearchService::Domain (and AWS::OpenSearch::Domain, AWS::Elasticsearch::Domain)
//                              configuration.AccessPolicies                  (DescribeDomain `DomainStatus`)
// Trusted external accounts come from the processors' enrichment (`record.trustedAccounts`).
import type { ResourceRecord } from '../../core/schemas.js';
import type { ResourceCheck } from '../types.js';
import { assertCollected, describeStatement, fail, firstOf, pass, publicStatements, readPolicy } from './util.js';

interface PolicyLocation {
  paths: string[];
  /** the API call whose failure makes an absent policy unknown rather than absent */
  call: string;
}

const OPENSEARCH: PolicyLocation = { paths: ['configuration.AccessPolicies', 'configuration.DomainStatus.AccessPolicies'], call: 'DescribeDomain' };

export const POLICY_LOCATIONS: Record<string, PolicyLocation> = {
  'AWS::S3::Bucket': { paths: ['supplementaryConfiguration.BucketPolicy'], call: 'GetBucketPolicy' },
  'AWS::SQS::Queue': {
    paths: ['configuration.Policy', 'configuration.Attributes.Policy', 'supplementaryConfiguration.Policy'],
    call: 'GetQueueAttributes',
  },
  'AWS::SNS::Topic': {
    paths: ['configuration.Policy', 'configuration.Attributes.Policy', 'supplementaryConfiguration.Policy'],
    call: 'GetTopicAttributes',
  },
  'AWS::ECR::Repository': { paths: ['supplementaryConfiguration.RepositoryPolicy', 'supplementaryConfiguration.policyText'], call: 'GetRepositoryPolicy' },
  'AWS::Lambda::Function': { paths: ['supplementaryConfiguration.Policy'], call: 'GetPolicy' },
  'AWS::SecretsManager::Secret': { paths: ['supplementaryConfiguration.ResourcePolicy'], call: 'GetResourcePolicy' },
  'AWS::KMS::Key': { paths: ['supplementaryConfiguration.KeyPolicy', 'supplementaryConfiguration.Policy'], call: 'GetKeyPolicy' },
  'AWS::OpenSearchService::Domain': OPENSEARCH,
  'AWS::OpenSearch::Domain': OPENSEARCH,
  'AWS::Elasticsearch::Domain': { ...OPENSEARCH, paths: [...OPENSEARCH.paths, 'configuration.ElasticsearchDomainStatus.AccessPolicies'] },
};

/** The statements of a record's resource policy that let anyone in, described for evidence. */
export function publicGrants(record: ResourceRecord): { hasPolicy: boolean; grants: string[] } {
  const where = POLICY_LOCATIONS[record.resourceType];
  if (!where) return { hasPolicy: false, grants: [] };
  assertCollected(record, where.call);
  const policy = readPolicy(firstOf(record, where.paths));
  if (!policy) return { hasPolicy: false, grants: [] };
  const open = new Set(publicStatements(policy));
  return { hasPolicy: true, grants: policy.Statement.flatMap((st, i) => (open.has(st) ? [describeStatement(st, i)] : [])) };
}

export const resourcePolicyNotPublic: ResourceCheck = {
  id: 'resource_policy_not_public',
  scope: 'resource',
  resourceTypes: Object.keys(POLICY_LOCATIONS),
  reads: 'the resource policy of each type (see POLICY_LOCATIONS)',
  evaluate(record) {
    const { hasPolicy, grants } = publicGrants(record);
    if (!hasPolicy) return pass('no resource policy');
    return grants.length ? fail(`resource policy ${grants.join('; ')} without a restricting condition`) : pass('resource policy grants nothing to an unrestricted wildcard principal');
  },
};

export const TRUST_POLICY_TYPES = ['AWS::IAM::Role', ...Object.keys(POLICY_LOCATIONS)];

export const trustsNoUnknownAccount: ResourceCheck = {
  id: 'trusts_no_unknown_account',
  scope: 'resource',
  resourceTypes: TRUST_POLICY_TYPES,
  reads: 'record.trustedAccounts (processor enrichment of trust and resource policies)',
  evaluate(record) {
    // not enriched: the trust map was not computed for this record, so nothing can be said
    if (record.trustedAccounts === undefined) return undefined;
    const bad = record.trustedAccounts.filter((t) => t.classification === 'unknown' || (t.classification === 'known' && t.approved === false));
    if (bad.length === 0) {
      const n = record.trustedAccounts.length;
      return pass(n ? `trusts only organization or known accounts (${n})` : 'trusts no external account');
    }
    return fail(
      bad
        .map((t) => `${t.classification === 'unknown' ? 'unknown' : 'unapproved known'} account ${t.accountId}${t.name ? ` (${t.name})` : ''} via ${t.via} in ${t.policy}`)
        .join('; '),
    );
  },
};

export const policyChecks = [resourcePolicyNotPublic, trustsNoUnknownAccount];
