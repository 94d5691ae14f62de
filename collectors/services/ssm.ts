// SSM managed instances: agent version, ping status, platform (AWS Config's ManagedInstanceInventory), and
// Parameter Store parameters by their metadata only (DescribeParameters): Census never reads a parameter's
// value (no GetParameter), so a SecureString, or a String holding a secret, cannot reach a record.
import {
  paginateDescribeInstanceInformation,
  paginateDescribeParameters,
  SSMClient,
  type InstanceInformation,
  type ParameterMetadata,
} from '@aws-sdk/client-ssm';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, paged, resource, type Collector } from '../engine.js';

const ssmClient = (o: ClientOptions) => new SSMClient(clientConfig(o));

const managedInstanceSpec = resource<SSMClient, InstanceInformation>({
  resourceType: 'AWS::SSM::ManagedInstanceInventory',
  client: ssmClient,
  list: paged(paginateDescribeInstanceInformation, {}, 'InstanceInformationList', { min: 5, max: 50 }),
  id: (i) => i.InstanceId ?? '',
  name: (i) => i.ComputerName ?? i.Name,
  arn: (i, ctx) => arnOf(ctx, 'ssm', `managed-instance-inventory/${i.InstanceId}`),
  created: 'RegistrationDate',
});

const parameterSpec = resource<SSMClient, ParameterMetadata>({
  resourceType: 'AWS::SSM::Parameter',
  client: ssmClient,
  list: paged(paginateDescribeParameters, {}, 'Parameters', { max: 50 }),
  id: (p) => p.Name ?? '',
  name: 'Name',
  // parameter names are paths (`/prod/db/password`): the ARN keeps the leading slash once
  arn: (p, ctx) => p.ARN ?? arnOf(ctx, 'ssm', `parameter/${(p.Name ?? '').replace(/^\//, '')}`),
});

export const ssm: Collector = { name: 'ssm', resources: [managedInstanceSpec, parameterSpec] };
