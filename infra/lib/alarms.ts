// CloudWatch alarms on everything that can silently fall behind or lose records, sent to one encrypted topic.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

export interface AlarmsProps {
  config: InfraConfig;
  key: kms.IKey;
  stream: kinesis.IStream;
  deliveryStreamName: string;
  processor: lambda.IFunction;
  functions: lambda.IFunction[];
  queues: sqs.IQueue[];
  stateMachine: sfn.IStateMachine;
  domain: opensearch.IDomain;
}

export class CensusAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const { config } = props;
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `${config.namePrefix}-alarms`,
      displayName: 'Census alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
    const action = new actions.SnsAction(this.topic);
    const five = Duration.minutes(5);

    const alarm = (
      alarmId: string,
      description: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      evaluationPeriods = 1,
      comparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: `${config.namePrefix}-${alarmId}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    // the processors fall behind the stream: records age toward the retention and maxRecordAge limits
    const fifteenMinutesMs = 15 * 60 * 1000;
    alarm(
      'processor-iterator-age',
      'Processors are more than 15 minutes behind the record stream',
      props.processor.metric('IteratorAge', { statistic: 'Maximum', period: five }),
      fifteenMinutesMs,
      3,
    );
    alarm(
      'stream-iterator-age',
      'The oldest unread record in the stream is more than 15 minutes old',
      props.stream.metricGetRecordsIteratorAgeMilliseconds({ statistic: 'Maximum', period: five }),
      fifteenMinutesMs,
      3,
    );
    for (const queue of props.queues) {
      alarm(
        `${queue.node.id}-depth`,
        `Records or invocations landed in the dead-letter queue ${queue.node.id}`,
        queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: five }),
        1,
      );
    }
    for (const fn of props.functions) {
      const name = fn.node.id;
      alarm(`${name}-errors`, `Lambda ${name} returned errors`, fn.metricErrors({ statistic: 'Sum', period: five }), 1);
      alarm(`${name}-throttles`, `Lambda ${name} was throttled`, fn.metricThrottles({ statistic: 'Sum', period: five }), 1);
    }
    alarm(
      'inventory-failed',
      'An inventory run failed or exceeded its tolerated account failures',
      props.stateMachine.metricFailed({ statistic: 'Sum', period: five }),
      1,
    );
    alarm(
      'feed-delivery-freshness',
      'Firehose has not delivered the feed to S3 for more than 15 minutes',
      new cloudwatch.Metric({
        namespace: 'AWS/Firehose',
        metricName: 'DeliveryToS3.DataFreshness',
        dimensionsMap: { DeliveryStreamName: props.deliveryStreamName },
        statistic: 'Maximum',
        period: five,
      }),
      900,
      3,
    );
    alarm('opensearch-cluster-red', 'OpenSearch cluster status is red: a primary shard is unassigned', props.domain.metricClusterStatusRed({ period: Duration.minutes(1) }), 1);
    alarm(
      'opensearch-cluster-yellow',
      'OpenSearch cluster status is yellow: a replica shard is unassigned',
      props.domain.metricClusterStatusYellow({ period: Duration.minutes(1) }),
      1,
      5,
    );
    alarm('opensearch-writes-blocked', 'OpenSearch blocks index writes', props.domain.metricClusterIndexWritesBlocked({ period: five }), 1);
    // before writes are blocked: a node below a quarter of its volume, or a heap under sustained pressure
    alarm(
      'opensearch-low-storage',
      'An OpenSearch data node has less than 25% of its storage free',
      props.domain.metricFreeStorageSpace({ statistic: 'Minimum', period: five }),
      config.openSearch.volumeSizeGiB * 1024 * 0.25,
      1,
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    alarm('opensearch-jvm-pressure', 'OpenSearch JVM memory pressure above 85%', props.domain.metricJVMMemoryPressure({ statistic: 'Maximum', period: five }), 85, 3);
  }
}
