// Deterministic bench data: resource records shaped like the collectors' output, findings and accounts
// at the scale of a large organization. Generated in memory so every case measures the same input.
import { SCHEMA_VERSION, type AccountRecord, type FindingRecord, type ResourceRecord } from '../core/schemas.js';
import { seededRandom } from '../scripts/demo/synthetic-org.js';
import { findingIdFor } from '../standard/index.js';

export function benchAccounts(n: number, seed = 1): AccountRecord[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const owner = `owner${i % Math.max(1, Math.floor(n / 5))}@corp.example`;
    return {
      recordType: 'account',
      schemaVersion: SCHEMA_VERSION,
      accountId: String(300000000000 + i),
      name: `account-${i}`,
      email: `aws+${i}@corp.example`,
      status: 'ACTIVE',
      payerId: '200000000001',
      ouPath: `Root/${['Prod', 'Dev', 'Sandbox'][i % 3]}`,
      joinedAt: '2024-01-01T00:00:00.000Z',
      tags: { owner, executive: `vp${i % 3}@corp.example` },
      owner,
      executive: `vp${i % 3}@corp.example`,
      spend: i % 10 === 0 ? 0 : Math.round(rand() * 50_000),
      observedAt: '2026-11-24T00:00:00.000Z',
    };
  });
}

const policy = (principal: unknown) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });

/** A mix of buckets with policies, roles with trust policies and open security groups. */
export function benchResources(n: number, accounts: AccountRecord[], seed = 2): ResourceRecord[] {
  const rand = seededRandom(seed);
  const at = '2026-11-24T00:00:00.000Z';
  return Array.from({ length: n }, (_, i): ResourceRecord => {
    const account = accounts[i % accounts.length]!;
    const id = account.accountId;
    const base: Omit<ResourceRecord, 'resourceType' | 'resourceId' | 'arn' | 'resourceName' | 'awsRegion' | 'collector' | 'configuration' | 'supplementaryConfiguration'> = { recordType: 'resource', schemaVersion: SCHEMA_VERSION, awsAccountId: id, resourceCreationTime: null, configurationItemCaptureTime: at, configurationItemStatus: 'OK', errors: [], tags: { team: 'x' } };
    return inCollectorOrder(variant(i, base));
  });

  function variant(i: number, base: Omit<ResourceRecord, 'resourceType' | 'resourceId' | 'arn' | 'resourceName' | 'awsRegion' | 'collector' | 'configuration' | 'supplementaryConfiguration'>): ResourceRecord {
    const account = accounts[i % accounts.length]!;
    const id = account.accountId;
    switch (i % 3) {
      case 0: {
        const name = `bucket-${i}`;
        return {
          ...base,
          resourceType: 'AWS::S3::Bucket',
          resourceId: name,
          arn: `arn:aws:s3:::${name}`,
          resourceName: name,
          awsRegion: 'us-east-1',
          collector: 's3',
          configuration: { Name: name, CreationDate: at },
          supplementaryConfiguration: {
            BucketPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: rand() < 0.2 ? '*' : { AWS: `arn:aws:iam::${accounts[(i + 1) % accounts.length]!.accountId}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` }] }),
            PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: rand() < 0.5, RestrictPublicBuckets: true },
            ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] },
          },
        };
      }
      case 1: {
        const name = `role-${i}`;
        return {
          ...base,
          resourceType: 'AWS::IAM::Role',
          resourceId: `AROA${i}`,
          arn: `arn:aws:iam::${id}:role/${name}`,
          resourceName: name,
          awsRegion: 'global',
          collector: 'iam',
          configuration: { RoleName: name, RoleId: `AROA${i}`, Arn: `arn:aws:iam::${id}:role/${name}`, AssumeRolePolicyDocument: encodeURIComponent(policy({ AWS: rand() < 0.3 ? `arn:aws:iam::${900000000000 + i}:root` : '464622532012' })) },
          supplementaryConfiguration: {},
        };
      }
      default: {
        const sg = `sg-${i.toString(16).padStart(17, '0')}`;
        return {
          ...base,
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: sg,
          arn: `arn:aws:ec2:us-east-1:${id}:security-group/${sg}`,
          resourceName: 'web',
          awsRegion: 'us-east-1',
          collector: 'ec2',
          configuration: {
            GroupId: sg,
            GroupName: 'web',
            OwnerId: id,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: rand() < 0.3 ? 22 : 443, ToPort: rand() < 0.3 ? 22 : 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] }],
          },
          supplementaryConfiguration: {},
        };
      }
    }
  }
}

/** The record's keys in the order collectors/engine.ts writes them (the capture time and run after the configuration). */
const COLLECTOR_ORDER = ['recordType', 'schemaVersion', 'resourceType', 'resourceId', 'arn', 'resourceName', 'awsAccountId', 'awsRegion', 'configuration', 'supplementaryConfiguration', 'tags', 'resourceCreationTime', 'configurationItemCaptureTime', 'configurationItemStatus', 'collector', 'runId', 'errors'] as const;
function inCollectorOrder(r: ResourceRecord): ResourceRecord {
  const out: Record<string, unknown> = {};
  for (const k of COLLECTOR_ORDER) if (k in r) out[k] = r[k];
  return out as ResourceRecord;
}

/** n findings over the accounts and requirements, about a quarter failing. */
export function benchFindings(n: number, accounts: AccountRecord[], requirementIds: string[], seed = 3): FindingRecord[] {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const account = accounts[i % accounts.length]!;
    const requirementId = requirementIds[Math.floor(i / accounts.length) % requirementIds.length]!;
    const arn = `arn:aws:s3:::bench-${account.accountId}-${i}`;
    return {
      recordType: 'finding',
      schemaVersion: SCHEMA_VERSION,
      findingId: findingIdFor(requirementId, arn),
      requirementId,
      status: rand() < 0.25 ? 'FAIL' : 'PASS',
      severity: 'high',
      resourceType: 'AWS::S3::Bucket',
      resourceId: `bench-${account.accountId}-${i}`,
      resourceArn: arn,
      accountId: account.accountId,
      region: 'us-east-1',
      source: 'census',
      evidence: 'bench finding',
      observedAt: '2026-11-24T00:00:00.000Z',
    };
  });
}
