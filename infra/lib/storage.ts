// The customer-managed key and the S3 buckets: feed, dead letters, scorecards, and their access logs.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

/**
 * Removal policy of everything named or holding evidence (key, buckets, stream, domain, log groups): kept when
 * the stack is deleted or the resource replaced, but deleted when the stack's own creation rolls back
 * (DeletionPolicy RetainExceptOnCreate). A plain RETAIN leaves the named resources of a failed first deploy
 * behind, and the retry then fails with "already exists".
 */
export const keepData = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE;

export class CensusStorage extends Construct {
  /** encrypts the stream, buckets, queues, topic and OpenSearch data at rest */
  readonly key: kms.Key;
  readonly accessLogs: s3.Bucket;
  readonly feed: s3.Bucket;
  readonly deadLetter: s3.Bucket;
  readonly scorecards: s3.Bucket;

  constructor(scope: Construct, id: string, config: InfraConfig) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${config.namePrefix}`,
      description: 'Census: inventory stream, feed, dead letters, scorecards, queues, alarm topic, OpenSearch at rest',
      enableKeyRotation: true,
      removalPolicy: keepData,
    });
    // CloudWatch alarms publish to the encrypted alarm topic
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    // S3 server access logs cannot be delivered to an SSE-KMS bucket, so this one bucket uses SSE-S3
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'expire-access-logs', expiration: Duration.days(config.feedExpirationDays), noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: keepData,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the other buckets; logging it into itself would loop.',
    });

    const bucket = (bucketId: string, lifecycleRules: s3.LifecycleRule[]) =>
      new s3.Bucket(this, bucketId, {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        minimumTLSVersion: 1.2,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${bucketId.toLowerCase()}/`,
        lifecycleRules: [
          { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
          { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30) },
          ...lifecycleRules,
        ],
        removalPolicy: keepData,
      });

    this.feed = bucket('Feed', [
      {
        id: 'feed-to-infrequent-access',
        prefix: 'feed/',
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(config.feedTransitionDays) }],
        expiration: Duration.days(config.feedExpirationDays),
      },
      { id: 'expire-delivery-errors', prefix: 'feed-errors/', expiration: Duration.days(config.deadLetterExpirationDays) },
      { id: 'expire-inventory-runs', prefix: 'inventory-runs/', expiration: Duration.days(config.deadLetterExpirationDays) },
    ]);
    this.deadLetter = bucket('DeadLetter', [{ id: 'expire-dead-letters', expiration: Duration.days(config.deadLetterExpirationDays) }]);
    this.scorecards = bucket('Scorecards', [
      {
        id: 'scorecards-to-infrequent-access',
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
        expiration: Duration.days(config.scorecardExpirationDays),
      },
    ]);
  }
}
