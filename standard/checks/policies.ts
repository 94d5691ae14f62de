// Resource policies and trust policies: public grants and trusted external accounts. What "public" means is
// decided in one place, the policy engine (policy/engine.ts via policy/trust.ts recordPolicyVerdict); the
// enrichment that sets a record's `public` and `publicVerdict` reads the same analysis, so they cannot disagree.
// Where each resource type keeps its policy (AWS API response shapes):
//   AWS::S3::Bucket            supplementaryConfiguration.BucketPolicy       (GetBucketPolicy `Policy`)
//   AWS::SQS::Queue            configuration.Policy | configuration.Attributes.Policy (GetQueueAttributes)
//   AWS::SNS::Topic            configuration.Policy | configuration.Attributes.Policy (GetTopicAttributes)
//   AWS::ECR::Repository       supplementaryConfiguration.RepositoryPolicy   (GetRepositoryPolicy `policyText`)
//   AWS::Lambda::Function      supplementaryConfiguration.Policy             (GetPolicy `Policy`)
//   AWS::SecretsManager::Secret supplementaryConfiguration.ResourcePolicy    (GetResourcePolicy `ResourcePolicy`)
//   AWS::KMS::Key              supplementaryConfiguration.KeyPolicy          (GetKeyPolicy `Policy`)
//   AWS::Backup::BackupVault   supplementaryConfiguration.AccessPolicy       (GetBackupVaultAccessPolicy `Policy`)
//   AWS::OpenSearchService::Domain (and AWS::OpenSearch::Domain, AWS::Elasticsearch::Domain)
//                              configuration.AccessPolicies                  (DescribeDomain `DomainStatus`)
// Trusted external accounts come from the processors' enrichment (`record.trustedAccounts`).
import type { ResourceRecord } from '../../core/schemas.js';
import { statementLabel } from '../../policy/engine.js';
import { recordPolicyVerdict, summarise, type RecordStatement } from '../../policy/trust.js';
import type { CheckResult, NetworkRestricted, ResourceCheck } from '../types.js';
import { assertCollected, CheckError, fail, pass } from './util.js';

/** The API call whose failure makes an absent policy unknown rather than absent, per resource type. */
export const POLICY_CALLS: Record<string, string> = {
  'AWS::S3::Bucket': 'GetBucketPolicy',
  'AWS::SQS::Queue': 'GetQueueAttributes',
  'AWS::SNS::Topic': 'GetTopicAttributes',
  'AWS::ECR::Repository': 'GetRepositoryPolicy',
  'AWS::Lambda::Function': 'GetPolicy',
  'AWS::SecretsManager::Secret': 'GetResourcePolicy',
  'AWS::KMS::Key': 'GetKeyPolicy',
  'AWS::Backup::BackupVault': 'GetBackupVaultAccessPolicy',
  'AWS::OpenSearchService::Domain': 'DescribeDomain',
  'AWS::OpenSearch::Domain': 'DescribeDomain',
  'AWS::Elasticsearch::Domain': 'DescribeDomain',
};

/** One statement for evidence: where, which, what it allows to whom, and the engine's reason. */
export function describeStatement(s: RecordStatement): string {
  const actions = s.actions.join(',') || '(any action)';
  const who = s.principals.length ? s.principals.join(', ') : '(no principal)';
  return `${s.policy} ${statementLabel({ sid: s.sid, index: s.statement })} allows ${actions} to Principal ${who} (${s.verdict}: ${s.reason})`;
}

/** The statements of a record a requirement judges (all policies, or a selection such as the bucket ACL). */
export function statementsFor(record: ResourceRecord, select: (s: RecordStatement) => boolean = () => true): RecordStatement[] {
  return recordPolicyVerdict(record).statements.filter(select);
}

/** The public statements of a record's policies, described for evidence. */
export function publicGrants(record: ResourceRecord): string[] {
  return statementsFor(record)
    .filter((s) => s.verdict === 'public')
    .map(describeStatement);
}

/**
 * The one rule from verdict to finding: public fails, undecided is not evaluated (never a PASS), network-restricted
 * follows the requirement's `networkRestricted` setting, anything narrower passes.
 */
export function notPublicResult(statements: RecordStatement[], what: string, networkRestricted: NetworkRestricted, none: string): CheckResult {
  if (statements.length === 0) return pass(none);
  const { verdict } = summarise(statements);
  const deciding = statements.filter((s) => s.verdict === verdict);
  const text = deciding.map(describeStatement).join('; ');
  switch (verdict) {
    case 'public':
      return fail(`${what} is public: ${text}`);
    case 'undecided':
      throw new CheckError(deciding.map((s) => (s.principals.length ? `${s.reason} (${s.policy} ${statementLabel({ sid: s.sid, index: s.statement })})` : s.reason)).join('; '));
    case 'network-restricted': {
      const evidence = `${what} is network-restricted (only a source IP, VPC or VPC endpoint condition pins the caller): ${text}`;
      if (networkRestricted === 'fail') return fail(evidence);
      return networkRestricted === 'warn' ? { status: 'PASS', evidence, warning: true } : pass(evidence);
    }
    default: {
      // what a Deny, a condition no caller matches or S3 Block Public Access took away, so the PASS says why
      const voided = verdict === 'not-granted' ? [] : statements.filter((s) => s.verdict === 'not-granted' && s.principals.length).slice(0, 3);
      const extra = voided.length ? `; not granted: ${voided.map(describeStatement).join('; ')}` : '';
      return pass(`${what} is ${verdict}: ${deciding.map(describeStatement).join('; ') || 'no statement grants access to another principal'}${extra}`);
    }
  }
}

export const resourcePolicyNotPublic: ResourceCheck = {
  id: 'resource_policy_not_public',
  scope: 'resource',
  resourceTypes: Object.keys(POLICY_CALLS),
  reads: 'every policy on the record (see the list above), through the policy engine',
  networkRestrictedDefault: 'warn',
  evaluate(record, ctx) {
    assertCollected(record, POLICY_CALLS[record.resourceType]!);
    return notPublicResult(statementsFor(record), 'resource policy', ctx.networkRestricted ?? 'warn', 'no resource policy');
  },
};

export const TRUST_POLICY_TYPES = ['AWS::IAM::Role', ...Object.keys(POLICY_CALLS)];

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
