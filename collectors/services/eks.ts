// EKS clusters: DescribeCluster (endpoint public access, logging, encryption) as configuration.
import { DescribeClusterCommand, EKSClient, paginateListClusters, type Cluster } from '@aws-sdk/client-eks';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, pagedDescribe, resource, type Collector } from '../engine.js';

const eksClient = (o: ClientOptions) => new EKSClient(clientConfig(o));

const clusterSpec = resource<EKSClient, Cluster>({
  resourceType: 'AWS::EKS::Cluster',
  client: eksClient,
  list: pagedDescribe(paginateListClusters, {}, 'clusters', async (c, name) => (await c.send(new DescribeClusterCommand({ name }))).cluster, {
    stub: (name, ctx) => ({ name, arn: arnOf(ctx, 'eks', `cluster/${name}`) }),
  }),
  id: (c) => c.name ?? '',
  name: 'name',
  arn: (c) => c.arn ?? '',
  created: 'createdAt',
  tags: 'tags',
});

export const eks: Collector = { name: 'eks', resources: [clusterSpec] };
