import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../core/schemas.js';
import { findPolicies, recordTrust, withTrust } from '../../policy/trust.js';
import { trustUpdateOf } from '../../opensearch/trusted-accounts.js';
import { loadTrustRegister, parseTrustRegister } from '../../registers/trusted-accounts.js';
import { KNOWN_AWS_ACCOUNTS_PATH } from '../../data/index.js';
import { resourceRecord } from '../records.js';

const OWN = '111111111111';
const ORG = '222222222222';
const VENDOR = '999999999999';
const STRANGER = '555555555555';
const DATADOG = '464622532012';
const fixture = (name: string) => new URL(`../fixtures/processors/${name}`, import.meta.url).pathname;
// the fwd:cloudsec list vendored in the repository (data/known-aws-accounts)
const knownAwsAccounts = KNOWN_AWS_ACCOUNTS_PATH;

const resource = (partial: Partial<ResourceRecord>): ResourceRecord => resourceRecord({ awsAccountId: OWN, collector: 'test', ...partial });

describe('policies in records', () => {
  it('finds policies as objects, JSON strings and URL-encoded strings, wherever the collector put them', () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${VENDOR}:root` }, Action: 'sts:AssumeRole' }] };
    const record = resource({
      resourceType: 'AWS::IAM::Role',
      configuration: {
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
        RolePolicyList: [{ PolicyName: 'inline', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }],
      },
      supplementaryConfiguration: { BucketPolicy: { policyText: JSON.stringify({ Statement: { Effect: 'Allow', Principal: '*', Action: 's3:GetObject' } }) } },
    });
    expect(findPolicies(record).map((p) => p.path)).toEqual([
      'configuration.AssumeRolePolicyDocument',
      'configuration.RolePolicyList[0].PolicyDocument',
      'supplementaryConfiguration.BucketPolicy.policyText',
    ]);
  });

  it('classifies org, known and unknown accounts, skips the own account and flags public', async () => {
    const { register } = await loadTrustRegister([knownAwsAccounts, fixture('trusted-accounts.csv')]);
    const record = resource({
      supplementaryConfiguration: {
        BucketPolicy: {
          Statement: [
            { Effect: 'Allow', Principal: { AWS: [OWN, ORG, VENDOR, `arn:aws:iam::${DATADOG}:root`] }, Action: 's3:*' },
            { Effect: 'Allow', Principal: '*', Condition: { StringEquals: { 'aws:SourceAccount': STRANGER } } },
          ],
        },
      },
    });
    const trust = recordTrust(record, { orgAccounts: new Map([[OWN, { name: 'own' }], [ORG, { name: 'shared-services' }]]), register });
    expect(trust.public).toBe(false);
    const policy = 'supplementaryConfiguration.BucketPolicy';
    expect(trust.trustedAccounts).toEqual([
      { accountId: ORG, classification: 'org', name: 'shared-services', approved: null, policy, via: 'principal' },
      { accountId: DATADOG, classification: 'known', name: 'Datadog', approved: null, policy, via: 'principal' },
      { accountId: STRANGER, classification: 'unknown', name: null, approved: null, policy, via: 'condition' },
      { accountId: VENDOR, classification: 'known', name: 'Acme Backup', approved: true, policy, via: 'principal' },
    ]);
  });

  it('reads the resource policies of every service the collectors carry, in the shapes their APIs return', () => {
    const grant = (account: string) => ({ Version: '2012-10-17', Statement: [{ Sid: 's', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: '*', Resource: '*' }] });
    const cases: [string, Partial<ResourceRecord>][] = [
      ['AWS::IAM::Role', { configuration: { AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(grant(VENDOR))) } }],
      ['AWS::S3::Bucket', { supplementaryConfiguration: { BucketPolicy: { policyText: JSON.stringify(grant(VENDOR)) } } }],
      ['AWS::KMS::Key', { supplementaryConfiguration: { KeyPolicy: JSON.stringify(grant(VENDOR)) } }],
      ['AWS::SQS::Queue', { configuration: { Attributes: { Policy: JSON.stringify(grant(VENDOR)) } } }],
      ['AWS::SNS::Topic', { configuration: { Attributes: { Policy: JSON.stringify(grant(VENDOR)) } } }],
      ['AWS::ECR::Repository', { supplementaryConfiguration: { RepositoryPolicy: { repositoryPolicyText: JSON.stringify(grant(VENDOR)) } } }],
      ['AWS::Lambda::Function', { supplementaryConfiguration: { Policy: { Policy: JSON.stringify(grant(VENDOR)), RevisionId: 'r' } } }],
      ['AWS::SecretsManager::Secret', { supplementaryConfiguration: { ResourcePolicy: JSON.stringify(grant(VENDOR)) } }],
      ['AWS::OpenSearchService::Domain', { configuration: { DomainConfig: { AccessPolicies: { Options: JSON.stringify(grant(VENDOR)) } } } }],
    ];
    for (const [resourceType, partial] of cases) {
      const trust = recordTrust(resource({ resourceType, ...partial }), { orgAccounts: new Map(), register: new Map() });
      expect(trust.trustedAccounts.map((t) => t.accountId), resourceType).toEqual([VENDOR]);
    }
  });

  it('survives malformed policy text, and says it cannot decide instead of "not public"', () => {
    const record = resource({ configuration: { Policy: '{"Statement": [', Other: '%E0%A4%A' } });
    const trust = recordTrust(record, { orgAccounts: new Map(), register: new Map() });
    expect(trust).toMatchObject({ trustedAccounts: [], public: undefined, verdict: 'undecided' });
    expect(trust.reason).toMatch(/policy is not valid JSON at configuration.Policy/);
    expect(recordTrust(resource({ configuration: { Other: '%E0%A4%A' } }), { orgAccounts: new Map(), register: new Map() })).toMatchObject({ public: false, verdict: 'not-granted' });
  });
});

describe('the trust map', () => {
  it('lists each trusting resource with the verdict and reason of the statements that let the account in', () => {
    const policy = { Statement: [{ Sid: 'Vendor', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${VENDOR}:root` }, Action: 's3:GetObject', Resource: '*' }, { Sid: 'Topic', Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': STRANGER } } }] };
    const record = withTrust(resource({ supplementaryConfiguration: { BucketPolicy: JSON.stringify(policy) } }), { orgAccounts: new Map(), register: new Map() });
    const update = trustUpdateOf(record);
    expect(update.byAccount.get(VENDOR)!.entries[0]).toMatchObject({ verdict: 'account-restricted', reason: expect.stringMatching(/statement "Vendor": named principals of 999999999999/) });
    expect(update.byAccount.get(STRANGER)!.entries[0]).toMatchObject({ verdict: 'account-restricted', reason: expect.stringMatching(/statement "Topic": Principal "\*", pinned: caller's account must be 555555555555/) });
  });
});

describe('trusted-accounts register', () => {
  it('reads our CSV with row problems and the fwd:cloudsec YAML list', async () => {
    const csv = parseTrustRegister(readFileSync(fixture('trusted-accounts.csv'), 'utf8'), 'csv', 't.csv');
    expect(csv.register.get('888888888888')).toMatchObject({ name: 'Old Vendor', approved: false, note: 'offboarded' });
    expect(csv.problems).toEqual([{ source: 't.csv', row: 4, reason: 'accountId: "77777777" is not a 12-digit account ID' }]);
    const { register } = await loadTrustRegister([knownAwsAccounts]);
    expect(register.size).toBeGreaterThan(100);
    expect(register.get('454464851268')).toMatchObject({ name: 'Cloudhealth', approved: null });
  });

  it('names the source when it cannot be read or parsed', async () => {
    await expect(loadTrustRegister(['/nope/register.yaml'])).rejects.toThrow(/cannot read \/nope\/register.yaml/);
    expect(() => parseTrustRegister('{', 'json', 'x.json')).toThrow(/x.json: cannot parse trusted-accounts register/);
  });
});
