// A seeded synthetic organization built in moto: payers, OUs, member accounts tagged with owners and
// executives, monthly spend, and in every account a mix of resources with planted problems. Returns a
// manifest of exactly what it planted, so the demo's summary can be checked against it.
import { CreateBucketCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  DescribeCreateAccountStatusCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { assumeRole } from '../../collectors/runtime.js';
import type { ExceptionEntry } from '../../core/schemas.js';

export interface SyntheticOrgOptions {
  seed?: number;
  accounts?: number;
  payers?: number;
  regions?: string[];
  auditRole?: string;
  /** the Census (security) account that collectors run in */
  securityAccountId?: string;
  /** moto endpoint for its /moto-api/ (Cost Explorer results) */
  motoUrl?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface PlantedAccount {
  accountId: string;
  name: string;
  email: string;
  payerId: string;
  ouPath: string;
  owner: string;
  executive: string;
  spend: number;
}

/** Problems planted on purpose, by the resource that carries them. */
export interface PlantedProblems {
  publicBuckets: string[];
  openAdminSecurityGroups: string[];
  unencryptedBuckets: string[];
  rolesTrustingUnknown: string[];
  rolesTrustingKnown: string[];
  rolesTrustingOrg: string[];
  consoleUsersWithoutMfa: string[];
  kmsKeysWithoutRotation: string[];
  publicQueues: string[];
  secretsWithoutRotation: string[];
}

export interface SyntheticOrgManifest {
  seed: number;
  /** the account Census runs in; every audit role trusts it */
  securityAccountId: string;
  payers: string[];
  regions: string[];
  auditRole: string;
  accounts: PlantedAccount[];
  /** resources created by the generator, by CloudFormation type (moto's own defaults not included) */
  planted: Record<string, number>;
  problems: PlantedProblems;
  unknownExternalAccounts: string[];
  knownExternalAccounts: { accountId: string; name: string }[];
  exceptions: ExceptionEntry[];
}

/** mulberry32: small, fast and reproducible across runs and machines. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OWNERS = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const EXECUTIVES = ['vp.payments@corp.example', 'vp.platform@corp.example', 'vp.data@corp.example'];
const OUS = ['Prod', 'Dev', 'Sandbox'];
/** Vendor accounts from the fwd:cloudsec known_aws_accounts list (Datadog, New Relic). */
export const KNOWN_VENDORS = [
  { accountId: '464622532012', name: 'Datadog' },
  { accountId: '754728514883', name: 'New Relic' },
];

/** Requirement ids the planted exceptions refer to (from the shipped catalog). */
export const DEMO_REQUIREMENTS = {
  publicBucket: 'CSS-S3-01',
  openAdminPort: 'CSS-EC2-01',
};

function trustPolicy(principal: Record<string, unknown>, condition?: Record<string, unknown>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...(condition ? { Condition: condition } : {}) }],
  });
}

const assume = (accountId: string, roleName: string) => assumeRole({ accountId, roleName, sessionName: 'census-synthetic-org' });

