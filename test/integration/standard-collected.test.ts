// The standard over what the real collectors (S3, IAM, EC2) read from moto: proves the checks and the collectors agree on
// where each API response lands (supplementaryConfiguration keys, wrapped or unwrapped outputs).
import { AuthorizeSecurityGroupIngressCommand, CreateFlowLogsCommand, CreateSecurityGroupCommand, CreateVpcCommand, EC2Client, EnableEbsEncryptionByDefaultCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, EnableMFADeviceCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  CreateBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../core/aws.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { collectResources } from '../../collectors/engine.js';
import type { Collector, Credentials } from '../../collectors/engine.js';
import { ec2 as ec2Collector } from '../../collectors/services/ec2.js';
import { iam as iamCollector } from '../../collectors/services/iam.js';
import { s3 as s3Collector } from '../../collectors/services/s3.js';
import { CallLimiter, collectorContext, newStats } from '../../collectors/runtime.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, loadCatalog } from '../../processors/standard/index.js';
import { uniqueName } from '../helpers.js';

/** Credentials of a fresh moto account (STS-issued keys map to the assumed account). */
async function freshAccount() {
  const accountId = String(randomInt(100000000000, 999999999999));
  const sts = new STSClient(clientConfig());
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/census-audit`, RoleSessionName: 'census-standard-test' }));
  return { accountId, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } };
}

/** Every record a collector reads in one account and region, the way the inventory runs it. */
async function collect(collector: Collector, accountId: string, region: string, credentials: Credentials): Promise<ResourceRecord[]> {
  const ctx = collectorContext({
    accountId, region, partition: 'aws', collector: collector.name, credentials, observedAt: new Date().toISOString(),
    limiter: new CallLimiter({ overall: 8, perAccount: 8, perRegion: 8 }), stats: newStats(),
  });
  const records: ResourceRecord[] = [];
  for (const spec of collector.resources) {
    // a list call moto does not implement (Client VPN) fails that type only, as in the inventory
    try {
      for await (const r of collectResources(spec, ctx)) records.push(r);
    } catch {
      continue;
    }
  }
  return records;
}

describe('the standard over collected S3 records (moto)', () => {
  it('judges buckets and the account public access block as the collector records them', async () => {
    const { accountId, credentials } = await freshAccount();
    const s3 = new S3Client(s3Config({ credentials, region: 'us-east-1' }));
    const [open, locked, acl] = ['open', 'locked', 'acl'].map((n) => uniqueName(`css-${n}`));
    for (const b of [open!, locked!, acl!]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketPolicyCommand({
      Bucket: open,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${open}/*` }] }),
    }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: locked, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: locked, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: locked, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await s3.send(new PutBucketAclCommand({ Bucket: acl, ACL: 'public-read' }));

    const records = await collect(s3Collector, accountId, 'global', credentials);
    const observedAt = new Date().toISOString();
    expect(records.filter((r) => r.resourceType === 'AWS::S3::Bucket').map((r) => r.resourceId).sort()).toEqual([acl, locked, open].sort());

    const catalog = loadCatalog();
    const { findings, problems } = evaluateRecordsDetailed(catalog, records, observedAt);
    expect(problems).toEqual([]);
    const status = (req: string, bucket: string) => findings.find((x) => x.requirementId === req && x.resourceId === bucket)?.status;
    expect([status('CSS-S3-01', open!), status('CSS-S3-01', locked!), status('CSS-S3-01', acl!)]).toEqual(['FAIL', 'PASS', 'PASS']);
    expect([status('CSS-S3-02', acl!), status('CSS-S3-02', open!)]).toEqual(['FAIL', 'PASS']);
    expect([status('CSS-S3-03', locked!), status('CSS-S3-03', open!)]).toEqual(['PASS', 'FAIL']);
    expect(status('CSS-S3-05', locked!)).toBe('PASS');
    // the shipped custom rule reads the collector's BucketVersioningConfiguration
    expect([status('CSS-S3-06', locked!), status('CSS-S3-06', open!)]).toEqual(['PASS', 'FAIL']);

    const sweep = evaluateSweepDetailed(catalog, { accountId, regions: ['us-east-1'], resources: records }, observedAt);
    expect(sweep.findings.find((x) => x.requirementId === 'CSS-S3-04')).toMatchObject({ status: 'FAIL', resourceId: accountId, evidence: expect.stringMatching(/no public access block configured/) });
  });
});

