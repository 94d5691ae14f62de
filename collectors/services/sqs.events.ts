// SQS queue write events -> re-collect the queue. The queue's id in Census is its URL.
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const queue = firstOf('requestParameters.queueUrl', 'responseElements.queueUrl');

export const sqsEvents: CollectorEvents = {
  collector: 'sqs',
  source: 'sqs.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::SQS::Queue',
      events: {
        ...rules(['CreateQueue', 'SetQueueAttributes', 'AddPermission', 'RemovePermission', 'TagQueue', 'UntagQueue'], queue),
        DeleteQueue: { keys: queue, deletes: true },
      },
      // https://sqs.<region>.amazonaws.com/<account>/<name> -> arn:<partition>:sqs:<region>:<account>:<name>
      arn: arnOr((url, p) => `arn:${p.partition}:sqs:${p.region}:${p.accountId}:${url.split('/').pop()}`),
    },
  ],
};
