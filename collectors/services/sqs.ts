// SQS queues: GetQueueAttributes (policy, encryption) as configuration.
import { GetQueueAttributesCommand, ListQueueTagsCommand, paginateListQueues, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { detail, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const sqsClient = (o: ClientOptions) => new SQSClient(clientConfig(o));

interface Queue {
  QueueUrl: string;
  Attributes: Record<string, string>;
}

async function* queues(client: SQSClient, ctx: CollectorContext): AsyncGenerator<Queue> {
  for await (const page of paginateListQueues({ client, pageSize: pageSize(ctx) }, {})) {
    for (const url of page.QueueUrls ?? []) {
      const attrs = (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
      yield { QueueUrl: url, Attributes: attrs };
    }
  }
}

const queueSpec = resource<SQSClient, Queue>({
  resourceType: 'AWS::SQS::Queue',
  client: sqsClient,
  list: queues,
  id: 'QueueUrl',
  name: (q) => q.QueueUrl.split('/').pop(),
  arn: (q) => q.Attributes.QueueArn ?? q.QueueUrl,
  created: (q) => q.Attributes.CreatedTimestamp,
  details: {
    Tags: detail('ListQueueTags', (c: SQSClient, q: Queue) => c.send(new ListQueueTagsCommand({ QueueUrl: q.QueueUrl })), (o) => o.Tags, { tags: true }),
  },
});

export const sqs: Collector = { name: 'sqs', resources: [queueSpec] };
