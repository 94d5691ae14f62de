// Lambda function write events -> re-collect the function. CloudTrail names Lambda events with the API version
// (`UpdateFunctionConfiguration20150331v2`); the router strips it, so the names here are the plain ones.
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const fn = firstOf('requestParameters.functionName', 'responseElements.functionName', 'requestParameters.resource');

export const lambdaEvents: CollectorEvents = {
  collector: 'lambda',
  source: 'lambda.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::Lambda::Function',
      events: {
        ...rules(
          ['CreateFunction', 'UpdateFunctionConfiguration', 'UpdateFunctionCode', 'AddPermission', 'RemovePermission', 'PutFunctionConcurrency', 'CreateFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'TagResource', 'UntagResource'],
          fn,
        ),
        DeleteFunction: { keys: fn, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:lambda:${p.region}:${p.accountId}:function:${name}`),
    },
  ],
};
