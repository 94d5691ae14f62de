// Kinesis Data Firehose delivery streams: destinations and encryption in configuration, tags.
import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  type DeliveryStreamDescription,
} from '@aws-sdk/client-firehose';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, resource, type Collector, type CollectorContext } from '../engine.js';

const firehoseClient = (o: ClientOptions) => new FirehoseClient(clientConfig(o));

/** ListDeliveryStreams has no SDK paginator: continue from the last name while HasMoreDeliveryStreams. */
async function* deliveryStreams(client: FirehoseClient, ctx: CollectorContext): AsyncGenerator<DeliveryStreamDescription> {
  let start: string | undefined;
  for (;;) {
    const page = await client.send(new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: start, Limit: ctx.pageSize }));
    const names = page.DeliveryStreamNames ?? [];
    for (const name of names) {
      const d = (await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }))).DeliveryStreamDescription;
      if (d) yield d;
    }
    if (!page.HasMoreDeliveryStreams || !names.length) return;
    start = names[names.length - 1];
  }
}

const deliveryStreamSpec = resource<FirehoseClient, DeliveryStreamDescription>({
  resourceType: 'AWS::KinesisFirehose::DeliveryStream',
  client: firehoseClient,
  list: deliveryStreams,
  id: (d) => d.DeliveryStreamName ?? '',
  name: 'DeliveryStreamName',
  arn: (d) => d.DeliveryStreamARN ?? '',
  created: 'CreateTimestamp',
  details: {
    Tags: detail(
      'ListTagsForDeliveryStream',
      (c: FirehoseClient, d: DeliveryStreamDescription) => c.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: d.DeliveryStreamName })),
      (o) => o.Tags,
      { tags: true },
    ),
  },
});

export const firehose: Collector = { name: 'firehose', resources: [deliveryStreamSpec] };
