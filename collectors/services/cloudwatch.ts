// CloudWatch metric alarms.
import { CloudWatchClient, ListTagsForResourceCommand, paginateDescribeAlarms, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const cloudwatchClient = (o: ClientOptions) => new CloudWatchClient(clientConfig(o));

const alarmSpec = resource<CloudWatchClient, MetricAlarm>({
  resourceType: 'AWS::CloudWatch::Alarm',
  client: cloudwatchClient,
  list: paged(paginateDescribeAlarms, { AlarmTypes: ['MetricAlarm'] }, 'MetricAlarms'),
  id: (a) => a.AlarmName ?? '',
  name: 'AlarmName',
  arn: (a) => a.AlarmArn ?? '',
  details: {
    Tags: detail('ListTagsForResource', (c: CloudWatchClient, a: MetricAlarm) => c.send(new ListTagsForResourceCommand({ ResourceARN: a.AlarmArn })), (o) => o.Tags, {
      tags: true,
    }),
  },
});

export const cloudwatch: Collector = { name: 'cloudwatch', resources: [alarmSpec] };
