// SNS topics: GetTopicAttributes (policy, encryption) as configuration.
import { GetTopicAttributesCommand, ListTagsForResourceCommand, paginateListTopics, SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { detail, resource, type Collector } from '../engine.js';

const snsClient = (o: ClientOptions) => new SNSClient(clientConfig(o));

interface Topic {
  TopicArn: string;
  Attributes: Record<string, string>;
}

async function* topics(client: SNSClient): AsyncGenerator<Topic> {
  for await (const page of paginateListTopics({ client }, {})) {
    for (const t of page.Topics ?? []) {
      if (!t.TopicArn) continue;
      const attrs = (await client.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes ?? {};
      yield { TopicArn: t.TopicArn, Attributes: attrs };
    }
  }
}

const topicSpec = resource<SNSClient, Topic>({
  resourceType: 'AWS::SNS::Topic',
  client: snsClient,
  list: topics,
  id: 'TopicArn',
  name: (t) => t.TopicArn.split(':').pop(),
  arn: 'TopicArn',
  details: {
    Tags: detail('ListTagsForResource', (c: SNSClient, t: Topic) => c.send(new ListTagsForResourceCommand({ ResourceArn: t.TopicArn })), (o) => o.Tags, { tags: true }),
  },
});

export const sns: Collector = { name: 'sns', resources: [topicSpec] };
