// The policy engine's verdicts, table-driven: one row per construct of the IAM evaluation logic.
import { describe, expect, it } from 'vitest';
import { analysePolicy, wildcardMatch, type Verdict } from '../../policy/engine.js';

const A = '111122223333';
const B = '444455556666';
const ORG = 'o-a1b2c3d4e5';

type Row = [name: string, statement: Record<string, unknown>, verdict: Verdict, reason?: RegExp];
const allow = (extra: Record<string, unknown>) => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', ...extra });
const star = (Condition?: Record<string, unknown>) => allow({ Principal: '*', ...(Condition ? { Condition } : {}) });

const rows: Row[] = [
  ['Principal "*" without condition', star(), 'public', /without a condition pinning the caller/],
  ['Principal {AWS: "*"}', allow({ Principal: { AWS: ['*'] } }), 'public'],
  ['CanonicalUser "*"', allow({ Principal: { CanonicalUser: '*' } }), 'public'],
  ['Allow + NotPrincipal', allow({ NotPrincipal: { AWS: `arn:aws:iam::${A}:root` } }), 'public', /NotPrincipal/],
  ['named account', allow({ Principal: { AWS: `arn:aws:iam::${A}:role/r` } }), 'account-restricted', new RegExp(A)],
  ['deleted principal (unique ID)', allow({ Principal: { AWS: 'AROAEXAMPLEUNIQUEID12' } }), 'account-restricted', /unique ID/],
  ['partial wildcard in Principal ARN', allow({ Principal: { AWS: 'arn:aws:iam::*:root' } }), 'undecided', /wildcard inside the principal/],
  ['aws:PrincipalOrgID', star({ StringEquals: { 'aws:PrincipalOrgID': ORG } }), 'org-restricted', new RegExp(ORG)],
  ['key names are case-insensitive', star({ StringEquals: { 'AWS:principalorgid': ORG } }), 'org-restricted'],
  ['operator names tolerate case', star({ stringequals: { 'aws:PrincipalOrgID': ORG } }), 'org-restricted'],
  ['Effect in lower case', { ...star(), Effect: 'allow' }, 'public'],
  ['org ID with a wildcard under StringLike', star({ StringLike: { 'aws:PrincipalOrgID': 'o-*' } }), 'public', /wildcard in the organization/],
  ['org ID with ? under StringLike', star({ StringLike: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e?' } }), 'public'],
  ['org "*" under StringEquals is a literal that matches no org', star({ StringEquals: { 'aws:PrincipalOrgID': '*' } }), 'not-granted'],
  ['ForAnyValue:StringLike org paths', star({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/r-ab12/ou-ab12-11111111/*`] } }), 'org-restricted'],
  ['org path with a wildcard org', star({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-*/r-ab12/*'] } }), 'public'],
  ['ForAllValues org paths match requests without the key', star({ 'ForAllValues:StringLike': { 'aws:PrincipalOrgPaths': [`${ORG}/*`] } }), 'public', /ForAllValues/],
  ['aws:PrincipalAccount', star({ StringEquals: { 'aws:PrincipalAccount': [A] } }), 'account-restricted'],
  ['account with a wildcard under StringLike', star({ StringLike: { 'aws:PrincipalAccount': '1111*' } }), 'public', /wildcard in an account value/],
  ['IfExists does not pin anonymous callers', star({ StringEqualsIfExists: { 'aws:PrincipalAccount': A } }), 'public', /IfExists/],
  ['negated operator', star({ StringNotEquals: { 'aws:PrincipalAccount': A } }), 'public', /negated operator/],
  ['aws:SourceAccount as a number', star({ StringEquals: { 'aws:SourceAccount': Number(A) } }), 'account-restricted'],
  ['aws:SourceArn with the account', star({ ArnLike: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${A}:topic` } }), 'account-restricted'],
  ['aws:SourceArn with a wildcard account', star({ ArnLike: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:*:topic' } }), 'public', /account field/],
  ['aws:PrincipalArn with ? in the account', star({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::11112222333?:role/x' } }), 'public'],
  ['aws:PrincipalArn with a wildcard role in one account', star({ ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/*` } }), 'account-restricted'],
  ['ArnEquals also takes wildcards', star({ ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x' } }), 'public'],
  ['aws:SourceArn of an S3 bucket', star({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::my-bucket' } }), 'service-restricted'],
  ['aws:SourceArn of any S3 bucket', star({ ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } }), 'public'],
  ['aws:PrincipalArn of an S3 bucket matches no principal', star({ ArnLike: { 'aws:PrincipalArn': 'arn:aws:s3:::*' } }), 'not-granted'],
  ['aws:ResourceAccount names the resource, not the caller', star({ StringEquals: { 'aws:ResourceAccount': A } }), 'public'],
  ['s3:DataAccessPointAccount (a bucket delegating to its access points)', star({ StringEquals: { 's3:DataAccessPointAccount': A } }), 'account-restricted'],
  ['aws:SourceOrgID (a service acting for the organization)', allow({ Principal: { Service: 'cloudtrail.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceOrgID': ORG } } }), 'service-restricted', new RegExp(ORG)],
  ['ForAnyValue on a single-valued key pins like the operator', star({ 'ForAnyValue:StringEquals': { 'aws:PrincipalAccount': A } }), 'account-restricted'],
  ['IPv4 wider than /8 is the internet', star({ IpAddress: { 'aws:SourceIp': '64.0.0.0/2' } }), 'public'],
  ['aws:userid "*" under StringLike', star({ StringLike: { 'aws:userid': '*' } }), 'public'],
  ['aws:SourceIp', star({ IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } }), 'network-restricted', /203\.0\.113\.0\/24/],
  ['aws:SourceIp 0.0.0.0/0', star({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }), 'public', /internet/],
  ['NotIpAddress', star({ NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), 'public'],
  ['aws:SourceVpce', star({ StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } }), 'network-restricted', /vpce-1a2b3c4d/],
  ['aws:SourceVpce with a wildcard', star({ StringLike: { 'aws:SourceVpce': 'vpce-*' } }), 'public'],
  ['network and organization: the organization decides', star({ StringEquals: { 'aws:PrincipalOrgID': ORG }, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), 'org-restricted'],
  ['unrelated condition', star({ Bool: { 'aws:SecureTransport': 'true' } }), 'public'],
  ['unknown operator on a caller key', star({ StringEqualz: { 'aws:PrincipalOrgID': ORG } }), 'undecided', /unknown condition operator StringEqualz/],
  ['void and decisive conditions: the decisive one holds (AND)', star({ StringNotEquals: { 'aws:PrincipalAccount': B }, StringEquals: { 'aws:PrincipalOrgID': ORG } }), 'org-restricted'],
  ['service principal pinned', allow({ Principal: { Service: 'sns.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': A } } }), 'service-restricted', /pinned/],
  ['service principal unpinned', allow({ Principal: { Service: 'sns.amazonaws.com' } }), 'service-restricted', /confused-deputy/],
  ['aws:PrincipalIsAWSService', star({ Bool: { 'aws:PrincipalIsAWSService': 'true' } }), 'service-restricted'],
  ['SAML provider', { Effect: 'Allow', Action: 'sts:AssumeRoleWithSAML', Principal: { Federated: `arn:aws:iam::${A}:saml-provider/okta` } }, 'account-restricted'],
  ['web identity without audience', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: 'cognito-identity.amazonaws.com' } }, 'undecided', /cognito-identity.amazonaws.com:aud/],
  ['web identity with audience', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: 'cognito-identity.amazonaws.com' }, Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' } } }, 'account-restricted'],
  ['GitHub OIDC without a subject condition: any repository', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com` }, Condition: { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' } } }, 'public', /any repository/],
  ['GitHub OIDC pinned to a repository', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com` }, Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/deploy:*' } } }, 'account-restricted', /repo:acme\/deploy/],
  ['GitHub OIDC with a wildcard subject', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/token.actions.githubusercontent.com` }, Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': '*' } } }, 'public'],
  ['EKS OIDC without a subject condition', { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: `arn:aws:iam::${A}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` } }, 'undecided', /oidc.eks.us-east-1.amazonaws.com\/id\/abc:sub/],
  ['no Principal (identity policy)', { Effect: 'Allow', Action: '*', Resource: '*' }, 'not-granted'],
  ['Deny alone', { Effect: 'Deny', Principal: '*', Action: '*' }, 'not-granted'],
  ['Effect missing', { Principal: '*', Action: '*' }, 'undecided', /Effect/],
];

describe('statement verdicts', () => {
  it.each(rows)('%s', (_name, statement, verdict, reason) => {
    const result = analysePolicy({ Version: '2012-10-17', Statement: [statement] });
    expect(result.statements[0]!.verdict, result.statements[0]!.reason).toBe(verdict);
    expect(result.verdict).toBe(verdict);
    if (reason) expect(result.statements[0]!.reason).toMatch(reason);
  });

  it('keeps the accounts, organizations and networks behind a verdict, and the deciding condition', () => {
    const [s] = analysePolicy({ Statement: [star({ IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7/32'] } })] }).statements;
    expect(s).toMatchObject({ verdict: 'network-restricted', networks: ['198.51.100.7/32', '203.0.113.0/24'], principals: ['*'], actions: ['s3:GetObject'] });
    expect(s!.condition).toMatch(/^IpAddress aws:SourceIp/);
    const [o] = analysePolicy({ Statement: [{ ...star({ StringEquals: { 'aws:PrincipalOrgID': ORG } }), Sid: 'Org' }] }).statements;
    expect(o).toMatchObject({ sid: 'Org', organizations: [ORG], condition: `StringEquals aws:PrincipalOrgID "${ORG}"` });
  });
});

describe('Deny statements', () => {
  const publicRead = star();
  it('a Deny to everyone of the same actions removes the grant', () => {
    const r = analysePolicy({ Statement: [publicRead, { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }] });
    expect(r.statements[0]).toMatchObject({ verdict: 'not-granted' });
    expect(r.statements[0]!.reason).toMatch(/removed: Deny statement #2/);
    expect(r.verdict).toBe('not-granted');
  });

  it('a Deny unless the caller is in the organization narrows the grant to the organization', () => {
    const r = analysePolicy({ Statement: [publicRead, { Sid: 'OrgOnly', Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalOrgID': ORG } } }] });
    expect(r.statements[0]).toMatchObject({ verdict: 'org-restricted', organizations: [ORG] });
    expect(r.statements[0]!.reason).toMatch(/narrowed by Deny statement "OrgOnly"/);
  });

  it('a Deny with NotPrincipal narrows the grant to the accounts it spares', () => {
    const r = analysePolicy({ Statement: [publicRead, { Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${A}:root`] }, Action: '*', Resource: '*' }] });
    expect(r.statements[0]).toMatchObject({ verdict: 'account-restricted', accounts: [{ accountId: A, via: 'condition' }] });
  });

  it('leaves the grant when the Deny does not cover its actions, its resources, or pins nothing about the caller', () => {
    for (const deny of [
      { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: '*' },
      { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::other/*' },
      { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Effect: 'Deny', Principal: '*', NotAction: 's3:PutObject', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: '*', Resource: '*' },
    ]) {
      expect(analysePolicy({ Statement: [publicRead, deny] }).verdict, JSON.stringify(deny)).toBe('public');
    }
  });
});

describe('documents', () => {
  it('decodes JSON text, URL-encoded and double-encoded documents once, and says when it cannot', () => {
    const doc = { Statement: [star()] };
    for (const form of [doc, JSON.stringify(doc), encodeURIComponent(JSON.stringify(doc)), encodeURIComponent(encodeURIComponent(JSON.stringify(doc)))]) {
      expect(analysePolicy(form).verdict).toBe('public');
    }
    expect(analysePolicy('{"Statement": [')).toMatchObject({ verdict: 'undecided', reason: expect.stringMatching(/not valid JSON/) });
    expect(analysePolicy({ Statement: ['nope'] })).toMatchObject({ verdict: 'undecided' });
    expect(analysePolicy({})).toMatchObject({ verdict: 'not-granted' });
  });

  it('the policy verdict is the most open statement', () => {
    expect(analysePolicy({ Statement: [allow({ Principal: { AWS: A } }), star({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })] }).verdict).toBe('network-restricted');
    expect(analysePolicy({ Statement: [star(), allow({ Principal: { AWS: 'arn:aws:iam::*:root' } })] }).verdict).toBe('public');
  });

  it('matches IAM wildcards', () => {
    expect(wildcardMatch('s3:Get*', 's3:getobject')).toBe(true);
    expect(wildcardMatch('s3:Get?bject', 's3:GetObject')).toBe(true);
    expect(wildcardMatch('s3:Get*', 's3:PutObject')).toBe(false);
  });
});
