// CloudFormation stacks (deleted stacks are not listed by DescribeStacks).
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
});

export const cloudformation: Collector = { name: 'cloudformation', resources: [stackSpec] };
