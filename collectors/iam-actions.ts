// The IAM action behind each AWS SDK v3 call the collectors and discovery make through the audit role: the
// service prefix of each client, and the few operations whose IAM action has another name. runtime.ts names the
// denied action in a record's error with it; infra's permission test checks the audit role grants every one.

/** IAM service prefix by SDK v3 client class (`KMSClient` -> `kms`). */
export const iamPrefixByClient: Readonly<Record<string, string>> = {
  AccessAnalyzerClient: 'access-analyzer',
  AccountClient: 'account',
  BackupClient: 'backup',
  CloudFormationClient: 'cloudformation',
  CloudFrontClient: 'cloudfront',
  CloudTrailClient: 'cloudtrail',
  CloudWatchClient: 'cloudwatch',
  CloudWatchLogsClient: 'logs',
  CostExplorerClient: 'ce',
  DynamoDBClient: 'dynamodb',
  EC2Client: 'ec2',
  ECRClient: 'ecr',
  ECSClient: 'ecs',
  EKSClient: 'eks',
  ElasticLoadBalancingClient: 'elasticloadbalancing',
  ElasticLoadBalancingV2Client: 'elasticloadbalancing',
  FirehoseClient: 'firehose',
  GuardDutyClient: 'guardduty',
  IAMClient: 'iam',
  KMSClient: 'kms',
  LambdaClient: 'lambda',
  OpenSearchClient: 'es',
  OrganizationsClient: 'organizations',
  RDSClient: 'rds',
  RedshiftClient: 'redshift',
  Route53Client: 'route53',
  Route53DomainsClient: 'route53domains',
  S3Client: 's3',
  S3ControlClient: 's3',
  SageMakerClient: 'sagemaker',
  SecretsManagerClient: 'secretsmanager',
  SESClient: 'ses',
  SESv2Client: 'ses',
  SNSClient: 'sns',
  SQSClient: 'sqs',
  SSMClient: 'ssm',
  STSClient: 'sts',
  WAFV2Client: 'wafv2',
};

/** `<client>.<operation>` whose IAM action is not `<prefix>:<operation>` (S3 mostly; from the Service Authorization Reference). */
const renamed: Readonly<Record<string, string>> = {
  'S3Client.ListBuckets': 's3:ListAllMyBuckets',
  'S3Client.GetBucketEncryption': 's3:GetEncryptionConfiguration',
  'S3Client.GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  'S3Client.GetBucketLifecycleConfiguration': 's3:GetLifecycleConfiguration',
  'S3Client.GetBucketReplication': 's3:GetReplicationConfiguration',
  'S3Client.HeadBucket': 's3:ListBucket',
  'S3ControlClient.GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

/**
 * The IAM action an SDK call needs: `iamActionFor('KMSClient', 'DescribeKey')` is `kms:DescribeKey`.
 * An unknown client throws, so a collector for a new service cannot go unchecked.
 */
export function iamActionFor(clientName: string, operation: string): string {
  const op = operation.replace(/Command$/, '');
  const known = renamed[`${clientName}.${op}`];
  if (known) return known;
  const prefix = iamPrefixByClient[clientName];
  if (!prefix) throw new Error(`SDK client "${clientName}": no IAM service prefix in collectors/iam-actions.ts`);
  return `${prefix}:${op}`;
}
