// Redshift clusters: public accessibility and encryption in configuration, audit logging status.
import { DescribeLoggingStatusCommand, paginateDescribeClusters, RedshiftClient, type Cluster } from '@aws-sdk/client-redshift';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, detail, paged, resource, type Collector } from '../engine.js';

const redshiftClient = (o: ClientOptions) => new RedshiftClient(clientConfig(o));

const clusterSpec = resource<RedshiftClient, Cluster>({
  resourceType: 'AWS::Redshift::Cluster',
  client: redshiftClient,
  list: paged(paginateDescribeClusters, {}, 'Clusters', { min: 20, max: 100 }),
  id: (c) => c.ClusterIdentifier ?? '',
  name: 'ClusterIdentifier',
  arn: (c, ctx) => arnOf(ctx, 'redshift', `cluster:${c.ClusterIdentifier}`),
  created: 'ClusterCreateTime',
  tags: 'Tags',
  details: {
    LoggingStatus: detail('DescribeLoggingStatus', (c: RedshiftClient, cl: Cluster) => c.send(new DescribeLoggingStatusCommand({ ClusterIdentifier: cl.ClusterIdentifier }))),
  },
});

export const redshift: Collector = { name: 'redshift', resources: [clusterSpec] };