function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Build the organization in moto and return what was planted. */
export async function buildSyntheticOrg(opts: SyntheticOrgOptions = {}): Promise<SyntheticOrgManifest> {
  const seed = opts.seed ?? 42;
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const accountCount = opts.accounts ?? 50;
  const payerCount = opts.payers ?? 3;
  const regions = opts.regions ?? ['us-east-1', 'eu-west-1'];
  const auditRole = opts.auditRole ?? 'CensusAudit';
  const securityAccountId = opts.securityAccountId ?? '123456789012';
  const motoUrl = opts.motoUrl ?? process.env.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:5055';

  const payers = Array.from({ length: payerCount }, (_, i) => `${200000000000 + seed * 1000 + i + 1}`);
  const manifest: SyntheticOrgManifest = {
    seed,
    securityAccountId,
    payers,
    regions,
    auditRole,
    accounts: [],
    planted: {},
    problems: {
      publicBuckets: [],
      openAdminSecurityGroups: [],
      unencryptedBuckets: [],
      rolesTrustingUnknown: [],
      rolesTrustingKnown: [],
      rolesTrustingOrg: [],
      consoleUsersWithoutMfa: [],
      kmsKeysWithoutRotation: [],
      publicQueues: [],
      secretsWithoutRotation: [],
    },
    unknownExternalAccounts: [],
    knownExternalAccounts: KNOWN_VENDORS,
    exceptions: [],
  };
  const count = (type: string, n = 1) => (manifest.planted[type] = (manifest.planted[type] ?? 0) + n);

  // 1. organizations, OUs and accounts, one payer at a time (CreateAccount IDs come from moto)
  for (const [p, payerId] of payers.entries()) {
    const org = new OrganizationsClient(clientConfig({ credentials: await assume(payerId, 'OrganizationAccountAccessRole') }));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const ouIds: Record<string, string> = {};
    for (const ou of OUS) {
      ouIds[ou] = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: ou }))).OrganizationalUnit!.Id!;
    }
    const mine = Math.floor(accountCount / payerCount) + (p < accountCount % payerCount ? 1 : 0);
    for (let i = 0; i < mine; i++) {
      const n = manifest.accounts.length + 1;
      const ou = pick(OUS);
      const ownerName = pick(OWNERS);
      const owner = `${ownerName}@corp.example`;
      // each owner reports to one executive, so owners roll up cleanly
      const executive = EXECUTIVES[OWNERS.indexOf(ownerName) % EXECUTIVES.length]!;
      const name = `${ou.toLowerCase()}-${ownerName}-${String(n).padStart(3, '0')}`;
      const email = `aws+${name}@corp.example`;
      const created = await org.send(new CreateAccountCommand({ AccountName: name, Email: email }));
      const status = await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }));
      const accountId = status.CreateAccountStatus!.AccountId!;
      await org.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouIds[ou]! }));
      await org.send(
        new TagResourceCommand({
          ResourceId: accountId,
          Tags: [
            { Key: 'owner', Value: owner },
            { Key: 'executive', Value: executive },
            { Key: 'environment', Value: ou.toLowerCase() },
          ],
        }),
      );
      const spend = chance(0.1) ? 0 : Math.round(100 + rand() * 49_900);
      manifest.accounts.push({ accountId, name, email, payerId, ouPath: `Root/${ou}`, owner, executive, spend });
    }
    await setCostExplorerResult(motoUrl, payerId, manifest.accounts.filter((a) => a.payerId === payerId));
  }

  // 2. resources in every account, a few accounts at a time
  const limit = pLimit(4);
  let done = 0;
  const orgIds = manifest.accounts.map((a) => a.accountId);
  await Promise.all(
    manifest.accounts.map((account, idx) =>
      limit(async () => {
        const plan = {
          publicBucket: chance(0.3),
          unencrypted: chance(0.4),
          openAdmin: chance(0.35),
          unknownTrust: chance(0.3),
          consoleNoMfa: chance(0.4),
          rotation: chance(0.5),
          publicQueue: chance(0.2),
          unknownAccount: `${900000000000 + Math.floor(rand() * 99_999_999)}`,
          orgPeer: orgIds[(idx + 1) % orgIds.length]!,
          vendor: pick(KNOWN_VENDORS),
        };
        await plantAccount(account, plan, regions, auditRole, securityAccountId, manifest, count);
        opts.onProgress?.(++done, manifest.accounts.length);
      }),
    ),
  );

  // 3. risk register: an active and an expired exception for planted problems
  const publicBuckets = manifest.problems.publicBuckets;
  const openSgs = manifest.problems.openAdminSecurityGroups;
  // bucket names and security-group ARNs both carry the account ID
  const accountOf = (arn: string) => manifest.accounts.find((a) => arn.includes(a.accountId))!.accountId;
  publicBuckets.slice(0, 2).forEach((arn, i) => {
    manifest.exceptions.push({
      exceptionId: `EX-${String(manifest.exceptions.length + 1).padStart(4, '0')}`,
      accountId: accountOf(arn),
      requirementId: DEMO_REQUIREMENTS.publicBucket,
      resourceId: arn,
      reason: i === 0 ? 'Static website assets, reviewed by AppSec' : 'Temporary partner data drop',
      approvedBy: 'ciso@corp.example',
      expiresAt: i === 0 ? daysFromNow(90) : daysFromNow(-10),
    });
  });
  openSgs.slice(0, 2).forEach((arn, i) => {
    manifest.exceptions.push({
      exceptionId: `EX-${String(manifest.exceptions.length + 1).padStart(4, '0')}`,
      accountId: accountOf(arn),
      requirementId: DEMO_REQUIREMENTS.openAdminPort,
      resourceId: arn.split('/').pop()!,
      reason: i === 0 ? 'Bastion host, IP allow-list pending' : 'Lab environment',
      approvedBy: 'secops-lead@corp.example',
      expiresAt: i === 0 ? daysFromNow(30) : daysFromNow(-1),
    });
  });
  manifest.unknownExternalAccounts = [...new Set(manifest.unknownExternalAccounts)].sort();
  return manifest;
}

