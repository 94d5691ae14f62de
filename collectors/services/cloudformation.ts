// CloudFormation stacks (deleted stacks are not listed by DescribeStacks). Parameter values (also the values SSM
// parameter types resolve to) and output values keep their keys only, with length, salted hash and secret signal.
import { CloudFormationClient, paginateDescribeStacks, type Stack } from '@aws-sdk/client-cloudformation';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { paged, resource, type Collector } from '../engine.js';

const cloudformationClient = (o: ClientOptions) => new CloudFormationClient(clientConfig(o));

const stackSpec = resource<CloudFormationClient, Stack>({
  resourceType: 'AWS::CloudFormation::Stack',
  client: cloudformationClient,
  list: paged(paginateDescribeStacks, {}, 'Stacks'),
  id: (s) => s.StackId ?? '',
  name: 'StackName',
  arn: (s) => s.StackId ?? '',
  created: 'CreationTime',
  tags: 'Tags',
  secrets: [
    { path: 'configuration.Parameters[].ParameterValue', nameKey: 'ParameterKey' },
    { path: 'configuration.Parameters[].ResolvedValue', nameKey: 'ParameterKey' },
    { path: 'configuration.Outputs[].OutputValue', nameKey: 'OutputKey' },
  ],
});

export const cloudformation: Collector = { name: 'cloudformation', resources: [stackSpec] };
