// What a SIEM team needs to take the feed as it is: object-created notifications of feed/ on an SQS queue (and
// optionally EventBridge), a reader account or role with read on feed/ and decrypt on its key, and an optional
// Amazon Security Lake custom source per OCSF class: the processors stage OCSF events under lake-staging/ of the
// feed bucket, and a scheduled compaction function merges them into Security Lake-sized Parquet objects
// (feed/lake-staging.ts) written with each source's provider role.
import { ArnFormat, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { z } from 'zod';
import { parseWith } from '../../core/schemas.js';
import { OCSF_CLASSES } from '../../feed/ocsf-parquet.js';
import { censusFunction, entries, type FunctionDefaults } from './functions.js';
import { acknowledgePrefixGrants, allowObjects } from './grants.js';
import type { CensusStorage } from './storage.js';

/** where the processors stage Security Lake events in the feed bucket (the compaction owns everything below it) */
export const STAGING_PREFIX = 'lake-staging/';

const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** CDK context keys of this construct (`-c siemEventBridge=true`, `-c siemReader=...`, `-c securityLake='{...}'`). */
export const SiemConfig = z.object({
  /** object-created notifications of feed/ to an SQS queue */
  siemQueue: flag.default(true),
  /** also send the feed bucket's events to EventBridge (rules there can route them anywhere) */
  siemEventBridge: flag.default(false),
  /** an account id or IAM role ARN that reads feed/, decrypts it and consumes the queue */
  siemReader: z
    .string()
    .regex(/^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512})$/, 'must be a 12-digit account id or an IAM role ARN')
    .optional(),
  securityLake: z
    .preprocess(
      (v) => (typeof v === 'string' ? (v === 'true' ? { enabled: true } : v === 'false' ? { enabled: false } : JSON.parse(v)) : v),
      z.object({
        enabled: z.boolean().default(true),
        /** the external id Security Lake's provider roles require; identifies Census, it is no secret */
        externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/).default('census'),
        sourceVersion: z.string().regex(/^[0-9.]{1,32}$/).default('1.0'),
        /** region partition of global resources (IAM, Route 53, ...); default the stack's region */
        homeRegion: z.string().optional(),
        /** how often the compaction runs (Security Lake: objects at most every 5 minutes) */
        compactionMinutes: z.number().int().min(5).max(1440).default(15),
        /** a partition is merged once its oldest staged object is this old (at most a day, Security Lake's longest) */
        maxWaitMinutes: z.number().int().min(5).max(1440).default(60),
        /** ... or once its staged objects add up to this; the most one merged object takes (held in memory: see feed/lake-compactor.ts) */
        targetMiB: z.number().int().min(1).max(64).default(8),
      }),
    )
    .optional(),
});
export type SiemConfig = z.infer<typeof SiemConfig>;

export function siemConfig(scope: Construct): SiemConfig {
  const keys = Object.keys(SiemConfig.shape);
  const context = Object.fromEntries(keys.map((k) => [k, scope.node.tryGetContext(k) as unknown]).filter(([, v]) => v !== undefined));
  return parseWith(SiemConfig, context, 'CDK context');
}

export interface CensusSiemProps {
  namePrefix: string;
  storage: CensusStorage;
  /** the stream processor: stages the Security Lake events when a custom source is deployed */
  processor: lambda.Function;
  defaults: FunctionDefaults;
  /** the Census settings every function gets (the feed bucket among them) */
  environment: Record<string, string>;
}

export class CensusSiem extends Construct {
  readonly config: SiemConfig;
  readonly queue?: sqs.Queue;
  /** merges the staged Security Lake events; the stack schedules it (only with Security Lake output on) */
  compaction?: lambda.Function;

  constructor(scope: Construct, id: string, props: CensusSiemProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const config = (this.config = siemConfig(this));
    const { storage } = props;
    const feedBucket = storage.feed.node.defaultChild as s3.CfnBucket;

    if (config.siemQueue) {
      const deadLetters = new sqs.Queue(this, 'FeedEventsFailed', {
        queueName: `${props.namePrefix}-feed-events-failed`,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'The dead-letter queue of the SIEM feed-events queue.' });
      // SSE-SQS rather than the Census key: S3 sends and a SIEM in another account reads without a KMS grant
      this.queue = new sqs.Queue(this, 'FeedEvents', {
        queueName: `${props.namePrefix}-feed-events`,
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        // Splunk and Elastic delete a message once the object is read; a message read 5 times without that is parked
        deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
      });
      // S3 checks that it may send before it accepts the configuration, so the policy must exist first. The policy
      // cannot name the bucket's ARN (the bucket then depends on it, and it on the bucket): it pins the account.
      // (one policy per queue: the statements join the queue's own, the child 'Policy' that enforceSSL created)
      this.queue.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'FeedBucketSendsObjectCreated',
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
      feedBucket.addResourceDependency(this.queue.node.findChild('Policy').node.defaultChild as sqs.CfnQueuePolicy);
    }
    // plain CloudFormation notification settings, not CDK's notification custom resource (one more Lambda function)
    if (this.queue || config.siemEventBridge) {
      feedBucket.notificationConfiguration = {
        ...(this.queue
          ? {
              queueConfigurations: [
                {
                  event: 's3:ObjectCreated:*',
                  queue: this.queue.queueArn,
                  filter: { s3Key: { rules: [{ name: 'prefix', value: 'feed/' }] } },
                },
              ],
            }
          : {}),
        ...(config.siemEventBridge ? { eventBridgeConfiguration: { eventBridgeEnabled: true } } : {}),
      };
    }

    if (config.siemReader) this.grantReader(config.siemReader, props);
    if (config.securityLake?.enabled) this.securityLake(config.securityLake, props);

    if (this.queue) new CfnOutput(stack, 'FeedEventsQueueUrl', { value: this.queue.queueUrl, description: 'SQS queue of feed/ object-created events (Splunk SQS-based S3 input, Elastic aws-s3 input)' });
  }