interface AccountPlan {
  publicBucket: boolean;
  unencrypted: boolean;
  openAdmin: boolean;
  unknownTrust: boolean;
  consoleNoMfa: boolean;
  rotation: boolean;
  publicQueue: boolean;
  unknownAccount: string;
  orgPeer: string;
  vendor: { accountId: string; name: string };
}

async function plantAccount(
  account: PlantedAccount,
  plan: AccountPlan,
  regions: string[],
  auditRole: string,
  securityAccountId: string,
  manifest: SyntheticOrgManifest,
  count: (type: string, n?: number) => void,
): Promise<void> {
  const credentials = await assume(account.accountId, 'OrganizationAccountAccessRole');
  const id = account.accountId;
  const problems = manifest.problems;

  const iam = new IAMClient(clientConfig({ credentials }));
  const role = async (name: string, policy: string) => {
    const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy }));
    count('AWS::IAM::Role');
    return out.Role!.Arn!;
  };
  await role(auditRole, trustPolicy({ AWS: `arn:aws:iam::${securityAccountId}:root` }));
  problems.rolesTrustingOrg.push(await role('app-deploy', trustPolicy({ AWS: `arn:aws:iam::${plan.orgPeer}:root` })));
  problems.rolesTrustingKnown.push(
    await role(`${plan.vendor.name.toLowerCase().replace(/\W/g, '')}-integration`, trustPolicy({ AWS: plan.vendor.accountId }, { StringEquals: { 'sts:ExternalId': `ext-${id}` } })),
  );
  if (plan.unknownTrust) {
    problems.rolesTrustingUnknown.push(await role('partner-access', trustPolicy({ AWS: `arn:aws:iam::${plan.unknownAccount}:role/sync` })));
    manifest.unknownExternalAccounts.push(plan.unknownAccount);
  }
  await iam.send(new CreateUserCommand({ UserName: 'svc-ci' }));
  await iam.send(new CreateAccessKeyCommand({ UserName: 'svc-ci' }));
  count('AWS::IAM::User');
  if (plan.consoleNoMfa) {
    await iam.send(new CreateUserCommand({ UserName: 'console-admin' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'console-admin', Password: 'Synthetic-Passw0rd!' }));
    problems.consoleUsersWithoutMfa.push(`arn:aws:iam::${id}:user/console-admin`);
    count('AWS::IAM::User');
  }

  const s3 = new S3Client(s3Config({ credentials }));
  for (const suffix of ['data', 'logs', ...(plan.publicBucket ? ['public-assets'] : [])]) {
    const bucket = `census-demo-${id}-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    count('AWS::S3::Bucket');
    const arn = `arn:aws:s3:::${bucket}`;
    if (suffix === 'public-assets') {
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${arn}/*` }] }),
        }),
      );
      problems.publicBuckets.push(arn);
    }
    if (suffix === 'logs' && plan.unencrypted) {
      problems.unencryptedBuckets.push(arn);
    } else {
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
        }),
      );
    }
  }

  for (const region of regions) {
    const ec2 = new EC2Client(clientConfig({ credentials, region }));
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
    count('AWS::EC2::VPC');
    const vpcId = vpc.Vpc!.VpcId!;
    const web = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'HTTPS from anywhere', VpcId: vpcId }));
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: web.GroupId!,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    count('AWS::EC2::SecurityGroup');
    if (plan.openAdmin && region === regions[0]) {
      const admin = await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'admin', Description: 'SSH for admins', VpcId: vpcId }));
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: admin.GroupId!,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
      );
      count('AWS::EC2::SecurityGroup');
      problems.openAdminSecurityGroups.push(`arn:aws:ec2:${region}:${id}:security-group/${admin.GroupId}`);
    }
  }

  const region = regions[0]!;
  const ddb = new DynamoDBClient(clientConfig({ credentials, region }));
  await ddb.send(
    new CreateTableCommand({
      TableName: 'orders',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      ...(plan.unencrypted ? {} : { SSESpecification: { Enabled: true, SSEType: 'KMS' } }),
    }),
  );
  count('AWS::DynamoDB::Table');

  const kms = new KMSClient(clientConfig({ credentials, region }));
  const key = await kms.send(new CreateKeyCommand({ Description: 'application data key' }));
  count('AWS::KMS::Key');
  if (plan.rotation) await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyMetadata!.KeyId! }));
  else problems.kmsKeysWithoutRotation.push(key.KeyMetadata!.Arn!);

  const secrets = new SecretsManagerClient(clientConfig({ credentials, region }));
  const secret = await secrets.send(new CreateSecretCommand({ Name: 'app/db-password', SecretString: 'synthetic' }));
  count('AWS::SecretsManager::Secret');
  problems.secretsWithoutRotation.push(secret.ARN!);

  const sqs = new SQSClient(clientConfig({ credentials, region }));
  const queueArn = `arn:aws:sqs:${region}:${id}:events`;
  await sqs.send(
    new CreateQueueCommand({
      QueueName: 'events',
      Attributes: plan.publicQueue
        ? { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sqs:SendMessage', Resource: queueArn }] }) }
        : {},
    }),
  );
  count('AWS::SQS::Queue');
  if (plan.publicQueue) problems.publicQueues.push(queueArn);
}

