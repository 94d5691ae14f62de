// The standard over what the real collectors (S3, IAM, EC2) read from moto: proves the checks and the collectors agree on
// where each API response lands (supplementaryConfiguration keys, wrapped or unwrapped outputs).
import { AuthorizeSecurityGroupIngressCommand, CreateFlowLogsCommand, CreateSecurityGroupCommand, CreateVpcCommand, EC2Client, EnableEbsEncryptionByDefaultCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { AddPermissionCommand, CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateRoleCommand, CreateUserCommand, CreateVirtualMFADeviceCommand, EnableMFADeviceCommand, IAMClient } from '@aws-sdk/client-iam';
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
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRepositoryCommand, ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, PutResourcePolicyCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { collectResources } from '../../collectors/engine.js';
import type { Collector, Credentials } from '../../collectors/engine.js';
import { cloudtrail as ctCollector } from '../../collectors/services/cloudtrail.js';
import { dynamodb as ddbCollector } from '../../collectors/services/dynamodb.js';
import { ec2 as ec2Collector } from '../../collectors/services/ec2.js';
import { ecr as ecrCollector } from '../../collectors/services/ecr.js';
import { guardduty as gdCollector } from '../../collectors/services/guardduty.js';
import { kms as kmsCollector } from '../../collectors/services/kms.js';
import { lambda as lambdaCollector } from '../../collectors/services/lambda.js';
import { opensearch as osCollector } from '../../collectors/services/opensearch.js';
import { rds as rdsCollector } from '../../collectors/services/rds.js';
import { secretsmanager as smCollector } from '../../collectors/services/secretsmanager.js';
import { sns as snsCollector } from '../../collectors/services/sns.js';
import { sqs as sqsCollector } from '../../collectors/services/sqs.js';
import { iam as iamCollector } from '../../collectors/services/iam.js';
import { s3 as s3Collector } from '../../collectors/services/s3.js';
import { CallLimiter, collectorContext, newStats } from '../../collectors/runtime.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, loadCatalog } from '../../standard/index.js';
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

describe('the standard over collected data-store, policy and detection records (moto)', () => {
  it('judges keys, secrets, queues, topics, repositories, functions, databases, tables, domains, trails and detectors', async () => {
    const { accountId, credentials } = await freshAccount();
    const region = 'us-east-1';
    const cfg = clientConfig({ credentials, region });
    const open = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: action, Resource: resource }] });
    const orgOnly = (action: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: action, Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } } }] });

    const kms = new KMSClient(cfg);
    const rotated = (await kms.send(new CreateKeyCommand({ Description: 'rotated' }))).KeyMetadata!.KeyId!;
    await kms.send(new EnableKeyRotationCommand({ KeyId: rotated }));
    const still = (await kms.send(new CreateKeyCommand({ Description: 'not rotated' }))).KeyMetadata!.KeyId!;
    const publicKey = (await kms.send(new CreateKeyCommand({ Description: 'public', Policy: open('kms:Decrypt') }))).KeyMetadata!.KeyId!;

    const sm = new SecretsManagerClient(cfg);
    const plainSecret = (await sm.send(new CreateSecretCommand({ Name: uniqueName('css-secret'), SecretString: 'x' }))).ARN!;
    await sm.send(new PutResourcePolicyCommand({ SecretId: plainSecret, ResourcePolicy: open('secretsmanager:GetSecretValue') }));

    const sqs = new SQSClient(cfg);
    const openQueue = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('css-open'), Attributes: { Policy: open('sqs:SendMessage') } }))).QueueUrl!;
    const orgQueue = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('css-org'), Attributes: { Policy: orgOnly('sqs:SendMessage') } }))).QueueUrl!;

    const sns = new SNSClient(cfg);
    const topic = (await sns.send(new CreateTopicCommand({ Name: uniqueName('css-topic') }))).TopicArn!;
    await sns.send(new SetTopicAttributesCommand({ TopicArn: topic, AttributeName: 'Policy', AttributeValue: open('SNS:Publish', topic) }));

    const ecr = new ECRClient(cfg);
    const repo = uniqueName('css-repo');
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: repo, policyText: open('ecr:BatchGetImage') }));

    const rds = new RDSClient(cfg);
    const db = uniqueName('css-db');
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: db, DBInstanceClass: 'db.t3.micro', Engine: 'postgres', MasterUsername: 'admin', MasterUserPassword: 'census-password-1', AllocatedStorage: 20, PubliclyAccessible: true, StorageEncrypted: false }));

    const ddb = new DynamoDBClient(cfg);
    const key = { AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' as const }], BillingMode: 'PAY_PER_REQUEST' as const };
    const kmsTable = uniqueName('css-kms');
    const ownedTable = uniqueName('css-owned');
    await ddb.send(new CreateTableCommand({ TableName: kmsTable, ...key, SSESpecification: { Enabled: true, SSEType: 'KMS' } }));
    await ddb.send(new CreateTableCommand({ TableName: ownedTable, ...key }));

    const os = new OpenSearchClient(cfg);
    const domain = `css-${randomInt(100000, 999999)}`;
    await os.send(new CreateDomainCommand({ DomainName: domain, AccessPolicies: open('es:*') }));

    const s3 = new S3Client(s3Config({ credentials, region }));
    const trailBucket = uniqueName('css-trail');
    await s3.send(new CreateBucketCommand({ Bucket: trailBucket }));
    const ct = new CloudTrailClient(cfg);
    await ct.send(new CreateTrailCommand({ Name: 'org-trail', S3BucketName: trailBucket, IsMultiRegionTrail: true, EnableLogFileValidation: true }));
    await ct.send(new StartLoggingCommand({ Name: 'org-trail' }));
    await ct.send(new CreateTrailCommand({ Name: 'no-validation', S3BucketName: trailBucket }));
    await new GuardDutyClient(cfg).send(new CreateDetectorCommand({ Enable: true }));

    const records: ResourceRecord[] = [];
    for (const c of [kmsCollector, smCollector, sqsCollector, snsCollector, ecrCollector, rdsCollector, ddbCollector, osCollector, ctCollector, gdCollector]) {
      records.push(...(await collect(c, accountId, region, credentials)));
    }
    const observedAt = new Date().toISOString();
    const catalog = loadCatalog();
    const { findings, problems } = evaluateRecordsDetailed(catalog, records, observedAt);
    expect(problems).toEqual([]);
    const arnOf = (idOrName: string) => (records.find((r) => r.resourceId === idOrName) ?? records.find((r) => r.resourceName === idOrName || r.arn === idOrName))?.arn;
    const status = (req: string, idOrName: string) => findings.find((x) => x.requirementId === req && x.resourceArn === arnOf(idOrName))?.status;

    expect([status('CSS-KMS-02', rotated), status('CSS-KMS-02', still)]).toEqual(['PASS', 'FAIL']);
    expect([status('CSS-KMS-01', publicKey), status('CSS-KMS-01', still)]).toEqual(['FAIL', 'PASS']);
    expect([status('CSS-SM-01', plainSecret), status('CSS-SM-02', plainSecret)]).toEqual(['FAIL', 'FAIL']);
    const queueArn = (url: string) => records.find((r) => r.resourceType === 'AWS::SQS::Queue' && r.resourceId === url)?.arn ?? url;
    expect([status('CSS-SQS-01', queueArn(openQueue)), status('CSS-SQS-01', queueArn(orgQueue))]).toEqual(['FAIL', 'PASS']);
    expect(status('CSS-SNS-01', topic)).toBe('FAIL');
    expect(status('CSS-ECR-01', repo)).toBe('FAIL');
    expect([status('CSS-RDS-01', db), status('CSS-RDS-02', db)]).toEqual(['FAIL', 'FAIL']);
    expect([status('CSS-DDB-01', kmsTable), status('CSS-DDB-01', ownedTable)]).toEqual(['PASS', 'FAIL']);
    expect([status('CSS-OS-01', domain), status('CSS-OS-02', domain)]).toEqual(['FAIL', 'FAIL']);
    const trailArn = (name: string) => records.find((r) => r.resourceType === 'AWS::CloudTrail::Trail' && r.configuration.Name === name)!.arn;
    expect([status('CSS-CT-02', trailArn('org-trail')), status('CSS-CT-02', trailArn('no-validation'))]).toEqual(['PASS', 'FAIL']);

    const sweep = evaluateSweepDetailed(catalog, { accountId, regions: [region, 'eu-west-1'], resources: records }, observedAt);
    expect(sweep.problems).toEqual([]);
    const swept = (req: string, region: string) => sweep.findings.find((x) => x.requirementId === req && x.region === region);
    expect(swept('CSS-CT-01', 'global')).toMatchObject({ status: 'PASS', evidence: 'multi-region trail org-trail and logging' });
    expect(swept('CSS-GD-01', region)?.status).toBe('PASS');
    expect(swept('CSS-GD-01', 'eu-west-1')).toMatchObject({ status: 'FAIL', resourceId: `${accountId}/eu-west-1` });
  });
});

