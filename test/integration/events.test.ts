// Event-driven re-collection on the real local stack: resources of 16 types are created in a moto account,
// CloudTrail events shaped as EventBridge delivers them (AWS API Call via CloudTrail; field names from the
// services' CloudTrail documentation) go through the handler, which re-collects just those resources with the
// real collectors into kinesalite; the processor lands them in OpenSearch, where each document is found with
// the re-collection's capture time. A delete event becomes a deletion marker; unmappable events are counted.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTrailCommand, CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateSecurityGroupCommand, CreateVolumeCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';
import { CreatePolicyCommand, CreateRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { indexNames } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureStream } from '../../platform/local-stack.js';
import { KinesisProducer } from '../../collectors/producer.js';
import { assumeRole } from '../../collectors/runtime.js';
import { handleEvents, type EventSummary } from '../../collectors/events/handler.js';
import { processStream } from '../../processors/consumer.js';
import { documentId } from '../../opensearch/bulk.js';
import { testIndexPrefix } from './processors-helpers.js';

const REGION = 'us-east-1';
const ZIP = Buffer.from('504b0506000000000000000000000000000000000000', 'hex');

/** An EventBridge "AWS API Call via CloudTrail" event. */
function cloudTrailEvent(account: string, source: string, eventName: string, requestParameters: object | null, responseElements: object | null = null) {
  return {
    version: '0',
    id: `${randomInt(1e9)}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: `aws.${source.split('.')[0]}`,
    account,
    time: new Date().toISOString(),
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${account}:assumed-role/Admin/alice`, accountId: account },
      eventTime: new Date().toISOString(),
      eventSource: source,
      eventName,
      awsRegion: REGION,
      sourceIPAddress: '198.51.100.7',
      requestParameters,
      responseElements,
      eventID: `${randomInt(1e9)}-${randomInt(1e9)}`,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: account,
    },
  };
}

