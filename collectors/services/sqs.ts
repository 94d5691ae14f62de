// SQS queues: GetQueueAttributes (policy, encryption) as configuration.
import { GetQueueAttributesCommand, ListQueueTagsCommand, paginateListQueues, SQSClient } from '@aws-sdk/client-sqs';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, detail, pagedDescribe, resource, type Collector } from '../engine.js';

const sqsClient = (o: ClientOptions) => new SQSClient(clientConfig(o));

interface Queue {
  QueueUrl: string;
  Attributes: Record<string, string>;
}

const queueSpec = resource<SQSClient, Queue>({
  resourceType: 'AWS::SQS::Queue',
  client: sqsClient,
  list: pagedDescribe(paginateListQueues, {}, 'QueueUrls', async (c, url): Promise<Queue> => ({
    QueueUrl: url,
    Attributes: (await c.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {},
  }), {
    // https://sqs.<region>.amazonaws.com/<account>/<name>
    stub: (url, ctx) => ({ QueueUrl: url, Attributes: { QueueArn: arnOf(ctx, 'sqs', url.split('/').pop() ?? url) } }),
  }),
  id: 'QueueUrl',
  name: (q) => q.QueueUrl.split('/').pop(),
  arn: (q) => q.Attributes.QueueArn ?? q.QueueUrl,
  created: (q) => q.Attributes.CreatedTimestamp,
  details: {
    Tags: detail('ListQueueTags', (c: SQSClient, q: Queue) => c.send(new ListQueueTagsCommand({ QueueUrl: q.QueueUrl })), (o) => o.Tags, { tags: true }),
  },
});

export const sqs: Collector = { name: 'sqs', resources: [queueSpec] };