  /** Read feed/ (and only that prefix), decrypt it through S3, and consume the feed-events queue. */
  private grantReader(reader: string, props: CensusSiemProps): void {
    const principal = /^\d{12}$/.test(reader) ? new iam.AccountPrincipal(reader) : new iam.ArnPrincipal(reader);
    const { feed, key } = props.storage;
    feed.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'SiemReaderGetsFeed', principals: [principal], actions: ['s3:GetObject'], resources: [feed.arnForObjects('feed/*')] }),
    );
    feed.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SiemReaderListsFeed',
        principals: [principal],
        actions: ['s3:ListBucket'],
        resources: [feed.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['feed/*'] } },
      }),
    );
    const stack = Stack.of(this);
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SiemReaderDecryptsFeedThroughS3',
        principals: [principal],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    this.queue?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'SiemReaderConsumesFeedEvents',
        principals: [principal],
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
      }),
    );
  }

  /**
   * One Security Lake custom source per OCSF class (Security Lake takes one class per source), registered with
   * CreateCustomLogSource; Security Lake answers with the source's S3 location and a provider role that trusts this
   * account with the external id. The processors assume that role and write there.
   */
  private securityLake(lake: NonNullable<SiemConfig['securityLake']>, props: CensusSiemProps): void {
    const stack = Stack.of(this);
    const lakeBucketArn = `arn:${stack.partition}:s3:::aws-security-data-lake-${stack.region}-*`;
    // the Glue crawler Security Lake runs over each source to keep its table's partitions current
    const crawlerRole = new iam.Role(this, 'SecurityLakeCrawler', {
      roleName: `${props.namePrefix}-security-lake-crawler`,
      description: 'Census: Glue crawler of the Census custom sources in Security Lake',
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSGlueServiceRole')],
    });
    crawlerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: Object.values(OCSF_CLASSES).map((c) => `${lakeBucketArn}/ext/${props.namePrefix}-${c.sourceName.replace(/^census-/, '')}/*`),
      }),
    );
    crawlerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lakeBucketArn] }));
    Validations.of(crawlerRole).acknowledge(
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSGlueServiceRole]', reason: 'Security Lake documents AWSGlueServiceRole as the crawler role of a custom source.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::aws-security-data-lake-<AWS::Region>-*]', reason: 'Security Lake names its bucket with a generated suffix; only buckets of that name in this region.' },
      ...Object.values(OCSF_CLASSES).map((c) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::aws-security-data-lake-<AWS::Region>-*/ext/${props.namePrefix}-${c.sourceName.replace(/^census-/, '')}/*]`,
        reason: 'The objects of one Census custom source in the Security Lake bucket.',
      })),
    );

    const sources: Record<string, { location: string; roleArn: string }> = {};
    const roleArns: string[] = [];
    for (const cls of Object.values(OCSF_CLASSES)) {
      const sourceName = `${props.namePrefix}-${cls.sourceName.replace(/^census-/, '')}`;
      const source = new cr.AwsCustomResource(this, `Source${cls.uid}`, {
        resourceType: 'Custom::SecurityLakeCustomLogSource',
        installLatestAwsSdk: false,
        onCreate: {
          service: 'SecurityLake',
          action: 'createCustomLogSource',
          parameters: {
            sourceName,
            sourceVersion: lake.sourceVersion,
            eventClasses: [cls.eventClass],
            configuration: { crawlerConfiguration: { roleArn: crawlerRole.roleArn }, providerIdentity: { externalId: lake.externalId, principal: stack.account } },
          },
          physicalResourceId: cr.PhysicalResourceId.of(`${sourceName}@${lake.sourceVersion}`),
          outputPaths: ['source.provider.location', 'source.provider.roleArn'],
        },
        onDelete: { service: 'SecurityLake', action: 'deleteCustomLogSource', parameters: { sourceName, sourceVersion: lake.sourceVersion } },
        policy: cr.AwsCustomResourcePolicy.fromStatements([
          new iam.PolicyStatement({ actions: ['securitylake:CreateCustomLogSource', 'securitylake:DeleteCustomLogSource'], resources: ['*'] }),
          // what CreateCustomLogSource does on the caller's behalf: the Glue table and crawler, the provider role,
          // Lake Formation registration and the source's folder
          new iam.PolicyStatement({
            actions: ['glue:CreateCrawler', 'glue:CreateDatabase', 'glue:CreateTable', 'glue:StartCrawlerSchedule', 'lakeformation:RegisterResource', 'lakeformation:GrantPermissions'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            actions: ['iam:GetRole', 'iam:CreateRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy'],
            resources: [stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: 'AmazonSecurityLake*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
          }),
          new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [crawlerRole.roleArn] }),
          new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:PutObject'], resources: [lakeBucketArn, `${lakeBucketArn}/ext/${sourceName}/*`] }),
        ]),
      });
      sources[String(cls.uid)] = { location: source.getResponseField('source.provider.location'), roleArn: source.getResponseField('source.provider.roleArn') };
      roleArns.push(source.getResponseField('source.provider.roleArn'));
    }
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: 'CreateCustomLogSource and the Glue and Lake Formation calls it makes take no resource-level restriction.' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/AmazonSecurityLake*]', reason: 'Security Lake names the provider roles it creates AmazonSecurityLake-...' },
      { id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::aws-security-data-lake-<AWS::Region>-*]', reason: 'Security Lake names its bucket with a generated suffix; only buckets of that name in this region.' },
      ...Object.values(OCSF_CLASSES).map((c) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::aws-security-data-lake-<AWS::Region>-*/ext/${props.namePrefix}-${c.sourceName.replace(/^census-/, '')}/*]`,
        reason: 'The folder of one Census custom source in the Security Lake bucket.',
      })),
    );

    // the one Lambda function behind every AwsCustomResource of the stack (CDK's singleton)
    const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`);
    if (provider) {
      Validations.of(provider).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's AwsCustomResource function writes its own logs with the basic execution policy; it runs only when a custom source is created or deleted.",
      });
    }

    // the processors stage each batch's events under lake-staging/ of the feed bucket (their own credentials, no
    // provider role: they never write into the lake); the sources tell them which classes to stage and how to partition
    const { feed, key } = props.storage;
    const lakeEnv = {
      CENSUS_SECURITY_LAKE_SOURCES: stack.toJsonString(sources),
      CENSUS_SECURITY_LAKE_EXTERNAL_ID: lake.externalId,
      CENSUS_SECURITY_LAKE_REGION: lake.homeRegion ?? stack.region,
      CENSUS_SECURITY_LAKE_STAGING: `s3://${feed.bucketName}/${STAGING_PREFIX}`,
    };
    for (const [k, v] of Object.entries(lakeEnv)) props.processor.addEnvironment(k, v);
    allowObjects(props.processor.role!, feed, key, 'write', [`${STAGING_PREFIX}*`]);

    // the compaction: reads staged objects and asks whether their feed objects (or Firehose markers) exist, writes
    // the merged Parquet with each source's provider role (with the external id), then claims, tombstones and deletes
    // under lake-staging/ only
    const compaction = (this.compaction = censusFunction(this, 'LakeCompaction', props.defaults, {
      name: 'lake-compaction',
      entry: entries.lakeCompaction,
      handler: 'compactHandler',
      description: 'Census: merges the staged Security Lake events into Security Lake-sized OCSF Parquet objects',
      // a merge holds up to targetMiB of gzip NDJSON as events in memory (8 MiB: about 1.3 GB, feed/lake-compactor.ts)
      memorySize: 2048,
      // shorter than the lock's 15-minute lease (feed/lake-compactor.ts) and than the schedule's shortest interval
      timeout: Duration.minutes(Math.min(10, lake.compactionMinutes)),
      environment: {
        ...props.environment,
        ...lakeEnv,
        CENSUS_LAKE_MAX_WAIT_MINUTES: String(lake.maxWaitMinutes),
        CENSUS_LAKE_TARGET_MIB: String(lake.targetMiB),
      },
    }));
    const role = compaction.role!;
    // feed/ and feed-delivered/ only to HEAD them (S3 has no HEAD-only permission: HeadObject needs s3:GetObject)
    allowObjects(role, feed, key, 'read', [`${STAGING_PREFIX}*`, 'feed/*', 'feed-delivered/*']);
    allowObjects(role, feed, key, 'write', [`${STAGING_PREFIX}*`]);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [feed.arnForObjects(`${STAGING_PREFIX}*`)] }));
    acknowledgePrefixGrants(role, feed, [`${STAGING_PREFIX}*`]);
    // without ListBucket, HeadObject on a feed object not written yet answers 403 instead of 404; names only
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [feed.bucketArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: roleArns }));
    for (const [uid, s] of Object.entries(sources)) new CfnOutput(stack, `SecurityLakeSource${uid}`, { value: s.location, description: `Security Lake custom source of OCSF class ${uid}` });
  }
}
