// IAM (global): users with access keys (age, last use), MFA devices, login profile and policies; roles with
// trust policy and last use; groups; customer managed policies; the credential report. IAM URL-encodes
// policy documents: every one is decoded.
import {
  GenerateCredentialReportCommand,
  GetAccountPasswordPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  GetGroupPolicyCommand,
  GetLoginProfileCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListMFADevicesCommand,
  ListRolePoliciesCommand,
  ListRoleTagsCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  paginateListGroups,
  paginateListPolicies,
  paginateListRoles,
  paginateListUsers,
  type Group,
  type Policy,
  type Role,
  type User,
} from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { sleep } from '../../core/util.js';
import { clientConfig, decodePolicyDocument, type ClientOptions } from '../../platform/aws.js';
import { detail, isAbsent, paged, resource, type Collector, type CollectorContext } from '../engine.js';

export const iamClient = (o: ClientOptions) => new IAMClient(clientConfig(o));

/** Inline policies by name, each document decoded: `[{ PolicyName, PolicyDocument }]`. */
async function inlinePolicies(
  names: () => Promise<string[]>,
  get: (name: string) => Promise<{ PolicyDocument?: string }>,
): Promise<{ PolicyName: string; PolicyDocument: unknown }[]> {
  const out = [];
  for (const name of await names()) {
    out.push({ PolicyName: name, PolicyDocument: decodePolicyDocument((await get(name)).PolicyDocument) });
  }
  return out;
}

const userSpec = resource<IAMClient, User>({
  resourceType: 'AWS::IAM::User',
  client: iamClient,
  list: paged(paginateListUsers, {}, 'Users'),
  id: (u) => u.UserId ?? u.UserName ?? '',
  name: 'UserName',
  arn: (u) => u.Arn ?? '',
  created: 'CreateDate',
  details: {
    // each key carries its GetAccessKeyLastUsed result: age and last use side by side
    AccessKeys: detail('ListAccessKeys', async (c: IAMClient, u: User) => {
      const keys = (await c.send(new ListAccessKeysCommand({ UserName: u.UserName }))).AccessKeyMetadata ?? [];
      return Promise.all(
        keys.map(async (k) => ({
          ...k,
          AccessKeyLastUsed: (await c.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }))).AccessKeyLastUsed ?? null,
        })),
      );
    }),
    MFADevices: detail('ListMFADevices', (c: IAMClient, u: User) => c.send(new ListMFADevicesCommand({ UserName: u.UserName })), (o) => o.MFADevices),
    LoginProfile: detail('GetLoginProfile', (c: IAMClient, u: User) => c.send(new GetLoginProfileCommand({ UserName: u.UserName })), (o) => o.LoginProfile),
    AttachedManagedPolicies: detail(
      'ListAttachedUserPolicies',
      (c: IAMClient, u: User) => c.send(new ListAttachedUserPoliciesCommand({ UserName: u.UserName })),
      (o) => o.AttachedPolicies,
    ),
    UserPolicyList: detail('GetUserPolicy', (c: IAMClient, u: User) =>
      inlinePolicies(
        async () => (await c.send(new ListUserPoliciesCommand({ UserName: u.UserName }))).PolicyNames ?? [],
        (name) => c.send(new GetUserPolicyCommand({ UserName: u.UserName, PolicyName: name })),
      ),
    ),
    GroupList: detail('ListGroupsForUser', (c: IAMClient, u: User) => c.send(new ListGroupsForUserCommand({ UserName: u.UserName })), (o) =>
      (o.Groups ?? []).map((g) => g.GroupName),
    ),
    Tags: detail('ListUserTags', (c: IAMClient, u: User) => c.send(new ListUserTagsCommand({ UserName: u.UserName })), (o) => o.Tags, { tags: true }),
  },
});

const roleSpec = resource<IAMClient, Role>({
  resourceType: 'AWS::IAM::Role',
  client: iamClient,
  list: paged(paginateListRoles, {}, 'Roles'),
  id: (r) => r.RoleId ?? r.RoleName ?? '',
  name: 'RoleName',
  arn: (r) => r.Arn ?? '',
  created: 'CreateDate',
  decode: ['AssumeRolePolicyDocument'],
  details: {
    // ListRoles leaves out RoleLastUsed; GetRole has it
    RoleLastUsed: detail('GetRole', (c: IAMClient, r: Role) => c.send(new GetRoleCommand({ RoleName: r.RoleName })), (o) => o.Role?.RoleLastUsed ?? null),
    AttachedManagedPolicies: detail(
      'ListAttachedRolePolicies',
      (c: IAMClient, r: Role) => c.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName })),
      (o) => o.AttachedPolicies,
    ),
    RolePolicyList: detail('GetRolePolicy', (c: IAMClient, r: Role) =>
      inlinePolicies(
        async () => (await c.send(new ListRolePoliciesCommand({ RoleName: r.RoleName }))).PolicyNames ?? [],
        (name) => c.send(new GetRolePolicyCommand({ RoleName: r.RoleName, PolicyName: name })),
      ),
    ),
    Tags: detail('ListRoleTags', (c: IAMClient, r: Role) => c.send(new ListRoleTagsCommand({ RoleName: r.RoleName })), (o) => o.Tags, { tags: true }),
  },
});