describe('the standard over collected Lambda functions (moto)', () => {
  it('fails a function anyone may invoke and passes one only S3 of this account may', async () => {
    const { accountId, credentials } = await freshAccount();
    const region = 'us-east-1';
    const iam = new IAMClient(clientConfig({ credentials, region }));
    const role = await iam.send(new CreateRoleCommand({
      RoleName: 'fn-role',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    const lambda = new LambdaClient(clientConfig({ credentials, region }));
    // a minimal zip archive holding index.js: moto stores the code, nothing runs
    const zip = Buffer.from('UEsDBBQAAAAAAOFWeF2lBlDiGwAAABsAAAAIAAAAaW5kZXguanNleHBvcnRzLmhhbmRsZXI9YXN5bmMoKT0+MTtQSwECFAMUAAAAAADhVnhdpQZQ4hsAAAAbAAAACAAAAAAAAAAAAAAAgAEAAAAAaW5kZXguanNQSwUGAAAAAAEAAQA2AAAAQQAAAAAA', 'base64');
    const fn = async (name: string) =>
      (await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: role.Role!.Arn!, Handler: 'index.handler', Code: { ZipFile: zip } }))).FunctionArn!;
    const openFn = await fn('css-open-fn');
    const s3Fn = await fn('css-s3-fn');
    await lambda.send(new AddPermissionCommand({ FunctionName: 'css-open-fn', StatementId: 'anyone', Action: 'lambda:InvokeFunction', Principal: '*' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'css-s3-fn', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceAccount: accountId }));

    const records = await collect(lambdaCollector, accountId, region, credentials);
    const { findings, problems } = evaluateRecordsDetailed(loadCatalog(), records, new Date().toISOString());
    expect(problems).toEqual([]);
    const status = (arn: string) => findings.find((x) => x.requirementId === 'CSS-LAMBDA-01' && x.resourceArn === arn);
    expect(status(openFn)).toMatchObject({ status: 'FAIL', evidence: expect.stringMatching(/statement "anyone" allows lambda:InvokeFunction to Principal \*/) });
    expect(status(s3Fn)?.status).toBe('PASS');
  });
});
