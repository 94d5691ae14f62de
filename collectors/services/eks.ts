// EKS clusters: DescribeCluster (endpoint public access, logging, encryption) as configuration.
import { DescribeClusterCommand, EKSClient, paginateListClusters, type Cluster } from '@aws-sdk/client-eks';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const eksClient = (o: ClientOptions) => new EKSClient(clientConfig(o));

async function* clusters(client: EKSClient, ctx: CollectorContext): AsyncGenerator<Cluster> {
  for await (const page of paginateListClusters({ client, pageSize: pageSize(ctx) }, {})) {
    for (const name of page.clusters ?? []) {
      const c = (await client.send(new DescribeClusterCommand({ name }))).cluster;
      if (c) yield c;
    }
  }
}

const clusterSpec = resource<EKSClient, Cluster>({
  resourceType: 'AWS::EKS::Cluster',
  client: eksClient,
  list: clusters,
  id: (c) => c.name ?? '',
  name: 'name',
  arn: (c) => c.arn ?? '',
  created: 'createdAt',
  tags: 'tags',
});

export const eks: Collector = { name: 'eks', resources: [clusterSpec] };