const groupSpec = resource<IAMClient, Group>({
  resourceType: 'AWS::IAM::Group',
  client: iamClient,
  list: paged(paginateListGroups, {}, 'Groups'),
  id: (g) => g.GroupId ?? g.GroupName ?? '',
  name: 'GroupName',
  arn: (g) => g.Arn ?? '',
  created: 'CreateDate',
  details: {
    AttachedManagedPolicies: detail(
      'ListAttachedGroupPolicies',
      (c: IAMClient, g: Group) => c.send(new ListAttachedGroupPoliciesCommand({ GroupName: g.GroupName })),
      (o) => o.AttachedPolicies,
    ),
    GroupPolicyList: detail('GetGroupPolicy', (c: IAMClient, g: Group) =>
      inlinePolicies(
        async () => (await c.send(new ListGroupPoliciesCommand({ GroupName: g.GroupName }))).PolicyNames ?? [],
        (name) => c.send(new GetGroupPolicyCommand({ GroupName: g.GroupName, PolicyName: name })),
      ),
    ),
  },
});

/** Customer managed policies only: AWS managed ones are the same in every account. */
const policySpec = resource<IAMClient, Policy>({
  resourceType: 'AWS::IAM::Policy',
  client: iamClient,
  list: paged(paginateListPolicies, { Scope: 'Local' }, 'Policies'),
  id: (p) => p.PolicyId ?? p.Arn ?? '',
  name: 'PolicyName',
  arn: (p) => p.Arn ?? '',
  created: 'CreateDate',
  details: {
    PolicyVersion: detail(
      'GetPolicyVersion',
      (c: IAMClient, p: Policy) => c.send(new GetPolicyVersionCommand({ PolicyArn: p.Arn, VersionId: p.DefaultVersionId })),
      (o) => ({ ...o.PolicyVersion, Document: decodePolicyDocument(o.PolicyVersion?.Document) }),
    ),
  },
});

/** Rows of the credential report CSV, as objects keyed by column (`user`, `mfa_active`, ...). */
export function parseCredentialReport(content: Uint8Array | string | undefined): Record<string, string>[] {
  if (!content) return [];
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('utf8');
  return parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}


/** Generate the report (IAM builds it asynchronously) and read it once COMPLETE. */
async function* credentialReport(client: IAMClient, _ctx: CollectorContext) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const state = (await client.send(new GenerateCredentialReportCommand({}))).State;
    if (state === 'COMPLETE') break;
    await sleep(Math.min(5_000, 250 * 2 ** attempt));
  }
  const out = await client.send(new GetCredentialReportCommand({}));
  yield { GeneratedTime: out.GeneratedTime, ReportFormat: out.ReportFormat, Report: parseCredentialReport(out.Content) };
}

const credentialReportSpec = resource<IAMClient, { GeneratedTime?: Date; Report: Record<string, string>[] }>({
  resourceType: 'AWS::IAM::CredentialReport',
  client: iamClient,
  list: credentialReport,
  id: (_r, ctx) => ctx.accountId,
  name: () => 'credential-report',
  arn: (_r, ctx) => `arn:${ctx.partition}:iam::${ctx.accountId}:credential-report`,
  created: 'GeneratedTime',
});

/** One record per account; `{}` when the account has no password policy (IAM's defaults apply). */
const passwordPolicySpec = resource<IAMClient, Record<string, unknown>>({
  resourceType: 'AWS::IAM::AccountPasswordPolicy',
  client: iamClient,
  list: async function* (client) {
    try {
      yield { ...(await client.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy };
    } catch (err) {
      if (!isAbsent(err)) throw err;
      yield {};
    }
  },
  id: (_p, ctx) => ctx.accountId,
  name: () => undefined,
  arn: (_p, ctx) => `arn:${ctx.partition}:iam::${ctx.accountId}:account-password-policy`,
});

export const iam: Collector = {
  name: 'iam',
  global: true,
  resources: [userSpec, roleSpec, groupSpec, policySpec, credentialReportSpec, passwordPolicySpec],
};
