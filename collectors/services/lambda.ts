// Lambda functions: runtime (in configuration), resource policy, function URLs, tags. Environment variables keep
// their names; each value becomes its length, salted hash and secret signal (collectors/redact.ts).
import { GetPolicyCommand, LambdaClient, ListFunctionUrlConfigsCommand, ListTagsCommand, paginateListFunctions, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const lambdaClient = (o: ClientOptions) => new LambdaClient(clientConfig(o));

const functionSpec = resource<LambdaClient, FunctionConfiguration>({
  resourceType: 'AWS::Lambda::Function',
  client: lambdaClient,
  list: paged(paginateListFunctions, {}, 'Functions'),
  id: (f) => f.FunctionName ?? '',
  name: 'FunctionName',
  arn: (f) => f.FunctionArn ?? '',
  secrets: ['configuration.Environment.Variables.*'],
  details: {
    Policy: detail('GetPolicy', (c: LambdaClient, f: FunctionConfiguration) => c.send(new GetPolicyCommand({ FunctionName: f.FunctionArn })), (o) => o.Policy, {
      policy: true,
    }),
    FunctionUrlConfigs: detail(
      'ListFunctionUrlConfigs',
      (c: LambdaClient, f: FunctionConfiguration) => c.send(new ListFunctionUrlConfigsCommand({ FunctionName: f.FunctionName })),
      (o) => o.FunctionUrlConfigs,
    ),
    Tags: detail('ListTags', (c: LambdaClient, f: FunctionConfiguration) => c.send(new ListTagsCommand({ Resource: f.FunctionArn })), (o) => o.Tags, { tags: true }),
  },
});

export const lambda: Collector = { name: 'lambda', resources: [functionSpec] };