describe('the standard over collected IAM and EC2 records (moto)', () => {
  it('judges users, the root user, security groups, instances, VPCs and EBS defaults as the collectors record them', async () => {
    const { accountId, credentials } = await freshAccount();
    const region = 'us-east-1';
    const iam = new IAMClient(clientConfig({ credentials, region }));
    for (const u of ['console-nomfa', 'console-mfa', 'keyed']) await iam.send(new CreateUserCommand({ UserName: u }));
    for (const u of ['console-nomfa', 'console-mfa']) await iam.send(new CreateLoginProfileCommand({ UserName: u, Password: 'Census-test-pw-1!' }));
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'console-mfa' }));
    await iam.send(new EnableMFADeviceCommand({ UserName: 'console-mfa', SerialNumber: mfa.VirtualMFADevice!.SerialNumber, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'keyed' }));

    const ec2 = new EC2Client(clientConfig({ credentials, region }));
    const vpcA = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.10.0.0/16' }))).Vpc!.VpcId!;
    const vpcB = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc!.VpcId!;
    const logBucket = uniqueName('css-flow-logs');
    await new S3Client(s3Config({ credentials, region })).send(new CreateBucketCommand({ Bucket: logBucket }));
    const flow = await ec2.send(new CreateFlowLogsCommand({ ResourceIds: [vpcA], ResourceType: 'VPC', TrafficType: 'ALL', LogDestinationType: 's3', LogDestination: `arn:aws:s3:::${logBucket}` }));
    expect(flow.Unsuccessful).toEqual([]);
    const ssh = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'ssh-open', Description: 'ssh', VpcId: vpcA }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: ssh, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const web = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'https', VpcId: vpcA }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: web, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    const v2 = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, MetadataOptions: { HttpTokens: 'required' } }))).Instances![0]!.InstanceId!;
    const v1 = (await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, MetadataOptions: { HttpTokens: 'optional' } }))).Instances![0]!.InstanceId!;
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));

    const records = [...(await collect(iamCollector, accountId, 'global', credentials)), ...(await collect(ec2Collector, accountId, region, credentials))];
    const observedAt = new Date().toISOString();
    const catalog = loadCatalog();
    const { findings, problems } = evaluateRecordsDetailed(catalog, records, observedAt);
    expect(problems).toEqual([]);
    // IAM users are identified by UserId; the test names them
    const arnOf = (idOrName: string) =>
      (records.find((r) => r.resourceId === idOrName) ?? records.find((r) => r.resourceType === 'AWS::IAM::User' && r.resourceName === idOrName))?.arn;
    const status = (req: string, idOrName: string) => findings.find((x) => x.requirementId === req && x.resourceArn === arnOf(idOrName))?.status;

    expect([status('CSS-IAM-03', 'console-nomfa'), status('CSS-IAM-03', 'console-mfa'), status('CSS-IAM-03', 'keyed')]).toEqual(['FAIL', 'PASS', undefined]);
    expect([status('CSS-IAM-01', 'keyed'), status('CSS-IAM-02', 'keyed')]).toEqual(['PASS', 'PASS']);
    expect([status('CSS-EC2-01', ssh), status('CSS-EC2-01', web), status('CSS-EC2-02', ssh)]).toEqual(['FAIL', 'PASS', 'PASS']);
    expect([status('CSS-EC2-03', v2), status('CSS-EC2-03', v1)]).toEqual(['PASS', 'FAIL']);
    expect([status('CSS-VPC-01', vpcA), status('CSS-VPC-01', vpcB)]).toEqual(['PASS', 'FAIL']);

    const sweep = evaluateSweepDetailed(catalog, { accountId, regions: [region], resources: records }, observedAt);
    expect(sweep.problems).toEqual([]);
    const swept = Object.fromEntries(sweep.findings.map((x) => [x.requirementId, x]));
    expect(swept['CSS-EC2-04']).toMatchObject({ status: 'PASS', resourceId: `${accountId}/${region}` });
    // moto's credential report has no <root_account> row (real IAM always has one): the root user cannot be
    // assessed, which is a FAIL, not a silent pass
    const noRoot = { status: 'FAIL', resourceId: accountId, evidence: 'credential report has no <root_account> row' };
    expect(swept['CSS-IAM-04']).toMatchObject(noRoot);
    expect(swept['CSS-IAM-05']).toMatchObject(noRoot);
    expect(swept['CSS-GD-01']).toMatchObject({ status: 'FAIL', evidence: `no GuardDuty detector in ${region}` });
  });
});
