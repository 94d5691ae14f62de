// Every built-in requirement of the shipped catalog against one passing and one failing resource in
// the shape the AWS API returns it.
import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../core/schemas.js';
import { FindingRecord } from '../../core/schemas.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, loadCatalog } from '../../standard/index.js';
import * as f from '../fixtures/standard/aws-shapes.js';
import { POLICY_RECORDS } from '../fixtures/policy/records.js';
import { redactValue } from '../../core/secrets.js';

const catalog = loadCatalog();
const { ACCOUNT, NOW } = f;

type Case = { pass: ResourceRecord[]; fail: ResourceRecord[]; failEvidence: RegExp };
type SweepCase = { regions: string[]; pass: ResourceRecord[]; fail: ResourceRecord[]; failEvidence: RegExp };

const trustedUnknown = [{ accountId: '999988887777', classification: 'unknown' as const, name: null, approved: null, policy: 'configuration.AssumeRolePolicyDocument', via: 'principal' as const }];
const trustedOrg = [{ accountId: '444455556666', classification: 'org' as const, name: 'prod', approved: null, policy: 'configuration.AssumeRolePolicyDocument', via: 'principal' as const }];

const resourceCases: Record<string, Case> = {
  'CSS-S3-01': {
    pass: [f.bucket('private', { BucketPolicy: f.bucketPolicy([f.orgPinnedStatement('s3:GetObject')]) }), f.bucket('nopolicy')],
    fail: [
      f.bucket('public', { BucketPolicy: f.bucketPolicy([f.publicStatement('s3:GetObject', 'arn:aws:s3:::public/*')]) }),
      // network-restricted fails for buckets (networkRestricted: fail)
      f.bucket('office', { BucketPolicy: f.bucketPolicy([{ ...f.publicStatement('s3:GetObject', 'arn:aws:s3:::office/*'), Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }]) }),
    ],
    failEvidence: /statement "Public" allows s3:GetObject to Principal \*/,
  },
  'CSS-S3-02': {
    pass: [f.bucket('acl-private', { BucketAcl: f.bucketAcl([f.ownerGrant]) })],
    fail: [f.bucket('acl-public', { BucketAcl: f.bucketAcl([f.ownerGrant, f.allUsersRead]) })],
    failEvidence: /READ to AllUsers/,
  },
  'CSS-S3-03': {
    pass: [f.bucket('blocked', { PublicAccessBlockConfiguration: f.pab(true) })],
    fail: [f.bucket('unblocked', { PublicAccessBlockConfiguration: f.pab(false) }), f.bucket('no-pab')],
    failEvidence: /not enabled|no public access block/,
  },
  'CSS-S3-05': {
    pass: [f.bucket('encrypted', { ServerSideEncryptionConfiguration: f.sseS3 })],
    fail: [f.bucket('plain')],
    failEvidence: /no default server-side encryption/,
  },
  'CSS-S3-06': {
    pass: [f.bucket('versioned', { BucketVersioningConfiguration: { Status: 'Enabled', MFADelete: 'Disabled' } })],
    fail: [f.bucket('unversioned', { BucketVersioningConfiguration: { Status: 'Suspended' } })],
    failEvidence: /Status is "Suspended" \(expected equals "Enabled"\)/,
  },
  'CSS-EC2-01': {
    pass: [f.securityGroup('sg-0a', [f.ingress('tcp', 22, 22, '10.0.0.0/8'), f.ingress('tcp', 443, 443, '0.0.0.0/0')])],
    fail: [
      f.securityGroup('sg-0b', [f.ingress('tcp', 22, 22, '0.0.0.0/0')]),
      f.securityGroup('sg-0c', [f.ingress('tcp', 3000, 4000, undefined, '::/0')]),
      f.securityGroup('sg-0d', [f.ingress('-1', undefined, undefined, '0.0.0.0/0')]),
    ],
    failEvidence: /administrative port/,
  },
  'CSS-EC2-02': {
    pass: [f.securityGroup('sg-1a', [f.ingress('tcp', 5432, 5432, '10.0.0.0/16'), f.ingress('udp', 6379, 6379, '0.0.0.0/0')])],
    fail: [f.securityGroup('sg-1b', [f.ingress('tcp', 27017, 27017, '0.0.0.0/0')]), f.securityGroup('sg-1c', [f.ingress('tcp', 9200, 9200, undefined, '::/0')])],
    failEvidence: /(27017|9200)\/tcp from/,
  },
  'CSS-EC2-03': {
    pass: [f.instance('i-0aaa', 'required')],
    fail: [f.instance('i-0bbb', 'optional')],
    failEvidence: /HttpTokens: optional/,
  },
  'CSS-EC2-05': {
    pass: [f.securityGroup('sg-2a', [], 'default')],
    fail: [f.securityGroup('sg-2b', [{ IpProtocol: '-1', IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [{ GroupId: 'sg-2b', UserId: ACCOUNT }] }], 'default')],
    failEvidence: /configuration.IpPermissions is .* \(expected empty\)/,
  },
  'CSS-VPC-01': {
    pass: [f.vpc('vpc-0aaa', [f.flowLog('vpc-0aaa')]), { ...f.vpc('vpc-0ccc', []), supplementaryConfiguration: { FlowLogs: { FlowLogs: [f.flowLog('vpc-0ccc')] } } }],
    fail: [f.vpc('vpc-0bbb', [])],
    failEvidence: /no active flow log/,
  },
  'CSS-IAM-01': {
    pass: [f.iamUser('fresh', { AccessKeys: [f.accessKey('fresh', 'AKIAFRESH0000000001', 30)] }), f.iamUser('nokeys', { AccessKeys: [] })],
    fail: [
      f.iamUser('stale', { AccessKeys: [f.accessKey('stale', 'AKIASTALE0000000001', 120), f.accessKey('stale', 'AKIASTALE0000000002', 10)] }),
      f.iamUser('stale2', { AccessKeys: { AccessKeyMetadata: [f.accessKey('stale2', 'AKIASTALE0000000001', 120)], IsTruncated: false } }),
    ],
    failEvidence: /active key AKIASTALE0000000001 is 120 days old/,
  },
  'CSS-IAM-02': {
    pass: [f.iamUser('busy', { AccessKeys: [f.accessKey('busy', 'AKIABUSY00000000001', 400)], AccessKeyLastUsed: { AKIABUSY00000000001: f.lastUsed(2) } })],
    fail: [
      f.iamUser('idle', { AccessKeys: [f.accessKey('idle', 'AKIAIDLE00000000001', 400)], AccessKeyLastUsed: { AKIAIDLE00000000001: f.lastUsed(95) } }),
      f.iamUser('never', { AccessKeys: [f.accessKey('never', 'AKIANEVER0000000001', 100)] }),
    ],
    failEvidence: /(last used 95 days ago|never used, created 100 days ago)/,
  },
  'CSS-IAM-03': {
    pass: [
      f.iamUser('mfa', { LoginProfile: f.loginProfile('mfa'), MFADevices: [f.mfaDevice('mfa')] }),
      // the collector engine keeps each detail call's whole output: GetLoginProfile / ListMFADevices
      f.iamUser('mfa2', { LoginProfile: { LoginProfile: f.loginProfile('mfa2') }, MFADevices: { MFADevices: [f.mfaDevice('mfa2')], IsTruncated: false } }),
    ],
    fail: [
      f.iamUser('nomfa', { LoginProfile: f.loginProfile('nomfa'), MFADevices: [] }),
      f.iamUser('nomfa2', { LoginProfile: { LoginProfile: f.loginProfile('nomfa2') }, MFADevices: { MFADevices: [], IsTruncated: false } }),
    ],
    failEvidence: /console password set and no MFA device/,
  },
  'CSS-IAM-06': {
    pass: [f.role('org-trust', trustedOrg)],
    fail: [f.role('unknown-trust', trustedUnknown)],
    failEvidence: /unknown account 999988887777 via principal/,
  },
  'CSS-POL-01': {
    pass: [{ ...f.queue('q-org', undefined), trustedAccounts: trustedOrg }],
    fail: [{ ...f.bucket('shared'), trustedAccounts: trustedUnknown }],
    failEvidence: /unknown account 999988887777/,
  },
  'CSS-SQS-01': {
    pass: [f.queue('q-pinned', [{ ...f.publicStatement('sqs:SendMessage'), Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111122223333:t' } } }]), f.queue('q-none', undefined)],
    fail: [f.queue('q-open', [f.publicStatement('sqs:SendMessage')])],
    failEvidence: /allows sqs:SendMessage to Principal \*/,
  },
  'CSS-SNS-01': {
    pass: [f.topic('t-owner', [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'SNS:Publish', Resource: '*', Condition: { StringEquals: { 'AWS:SourceOwner': ACCOUNT } } }])],
    fail: [f.topic('t-open', [f.publicStatement('SNS:Subscribe')])],
    failEvidence: /SNS:Subscribe to Principal \*/,
  },
  'CSS-ECR-01': {
    pass: [f.repository('r-org', [f.orgPinnedStatement('ecr:BatchGetImage')]), f.repository('r-none', undefined)],
    fail: [f.repository('r-open', [f.publicStatement('ecr:BatchGetImage')])],
    failEvidence: /ecr:BatchGetImage/,
  },
  'CSS-LAMBDA-01': {
    pass: [f.lambdaFunction('fn-s3', [{ Sid: 's3', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'lambda:InvokeFunction', Resource: '*', Condition: { StringEquals: { 'AWS:SourceAccount': ACCOUNT } } }])],
    fail: [f.lambdaFunction('fn-open', [f.publicStatement('lambda:InvokeFunction')])],
    failEvidence: /lambda:InvokeFunction to Principal \*/,
  },
  'CSS-SM-01': {
    pass: [f.secret('s-private', true, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }])],
    fail: [f.secret('s-open', true, [f.publicStatement('secretsmanager:GetSecretValue')])],
    failEvidence: /GetSecretValue to Principal \*/,
  },
  'CSS-KMS-01': {
    pass: [f.kmsKey('1111aaaa-0000-0000-0000-000000000001', { rotation: true })],
    fail: [f.kmsKey('1111aaaa-0000-0000-0000-000000000002', { rotation: true, statements: [f.publicStatement('kms:Decrypt')] })],
    failEvidence: /kms:Decrypt to Principal \*/,
  },
  'CSS-OS-01': {
    pass: [f.opensearchDomain('os-ip', { vpc: false, statements: [{ ...f.publicStatement('es:ESHttp*'), Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } } }] })],
    fail: [f.opensearchDomain('os-open', { vpc: false, statements: [f.publicStatement('es:*')] })],
    failEvidence: /es:\* to Principal \*/,
  },
  'CSS-BACKUP-01': {
    pass: [POLICY_RECORDS['AWS::Backup::BackupVault']!('vault-org', [f.orgPinnedStatement('backup:CopyIntoBackupVault')])],
    fail: [POLICY_RECORDS['AWS::Backup::BackupVault']!('vault-open', [f.publicStatement('backup:*')])],
    failEvidence: /backup:\* to Principal \*/,
  },
  'CSS-OS-02': {
    pass: [f.opensearchDomain('os-vpc', { vpc: true, statements: [f.publicStatement('es:*')] })],
    fail: [f.opensearchDomain('os-public', { vpc: false, statements: [f.publicStatement('es:*')] })],
    failEvidence: /public endpoint search-os-public-abc123.us-east-1.es.amazonaws.com and access policy/,
  },
  'CSS-RDS-01': {
    pass: [f.dbInstance('db-enc', { encrypted: true, public: false })],
    fail: [f.dbInstance('db-plain', { encrypted: false, public: false })],
    failEvidence: /StorageEncrypted: false/,
  },
  'CSS-RDS-02': {
    pass: [f.dbInstance('db-private', { encrypted: true, public: false })],
    fail: [f.dbInstance('db-public', { encrypted: true, public: true })],
    failEvidence: /PubliclyAccessible: true \(endpoint db-public\./,
  },
  'CSS-DDB-01': {
    pass: [f.table('t-kms', true)],
    fail: [f.table('t-owned', false)],
    failEvidence: /AWS owned key/,
  },
  'CSS-KMS-02': {
    pass: [f.kmsKey('2222bbbb-0000-0000-0000-000000000001', { rotation: true })],
    fail: [
      f.kmsKey('2222bbbb-0000-0000-0000-000000000002', { rotation: false }),
      { ...f.kmsKey('2222bbbb-0000-0000-0000-000000000003', {}), supplementaryConfiguration: { KeyRotationEnabled: { KeyRotationEnabled: false, KeyId: 'k' } } },
    ],
    failEvidence: /automatic key rotation disabled/,
  },
  'CSS-SM-02': {
    pass: [f.secret('s-rotated', true)],
    fail: [f.secret('s-static', false)],
    failEvidence: /automatic rotation not enabled/,
  },
  // environment values as the collectors keep them: the marker with its looksSecret signal, never the value
  'CSS-SEC-01': {
    pass: [
      f.resource('AWS::Lambda::Function', 'clean', `arn:aws:lambda:${f.REGION}:${ACCOUNT}:function:clean`, {
        Environment: { Variables: { STAGE: redactValue('STAGE', 'prod'), DB_PASSWORD: redactValue('DB_PASSWORD', `arn:aws:secretsmanager:${f.REGION}:${ACCOUNT}:secret:db`) } },
      }),
      f.resource('AWS::Lambda::Function', 'noenv', `arn:aws:lambda:${f.REGION}:${ACCOUNT}:function:noenv`, {}),
    ],
    fail: [
      f.resource('AWS::Lambda::Function', 'leaky', `arn:aws:lambda:${f.REGION}:${ACCOUNT}:function:leaky`, {
        Environment: { Variables: { DB_PASSWORD: redactValue('DB_PASSWORD', 'hunter2-literal') } },
      }),
      f.resource('AWS::ECS::TaskDefinition', 'web:3', `arn:aws:ecs:${f.REGION}:${ACCOUNT}:task-definition/web:3`, {
        containerDefinitions: [{ name: 'web', environment: [{ name: 'AWS_KEY', value: redactValue('AWS_KEY', 'AKIAIOSFODNN7EXAMPLE') }] }],
      }),
    ],
    failEvidence: /(Environment\.Variables\.DB_PASSWORD \(name DB_PASSWORD suggests a secret|containerDefinitions\[web\]\.environment\[AWS_KEY\]\.value \(value has the shape of an AWS access key ID)/,
  },
  'CSS-CT-02': {
    pass: [f.trail('validated', { multiRegion: true, validation: true })],
    fail: [f.trail('unvalidated', { multiRegion: false, validation: false })],
    failEvidence: /log file validation disabled/,
  },
};

const sweepCases: Record<string, SweepCase> = {
  'CSS-S3-04': { regions: ['us-east-1'], pass: [f.accountPab(true)], fail: [f.accountPab(false)], failEvidence: /BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets not enabled/ },
  'CSS-EC2-04': {
    regions: ['us-east-1', 'eu-west-1'],
    pass: [f.ebsDefaults('us-east-1', true), f.ebsDefaults('eu-west-1', true)],
    fail: [f.ebsDefaults('us-east-1', false)],
    failEvidence: /disabled in us-east-1|no EBS default-encryption setting inventoried in eu-west-1/,
  },
  'CSS-IAM-04': { regions: ['us-east-1'], pass: [f.credentialReport({ mfa: true, key1: false })], fail: [f.credentialReport({ mfa: true, key1: true })], failEvidence: /root user has active access key #1/ },
  'CSS-IAM-05': { regions: ['us-east-1'], pass: [f.credentialReport({ mfa: true, key1: false })], fail: [f.credentialReport({ mfa: false, key1: false })], failEvidence: /root user has no MFA device/ },
  'CSS-IAM-07': { regions: ['us-east-1', 'eu-west-1'], pass: [f.analyzer('us-east-1'), f.analyzer('eu-west-1')], fail: [f.analyzer('us-east-1')], failEvidence: /no IAM Access Analyzer in eu-west-1/ },
  'CSS-CT-01': {
    regions: ['us-east-1'],
    pass: [f.trail('org', { multiRegion: true, validation: true, logging: true })],
    fail: [f.trail('regional', { multiRegion: false, validation: true, logging: true }), f.trail('stopped', { multiRegion: true, validation: true, logging: false })],
    failEvidence: /no multi-region trail that is logging among regional, stopped/,
  },
  'CSS-GD-01': {
    regions: ['us-east-1', 'eu-west-1'],
    pass: [f.detector('us-east-1', 'ENABLED'), f.detector('eu-west-1', 'ENABLED')],
    fail: [f.detector('us-east-1', 'DISABLED')],
    failEvidence: /suspended in us-east-1|no GuardDuty detector in eu-west-1/,
  },
};

describe('built-in requirements', () => {
  it('every built-in requirement of the catalog has a passing and a failing case here', () => {
    const builtin = catalog.requirements.filter((r) => r.check).map((r) => r.id).sort();
    const covered = [...Object.keys(resourceCases), ...Object.keys(sweepCases)].filter((id) => builtin.includes(id)).sort();
    expect(covered).toEqual(builtin);
    expect(catalog.requirements.length).toBeGreaterThanOrEqual(25);
  });

  describe.each(Object.entries(resourceCases))('%s', (requirementId, c) => {
    const run = (records: ResourceRecord[]) => {
      const { findings, problems } = evaluateRecordsDetailed(catalog, records, NOW);
      expect(problems).toEqual([]);
      return records.map((r) => findings.find((x) => x.requirementId === requirementId && x.resourceArn === r.arn));
    };
    it('passes the compliant resources', () => {
      for (const finding of run(c.pass)) {
        expect(finding?.status, finding?.evidence).toBe('PASS');
      }
    });
    it('fails the non-compliant resources with evidence', () => {
      for (const finding of run(c.fail)) {
        expect(finding?.status).toBe('FAIL');
        expect(finding!.evidence).toMatch(c.failEvidence);
        FindingRecord.parse(finding);
      }
    });
  });

  describe.each(Object.entries(sweepCases))('%s (account/region sweep)', (requirementId, c) => {
    const run = (resources: ResourceRecord[]) => {
      const { findings, problems } = evaluateSweepDetailed(catalog, { accountId: ACCOUNT, regions: c.regions, resources }, NOW);
      expect(problems).toEqual([]);
      return findings.filter((x) => x.requirementId === requirementId);
    };
    it('passes a compliant account', () => {
      const findings = run(c.pass);
      expect(findings.length).toBeGreaterThan(0);
      for (const finding of findings) expect(finding.status, finding.evidence).toBe('PASS');
    });
    it('fails a non-compliant account, and an account with nothing inventoried', () => {
      const findings = run(c.fail);
      expect(findings.some((x) => x.status === 'FAIL' && c.failEvidence.test(x.evidence))).toBe(true);
      const empty = run([]);
      expect(empty.length).toBeGreaterThan(0);
      expect(empty.every((x) => x.status === 'FAIL')).toBe(true);
      for (const x of empty) {
        expect(x.resourceType).toBe('AWS::::Account');
        expect(x.resourceId).toBe(x.region === 'global' ? ACCOUNT : `${ACCOUNT}/${x.region}`);
        FindingRecord.parse(x);
      }
    });
  });
});

describe('records whose data could not be collected', () => {
  it('reports the requirement as not evaluated instead of passing it, and the rest of the record still evaluates', () => {
    const denied = { ...f.bucket('denied', { PublicAccessBlockConfiguration: f.pab(true) }), errors: [{ call: 'GetBucketPolicy', code: 'AccessDenied', message: 'Access Denied' }] };
    const { findings, problems } = evaluateRecordsDetailed(catalog, [denied], NOW);
    expect(problems).toEqual([{ requirementId: 'CSS-S3-01', resource: 'arn:aws:s3:::denied', message: 'cannot evaluate: GetBucketPolicy failed (AccessDenied: Access Denied)' }]);
    expect(findings.find((x) => x.requirementId === 'CSS-S3-01')).toBeUndefined();
    expect(findings.find((x) => x.requirementId === 'CSS-S3-03')?.status).toBe('PASS');
  });

  it('reads an absent policy (NoSuchBucketPolicy) as no policy, and a malformed policy as a problem', () => {
    const absent = { ...f.bucket('absent', { BucketPolicy: null }), errors: [{ call: 'GetBucketPolicy', code: 'NoSuchBucketPolicy', message: 'none' }] };
    const garbled = f.bucket('garbled', { BucketPolicy: { Policy: '{"Statement": [' } });
    const { findings, problems } = evaluateRecordsDetailed(catalog, [absent, garbled], NOW);
    expect(findings.find((x) => x.requirementId === 'CSS-S3-01' && x.resourceId === 'absent')?.status).toBe('PASS');
    expect(problems).toEqual([expect.objectContaining({ requirementId: 'CSS-S3-01', resource: 'arn:aws:s3:::garbled', message: expect.stringMatching(/^policy is not valid JSON/) })]);
  });

  it('gives deleted resources no findings', () => {
    const gone = { ...f.dbInstance('gone', { encrypted: false, public: true }), configurationItemStatus: 'ResourceDeleted' as const };
    expect(evaluateRecordsDetailed(catalog, [gone], NOW).findings).toEqual([]);
  });
});
