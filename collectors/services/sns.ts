// SNS topics: GetTopicAttributes (policy, encryption) as configuration.
import { GetTopicAttributesCommand, ListTagsForResourceCommand, paginateListTopics, SNSClient } from '@aws-sdk/client-sns';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, pagedDescribe, resource, type Collector } from '../engine.js';

const snsClient = (o: ClientOptions) => new SNSClient(clientConfig(o));

interface Topic {
  TopicArn: string;
  Attributes: Record<string, string>;
}

const topicSpec = resource<SNSClient, Topic>({
  resourceType: 'AWS::SNS::Topic',
  client: snsClient,
  list: pagedDescribe(paginateListTopics, {}, 'Topics', async (c, t): Promise<Topic> => ({
    TopicArn: t.TopicArn ?? '',
    Attributes: (await c.send(new GetTopicAttributesCommand({ TopicArn: t.TopicArn }))).Attributes ?? {},
  })),
  id: 'TopicArn',
  name: (t) => t.TopicArn.split(':').pop(),
  arn: 'TopicArn',
  details: {
    Tags: detail('ListTagsForResource', (c: SNSClient, t: Topic) => c.send(new ListTagsForResourceCommand({ ResourceArn: t.TopicArn })), (o) => o.Tags, { tags: true }),
  },
});

export const sns: Collector = { name: 'sns', resources: [topicSpec] };
