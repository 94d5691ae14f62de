// SNS topic write events -> re-collect the topic (its id is its ARN).
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const topic = firstOf('requestParameters.topicArn', 'responseElements.topicArn', 'requestParameters.resourceArn');

export const snsEvents: CollectorEvents = {
  collector: 'sns',
  source: 'sns.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::SNS::Topic',
      events: {
        ...rules(['CreateTopic', 'SetTopicAttributes', 'AddPermission', 'RemovePermission', 'TagResource', 'UntagResource', 'PutDataProtectionPolicy'], topic),
        DeleteTopic: { keys: topic, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:sns:${p.region}:${p.accountId}:${name}`),
    },
  ],
};
