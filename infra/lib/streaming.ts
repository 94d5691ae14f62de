// The record stream collectors write to, and the Firehose that lands processed records as the NDJSON feed.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';
import { allowObjects } from './grants.js';
import { keepData, type CensusStorage } from './storage.js';

/**
 * Feed layout of core/indexes.ts `s3Keys.feedPrefix`: `feed/<recordType>/dt=YYYY-MM-DD/hour=HH/`.
 * Firehose reads `recordType` from each record (dynamic partitioning), so every Firehose record must be one JSON
 * record. The processors end each record with `\n` themselves (moto's Firehose adds no delimiter either).
 */
export const feedPrefix = 'feed/!{partitionKeyFromQuery:recordType}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/';
export const feedErrorPrefix = 'feed-errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';

export class CensusStreaming extends Construct {
  readonly stream: kinesis.Stream;
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamArn: string;

  constructor(scope: Construct, id: string, config: InfraConfig, storage: CensusStorage) {
    super(scope, id);
    const onDemand = config.stream.mode === 'ON_DEMAND';
    this.stream = new kinesis.Stream(this, 'Records', {
      streamName: `${config.namePrefix}-records`,
      streamMode: onDemand ? kinesis.StreamMode.ON_DEMAND : kinesis.StreamMode.PROVISIONED,
      shardCount: onDemand ? undefined : config.stream.shardCount,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: storage.key,
      retentionPeriod: Duration.hours(config.stream.retentionHours),
      removalPolicy: keepData,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'The customer-managed key is deliberate: its key policy, not the account-wide aws/kinesis key, decides who can read inventory records.',
    });

    const deliveryLogs = new logs.LogGroup(this, 'FeedDeliveryLogs', {
      logGroupName: `/aws/kinesisfirehose/${config.namePrefix}-feed`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: keepData,
    });
    const deliveryLogStream = new logs.LogStream(deliveryLogs, 'S3Delivery', { logGroup: deliveryLogs, logStreamName: 'S3Delivery', removalPolicy: keepData });

    const role = new iam.Role(this, 'FeedDeliveryRole', {
      roleName: `${config.namePrefix}-feed-delivery`,
      description: 'Census Firehose: writes the NDJSON feed to the feed bucket',
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    });
    // only the feed prefixes, not the state/ and latest/ objects the processors own (actions per the Firehose guide)
    allowObjects(role, storage.feed, storage.key, 'write', ['feed/*', 'feed-errors/*']);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [storage.feed.bucketArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DeliveryErrorLogs', actions: ['logs:PutLogEvents'], resources: [deliveryLogs.logGroupArn] }),
    );

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Feed', {
      deliveryStreamName: `${config.namePrefix}-feed`,
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: storage.key.keyArn },
      extendedS3DestinationConfiguration: {
        bucketArn: storage.feed.bucketArn,
        roleArn: role.roleArn,
        prefix: feedPrefix,
        errorOutputPrefix: feedErrorPrefix,
        compressionFormat: 'GZIP',
        // dynamic partitioning needs at least 64 MiB buffers; 5 minutes keeps the feed fresh
        bufferingHints: { sizeInMBs: 64, intervalInSeconds: 300 },
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: storage.key.keyArn } },
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: 'MetadataExtraction',
              parameters: [
                // OCSF findings carry no recordType: they land under feed/ocsf-finding/
                { parameterName: 'MetadataExtractionQuery', parameterValue: '{recordType: (.recordType // "ocsf-finding")}' },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
          ],
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: deliveryLogs.logGroupName,
          logStreamName: deliveryLogStream.logStreamName,
        },
      },
    });
    // the role's policy must exist before Firehose validates it can write
    this.deliveryStream.node.addDependency(role);
    this.deliveryStreamArn = this.deliveryStream.attrArn;
  }
}
