// The Census stack: everything deployed into the security account.
import { Annotations, CfnOutput, Duration, Stack, TimeZone, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CensusAlarms } from './alarms.js';
import { resolveCollectors } from './collectors.js';
import type { InfraConfig } from './config.js';
import { censusEnvironment, censusFunction, entries, lambdaRole, type FunctionDefaults } from './functions.js';
import { CensusEvents } from './events.js';
import { CensusInventory } from './inventory.js';
import { allowObjects } from './grants.js';
import { CensusSearch } from './search.js';
import { CensusStorage } from './storage.js';
import { CensusSiem } from './siem.js';
import { CensusStreaming } from './streaming.js';

export interface CensusStackProps extends StackProps {
  config: InfraConfig;
}

export class CensusStack extends Stack {
  readonly storage: CensusStorage;
  readonly streaming: CensusStreaming;
  readonly search: CensusSearch;
  readonly inventory: CensusInventory;
  readonly processor: NodejsFunction;
  readonly processorFailures: sqs.Queue;
  readonly scheduleFailures: sqs.Queue;
  readonly scoreFunction: NodejsFunction;
  readonly deliverFunction: NodejsFunction;
  /** event-driven re-collection, when the organization ID is configured */
  readonly events?: CensusEvents;

  constructor(scope: Construct, id: string, props: CensusStackProps) {
    super(scope, id, props);
    const { config } = props;
    const defaults: FunctionDefaults = { namePrefix: config.namePrefix, logRetentionDays: config.logRetentionDays };

    this.storage = new CensusStorage(this, 'Storage', config);
    this.streaming = new CensusStreaming(this, 'Streaming', config, this.storage);
    this.search = new CensusSearch(this, 'Search', config, this.storage, defaults);
    const { storage, streaming, search } = this;

    // the same settings the CLI reads (platform/config.ts), as CENSUS_* variables
    const environment = {
      ...censusEnvironment({
        payers: config.payerAccountIds.join(','),
        auditRole: config.auditRoleName,
        externalId: config.externalId,
        regions: config.regions.join(','),
        ownerTagKey: config.ownerTagKey,
        executiveTagKey: config.executiveTagKey,
        streamName: streaming.stream.streamName,
        feedBucket: storage.feed.bucketName,
        deadLetterBucket: storage.deadLetter.bucketName,
        scorecardBucket: storage.scorecards.bucketName,
        indexPrefix: config.indexPrefix,
        sesFrom: config.sesFromAddress,
        enterpriseRecipients: config.scorecardRecipients.join(','),
        exceptions: config.exceptionsRegisterKey && `s3://${storage.feed.bucketName}/${config.exceptionsRegisterKey}`,
        // the organization's approved vendors; the vendored known-accounts list travels in the bundle (knownAccounts)
        trustedAccounts: config.trustedAccountsKey && `s3://${storage.feed.bucketName}/${config.trustedAccountsKey}`,
      }),
      // not a CLI setting: the Firehose the processors land the NDJSON feed through
      CENSUS_FEED_DELIVERY_STREAM: streaming.deliveryStream.ref,
    };
    // only the stages that use OpenSearch see it (and wait for the domain at deploy time); the collectors do not
    const withSearch = {
      ...environment,
      ...censusEnvironment({ opensearchUrl: `https://${search.domain.domainEndpoint}` }),
      // the domain admits IAM roles through SigV4-signed requests only (platform/opensearch.ts)
      CENSUS_OPENSEARCH_SIGV4: 'true',
    };

    this.inventory = new CensusInventory(this, 'Inventory', {
      config,
      collectors: resolveCollectors(config.collectors),
      storage,
      streaming,
      defaults,
      environment,
    });

    // --- processors: read the stream, write the feed (Firehose), latest state (S3), OpenSearch and dead letters
    const processorRole = lambdaRole(this, 'ProcessorRole', `${config.namePrefix}-processor`, 'Census stream processors');
    this.processor = censusFunction(this, 'Processor', defaults, {
      name: 'processor',
      entry: entries.processors,
      handler: 'handler',
      description: 'Census: validates, enriches and evaluates stream records, lands them in S3 and OpenSearch',
      role: processorRole,
      memorySize: config.processor.memoryMiB,
      timeout: Duration.minutes(5),
      environment: withSearch,
    });
    this.processorFailures = this.queue('ProcessorFailures', `${config.namePrefix}-processor-failures`);
    this.processor.addEventSource(
      new KinesisEventSource(streaming.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: config.processor.batchSize,
        maxBatchingWindow: Duration.seconds(config.processor.maxBatchingWindowSeconds),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: config.processor.retryAttempts,
        maxRecordAge: Duration.hours(config.processor.maxRecordAgeHours),
        parallelizationFactor: config.processor.parallelizationFactor,
        onFailure: new EncryptedQueueDestination(this.processorFailures, storage.key),
      }),
    );
    processorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LandFeedThroughFirehose',
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [streaming.deliveryStreamArn],
      }),
    );
    // the account list, pointer records' bodies, the risk register and catalog when kept in S3
    // latest/ is read too: a resource's stored version is checked (HeadObject) before it is overwritten
    // feed-delivered/ holds the marker of each feed object Firehose delivered (Firehose names its own objects): the
    // processors write it after a delivery and look for it before feeding a replayed copy again (processors/sink-s3.ts)
    allowObjects(processorRole, storage.feed, storage.key, 'read', ['state/*', 'oversize/*', 'config/*', 'latest/*', 'feed-delivered/*']);
    allowObjects(processorRole, storage.feed, storage.key, 'write', ['latest/*', 'feed-delivered/*']);
    // without ListBucket, HeadObject on a key not written yet answers 403 instead of 404; names only, no contents
    processorRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [storage.feed.bucketArn] }));
    allowObjects(processorRole, storage.deadLetter, storage.key, 'write', ['dead-letter/*']);
    // SIEM delivery: feed/ notifications, an optional reader, an optional Security Lake custom source (siem.ts)
    const siem = new CensusSiem(this, 'Siem', { namePrefix: config.namePrefix, storage, processor: this.processor, defaults, environment });

    // --- scoring and scorecard delivery
    const scoringRole = lambdaRole(this, 'ScoringRole', `${config.namePrefix}-scoring`, 'Census scoring job');
    this.scoreFunction = censusFunction(this, 'Score', defaults, {
      name: 'score',
      entry: entries.scoring,
      handler: 'scoreHandler',
      description: 'Census: computes scores and writes the Excel scorecards',
      role: scoringRole,
      memorySize: 2048,
      timeout: Duration.minutes(15),
      environment: withSearch,
    });
    allowObjects(scoringRole, storage.feed, storage.key, 'read', ['state/*', 'config/*']);
    allowObjects(scoringRole, storage.scorecards, storage.key, 'write', ['scorecards/*']);
    allowObjects(scoringRole, storage.feed, storage.key, 'write', ['feed/score/*']); // scores join the NDJSON feed
    // the day's full feed snapshot (feed/snapshot.ts): its manifest is looked for (HeadObject), parts and manifest
    // written, and parts an interrupted attempt of the same day left beyond the new manifest's list are deleted
    allowObjects(scoringRole, storage.feed, storage.key, 'read', ['feed/snapshot/*']);
    allowObjects(scoringRole, storage.feed, storage.key, 'write', ['feed/snapshot/*']);
    scoringRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReplaceOwnSnapshotParts', actions: ['s3:DeleteObject'], resources: [storage.feed.arnForObjects('feed/snapshot/*')] }));

    const deliverRole = lambdaRole(this, 'DeliverRole', `${config.namePrefix}-deliver`, 'Census scorecard delivery');
    this.deliverFunction = censusFunction(this, 'Deliver', defaults, {
      name: 'deliver',
      entry: entries.scoring,
      handler: 'deliverHandler',
      description: 'Census: e-mails the latest scorecards to owners, executives and the enterprise list',
      role: deliverRole,
      memorySize: 1024,
      timeout: Duration.minutes(10),
      environment,
    });
    allowObjects(deliverRole, storage.scorecards, storage.key, 'read', ['scorecards/*']);
    allowObjects(deliverRole, storage.feed, storage.key, 'read', ['state/*']); // owners and executives of each account
    // without ListBucket a state/accounts.json not written yet (before the first inventory) answers 403, not 404,
    // and reads as a failure every hour instead of "nothing yet"; names only, no contents
    for (const role of [scoringRole, deliverRole]) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [storage.feed.bucketArn, storage.scorecards.bucketArn] }));
    }
    deliverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendFromConfiguredIdentityOnly',
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.sesIdentity })],
        conditions: { StringEquals: { 'ses:FromAddress': config.sesFromAddress } },
      }),
    );

    search.allow({ processors: [processorRole], scoring: [scoringRole] });

    // --- schedules
    this.scheduleFailures = this.queue('ScheduleFailures', `${config.namePrefix}-schedule-failures`);
    const schedule = (id: string, expression: string, target: scheduler.IScheduleTarget, description: string, enabled = true) =>
      new scheduler.Schedule(this, `${id}Schedule`, {
        scheduleName: `${config.namePrefix}-${id.toLowerCase()}`,
        description,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(config.schedules.timezone)),
        target,
        enabled,
      });
    // discovery has nothing to read without payer accounts: deploy the schedule switched off rather than failing every run
    const havePayers = config.payerAccountIds.length > 0;
    if (!havePayers) {
      Annotations.of(this).addWarningV2(
        'census:no-payers',
        'No payerAccountIds in context: the inventory schedule is deployed disabled. Set -c payerAccountIds=... and deploy again.',
      );
    }
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      roleName: `${config.namePrefix}-scheduler`,
      description: 'Census schedules: start the inventory, invoke scoring and delivery',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
    });
    // the schedule dead-letter queue is KMS-encrypted: sending to it needs the data key
    schedulerRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [storage.key.keyArn] }));
    const scheduled = [this.scoreFunction, this.deliverFunction, ...(siem.compaction ? [siem.compaction] : [])];
    for (const fn of scheduled) {
      Validations.of(schedulerRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: 'Added by the scheduler Lambda target: invoking one function\'s versions and aliases.',
      });
    }
    // the scheduler invokes asynchronously: a run that fails after Lambda's own retries lands in the same queue
    for (const fn of scheduled) {
      fn.configureAsyncInvoke({
        retryAttempts: 2,
        maxEventAge: Duration.hours(1),
        onFailure: new EncryptedQueueDestination(this.scheduleFailures, storage.key),
      });
    }
    const targetProps = { role: schedulerRole, deadLetterQueue: this.scheduleFailures, retryAttempts: 3, maxEventAge: Duration.hours(1) };
    schedule(
      'Inventory',
      config.schedules.inventory,
      new targets.StepFunctionsStartExecution(this.inventory.stateMachine, targetProps),
      'Census inventory of every account',
      havePayers,
    );
    schedule('Scoring', config.schedules.scoring, new targets.LambdaInvoke(this.scoreFunction, targetProps), 'Census scores and scorecards');
    schedule('Delivery', config.schedules.delivery, new targets.LambdaInvoke(this.deliverFunction, targetProps), 'Census scorecard e-mail');
    // only with Security Lake output on: merge the staged events into Security Lake-sized objects (siem.ts)
    if (siem.compaction) {
      schedule(
        'LakeCompaction',
        `rate(${siem.config.securityLake!.compactionMinutes} minutes)`,
        new targets.LambdaInvoke(siem.compaction, targetProps),
        'Census Security Lake compaction',
      );
    }

    new CensusAlarms(this, 'Alarms', {
      config,
      key: storage.key,
      stream: streaming.stream,
      deliveryStreamName: streaming.deliveryStream.ref,
      processor: this.processor,
      functions: [
        this.inventory.discoverFunction,
        ...this.inventory.collectorFunctions.values(),
        this.processor,
        this.scoreFunction,
        this.deliverFunction,
        ...(siem.compaction ? [siem.compaction] : []),
      ],
      queues: [this.processorFailures, this.scheduleFailures],
      stateMachine: this.inventory.stateMachine,
      domain: search.domain,
    });

    new CfnOutput(this, 'StreamName', { value: streaming.stream.streamName });
    new CfnOutput(this, 'FeedBucket', { value: storage.feed.bucketName });
    new CfnOutput(this, 'ScorecardBucket', { value: storage.scorecards.bucketName });
    new CfnOutput(this, 'DeadLetterBucket', { value: storage.deadLetter.bucketName });
    new CfnOutput(this, 'ProcessorFailuresQueueUrl', {
      value: this.processorFailures.queueUrl,
      description: 'Stream batches the processor gave up on: census redrive --queue <this URL> processes them again',
    });
    new CfnOutput(this, 'InventoryStateMachineArn', { value: this.inventory.stateMachine.stateMachineArn });
    new CfnOutput(this, 'OpenSearchEndpoint', { value: search.domain.domainEndpoint });
    new CfnOutput(this, 'CollectorRoleArn', {
      value: this.inventory.collectorRole.roleArn,
      description: 'Trusted by the audit role in member accounts',
    });
    new CfnOutput(this, 'DiscoverRoleArn', { value: this.inventory.discoverRole.roleArn, description: 'Trusted by the audit role in payer accounts' });
    if (config.organizationId) {
      this.events = new CensusEvents(this, 'Events', {
        namePrefix: config.namePrefix,
        organizationId: config.organizationId,
        defaults,
        collectorRole: this.inventory.collectorRole,
        environment,
        deadLetterQueue: this.queue('EventFailures', `${config.namePrefix}-event-failures`),
      });
      new CfnOutput(this, 'EventBusArn', { value: this.events.bus.eventBusArn, description: 'CensusEventBusArn of the member accounts\' event forwarder StackSet' });
    } else {
      Annotations.of(this).addInfo('organizationId not set: no event bus, so changes are seen at the next scheduled inventory only');
    }
  }

  /** An SQS dead-letter queue: encrypted, TLS only, 14 days to investigate. */
  private queue(id: string, queueName: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      queueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.storage.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself a dead-letter destination (failed stream batches or schedule invocations); it is alarmed on depth.',
    });
    return queue;
  }
}

/**
 * A KMS-encrypted SQS queue as a failure destination: of the stream's event source mapping (failed batches) and of
 * asynchronous invocations (scheduled scoring and delivery). Lambda sends with the function's role; CDK's SqsDlq and
 * SqsDestination grant kms:GenerateDataKey* and kms:ReEncrypt*, this grants what SendMessage to the queue needs.
 */
class EncryptedQueueDestination implements lambda.IEventSourceDlq, lambda.IDestination {
  constructor(
    private readonly queue: sqs.IQueue,
    private readonly key: kms.IKey,
  ) {}
  bind(_scope: unknown, fn: lambda.IFunction): lambda.DlqDestinationConfig & lambda.DestinationConfig {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'], resources: [this.queue.queueArn] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [this.key.keyArn] }));
    return { destination: this.queue.queueArn };
  }
}
