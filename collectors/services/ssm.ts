// SSM managed instances: agent version, ping status, platform (AWS Config's ManagedInstanceInventory).
import { paginateDescribeInstanceInformation, SSMClient, type InstanceInformation } from '@aws-sdk/client-ssm';
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

export const ssm: Collector = { name: 'ssm', resources: [managedInstanceSpec] };