describe('event-driven re-collection (CloudTrail event → handler → real collectors → kinesalite → OpenSearch)', () => {
  const name = testIndexPrefix('events');
  const account = String(randomInt(400_000_000_000, 499_999_999_999));
  let config: CensusConfig;
  let summary: EventSummary;
  let startedAt = '';
  /** resource type -> the ARN OpenSearch must hold after re-collection */
  const expected = new Map<string, string>();
  let deletedQueueArn = '';
  const events: unknown[] = [];
  const os = openSearchClient();

  beforeAll(async () => {
    const credentials = await (await assumeRole({ accountId: account, roleName: 'OrganizationAccountAccessRole', sessionName: 'events-test' }))();
    const o = { region: REGION, credentials };
    const ev = (source: string, eventName: string, req: object | null, res: object | null = null) => events.push(cloudTrailEvent(account, source, eventName, req, res));

    const bucket = `${name}-b`;
    await new S3Client(s3Config(o)).send(new CreateBucketCommand({ Bucket: bucket }));
    expected.set('AWS::S3::Bucket', `arn:aws:s3:::${bucket}`);
    ev('s3.amazonaws.com', 'PutBucketPolicy', { bucketName: bucket, policy: '' });

    const iam = new IAMClient(clientConfig(o));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const role = (await iam.send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: trust }))).Role!;
    expected.set('AWS::IAM::Role', role.Arn!);
    ev('iam.amazonaws.com', 'UpdateAssumeRolePolicy', { roleName: role.RoleName, policyDocument: trust });
    const user = (await iam.send(new CreateUserCommand({ UserName: `${name}-user` }))).User!;
    expected.set('AWS::IAM::User', user.Arn!);
    ev('iam.amazonaws.com', 'CreateAccessKey', { userName: user.UserName }, { accessKey: { userName: user.UserName, status: 'Active' } });
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: `${name}-policy`, PolicyDocument: doc }))).Policy!;
    expected.set('AWS::IAM::Policy', policy.Arn!);
    ev('iam.amazonaws.com', 'CreatePolicy', { policyName: policy.PolicyName }, { policy: { arn: policy.Arn, policyName: policy.PolicyName } });

    const sqs = new SQSClient(clientConfig(o));
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-q` }))).QueueUrl!;
    expected.set('AWS::SQS::Queue', `arn:aws:sqs:${REGION}:${account}:${name}-q`);
    ev('sqs.amazonaws.com', 'SetQueueAttributes', { queueUrl, attributes: { Policy: '{}' } });
    const goneUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-gone` }))).QueueUrl!;
    await sqs.send(new DeleteQueueCommand({ QueueUrl: goneUrl }));
    deletedQueueArn = `arn:aws:sqs:${REGION}:${account}:${name}-gone`;
    ev('sqs.amazonaws.com', 'DeleteQueue', { queueUrl: goneUrl });

    const topicArn = (await new SNSClient(clientConfig(o)).send(new CreateTopicCommand({ Name: `${name}-t` }))).TopicArn!;
    expected.set('AWS::SNS::Topic', topicArn);
    ev('sns.amazonaws.com', 'SetTopicAttributes', { topicArn, attributeName: 'Policy' });

    const fn = await new LambdaClient(clientConfig(o)).send(
      new CreateFunctionCommand({ FunctionName: `${name}-fn`, Runtime: 'python3.12', Role: role.Arn, Handler: 'index.handler', Code: { ZipFile: ZIP } }),
    );
    expected.set('AWS::Lambda::Function', fn.FunctionArn!);
    ev('lambda.amazonaws.com', 'UpdateFunctionConfiguration20150331v2', { functionName: fn.FunctionName, timeout: 30 });

    const table = (
      await new DynamoDBClient(clientConfig(o)).send(
        new CreateTableCommand({ TableName: `${name}-tbl`, BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
      )
    ).TableDescription!;
    expected.set('AWS::DynamoDB::Table', table.TableArn!);
    ev('dynamodb.amazonaws.com', 'UpdateTable', { tableName: table.TableName });

    const key = (await new KMSClient(clientConfig(o)).send(new CreateKeyCommand({ Description: `${name} key` }))).KeyMetadata!;
    expected.set('AWS::KMS::Key', key.Arn!);
    ev('kms.amazonaws.com', 'PutKeyPolicy', { keyId: key.Arn, policyName: 'default' });

    const secret = await new SecretsManagerClient(clientConfig(o)).send(new CreateSecretCommand({ Name: `${name}-secret`, SecretString: 'not-stored' }));
    expected.set('AWS::SecretsManager::Secret', secret.ARN!);
    ev('secretsmanager.amazonaws.com', 'CreateSecret', { name: secret.Name }, { aRN: secret.ARN, name: secret.Name });

    const ec2 = new EC2Client(clientConfig(o));
    const sg = await ec2.send(new CreateSecurityGroupCommand({ GroupName: `${name}-sg`, Description: 'events test' }));
    expected.set('AWS::EC2::SecurityGroup', `arn:aws:ec2:${REGION}:${account}:security-group/${sg.GroupId}`);
    ev('ec2.amazonaws.com', 'AuthorizeSecurityGroupIngress', { groupId: sg.GroupId, ipPermissions: { items: [] } });
    const ami = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0]!;
    const instance = (await ec2.send(new RunInstancesCommand({ ImageId: ami.ImageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0]!;
    expected.set('AWS::EC2::Instance', `arn:aws:ec2:${REGION}:${account}:instance/${instance.InstanceId}`);
    ev('ec2.amazonaws.com', 'RunInstances', { instanceType: 't3.micro' }, { instancesSet: { items: [{ instanceId: instance.InstanceId }] } });
    const volume = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${REGION}a`, Size: 8 }));
    expected.set('AWS::EC2::Volume', `arn:aws:ec2:${REGION}:${account}:volume/${volume.VolumeId}`);
    ev('ec2.amazonaws.com', 'CreateVolume', { size: 8, zone: `${REGION}a` }, { volumeId: volume.VolumeId });

    const repo = (await new ECRClient(clientConfig(o)).send(new CreateRepositoryCommand({ repositoryName: `${name}-repo` }))).repository!;
    expected.set('AWS::ECR::Repository', repo.repositoryArn!);
    ev('ecr.amazonaws.com', 'SetRepositoryPolicy', { repositoryName: repo.repositoryName, policyText: '{}' });

    const db = (
      await new RDSClient(clientConfig(o)).send(
        new CreateDBInstanceCommand({ DBInstanceIdentifier: `${name}-db`, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'admin1', MasterUserPassword: 'Pw-not-stored-1' }),
      )
    ).DBInstance!;
    expected.set('AWS::RDS::DBInstance', db.DBInstanceArn!);
    ev('rds.amazonaws.com', 'ModifyDBInstance', { dBInstanceIdentifier: db.DBInstanceIdentifier, publiclyAccessible: false });

    const trailBucket = `${name}-trail`;
    await new S3Client(s3Config(o)).send(new CreateBucketCommand({ Bucket: trailBucket }));
    const trail = await new CloudTrailClient(clientConfig(o)).send(new CreateTrailCommand({ Name: `${name}-trail`, S3BucketName: trailBucket }));
    expected.set('AWS::CloudTrail::Trail', trail.TrailARN!);
    ev('cloudtrail.amazonaws.com', 'StartLogging', { name: trail.TrailARN });

    // two that cannot be mapped, and one failed call that changed nothing
    ev('glacier.amazonaws.com', 'CreateVault', { vaultName: 'v' });
    ev('sqs.amazonaws.com', 'ReceiveMessage', { queueUrl });
    events.push({ ...cloudTrailEvent(account, 'sqs.amazonaws.com', 'SetQueueAttributes', { queueUrl }), detail: { ...cloudTrailEvent(account, 'sqs.amazonaws.com', 'SetQueueAttributes', { queueUrl }).detail, errorCode: 'AccessDenied' } });

    config = loadConfig({ payers: account, auditRole: 'OrganizationAccountAccessRole', regions: REGION, streamName: `${name}-stream`, feedBucket: `${name}-feed`, deadLetterBucket: `${name}-dlq`, indexPrefix: name });
    const s3 = new S3Client(s3Config());
    await s3.send(new CreateBucketCommand({ Bucket: config.feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: config.deadLetterBucket }));
    const kinesis = new KinesisClient(clientConfig());
    await ensureStream(config.streamName, 2, kinesis);

    startedAt = new Date().toISOString();
    const sink = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket, kinesis });
    summary = await handleEvents(events, { auditRole: 'OrganizationAccountAccessRole', sink });
    await sink.close();
    await processStream(config, { until: 'drained' });
  });

  it('maps events of 16 resource types and counts the ones it cannot map, without failing', () => {
    expect(expected.size).toBe(16);
    expect(summary.received).toBe(events.length);
    expect(summary.routed).toBe(17);
    expect(Object.values(summary.unmapped).reduce((a, b) => a + b, 0)).toBe(3);
    expect(Object.keys(summary.unmapped).join('\n')).toMatch(/glacier.amazonaws.com CreateVault: no collector declares events/);
    expect(Object.keys(summary.unmapped).join('\n')).toMatch(/ReceiveMessage is not a declared write event/);
    expect(Object.keys(summary.unmapped).join('\n')).toMatch(/the call failed \(AccessDenied\)/);
    expect(summary.failed).toEqual({});
    expect(summary.notFound).toBe(0);
  });

  it('re-collects exactly the named resources (one record each), with the real collectors', () => {
    const recollected = summary.results.flatMap((r) => r.records).filter((r) => r.configurationItemStatus !== 'ResourceDeleted');
    expect(recollected.map((r) => `${r.resourceType} ${r.arn}`).sort()).toEqual([...expected].map(([t, a]) => `${t} ${a}`).sort());
  });

  it('makes each re-collected resource searchable in OpenSearch with the re-collection as its newest version', async () => {
    for (const [type, arn] of expected) {
      const got = await os.get({ index: indexNames(name).resourceFamily(type), id: documentId(arn) }, { ignore: [404] });
      expect(got.body.found, `${type} ${arn}`).toBe(true);
      const source = got.body._source as { configurationItemCaptureTime: string; configurationItemStatus: string; awsAccountId: string };
      expect(source.awsAccountId).toBe(account);
      expect(source.configurationItemStatus).toBe('OK');
      expect(source.configurationItemCaptureTime >= startedAt).toBe(true);
    }
  });

  it('records each re-collected resource\'s change with the event and principal behind it', async () => {
    await os.indices.refresh({ index: indexNames(name).changes });
    const res = await os.search({ index: indexNames(name).changes, body: { size: 200, query: { range: { changedAt: { gte: startedAt } } } } });
    const changes = (res.body.hits.hits as { _source: { arn: string; kind: string; eventName?: string; principal?: string; diff: unknown[] } }[]).map((h) => h._source);
    for (const [type, arn] of expected) {
      const c = changes.find((x) => x.arn === arn);
      expect(c, `${type} ${arn}`).toBeDefined();
      // first seen by this re-collection: created, with its whole content as the diff
      expect(c!.kind).toBe('created');
      expect(c!.diff.length).toBeGreaterThan(0);
      expect(c!.eventName).toBeTruthy();
      expect(c!.principal).toBe(`arn:aws:sts::${account}:assumed-role/Admin/alice`);
    }
    // a deletion is dated by its event, which came before the re-collection started
    const deleted = await os.search({ index: indexNames(name).changes, body: { size: 5, query: { term: { arn: deletedQueueArn } } } });
    const gone = (deleted.body.hits.hits as { _source: { kind: string; eventName?: string } }[])[0]?._source;
    expect(gone?.kind).toBe('deleted');
    expect(gone?.eventName).toBe('DeleteQueue');
  });

  it('turns a delete event into a deletion marker at once', async () => {
    expect(summary.deletionMarkers).toBe(1);
    const got = await os.get({ index: indexNames(name).resourceFamily('AWS::SQS::Queue'), id: documentId(deletedQueueArn) }, { ignore: [404] });
    expect(got.body.found).toBe(true);
    expect((got.body._source as { configurationItemStatus: string }).configurationItemStatus).toBe('ResourceDeleted');
  });
});