/** moto answers Cost Explorer from a queue of canned results, set per payer account. */
async function setCostExplorerResult(motoUrl: string, payerId: string, accounts: PlantedAccount[]): Promise<void> {
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const result = {
    ResultsByTime: [
      {
        TimePeriod: { Start: start, End: end },
        Total: {},
        Groups: accounts.map((a) => ({ Keys: [a.accountId], Metrics: { UnblendedCost: { Amount: a.spend.toFixed(2), Unit: 'USD' } } })),
        Estimated: false,
      },
    ],
    DimensionValueAttributes: [],
  };
  const res = await fetch(`${motoUrl}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: payerId, results: [result] }),
  });
  if (res.status !== 201) throw new Error(`moto refused the Cost Explorer results for payer ${payerId}: HTTP ${res.status}`);
}

/** The trusted-accounts register shipped with the demo: the vendors it plants and the Census security account, approved. */
export function trustedAccountsRegisterCsv(securityAccountId: string): string {
  return (
    [
      'accountId,name,approved,note',
      `${securityAccountId},Census security account,yes,runs the collectors that assume the audit role`,
      ...KNOWN_VENDORS.map((v) => `${v.accountId},${v.name},yes,monitoring vendor`),
    ].join('\n') + '\n'
  );
}

export function exceptionsCsv(entries: ExceptionEntry[]): string {
  const cols = ['exceptionId', 'accountId', 'requirementId', 'resourceId', 'reason', 'approvedBy', 'expiresAt'] as const;
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return [cols.join(','), ...entries.map((e) => cols.map((c) => esc(e[c])).join(','))].join('\n') + '\n';
}
