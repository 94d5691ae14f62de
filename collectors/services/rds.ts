// RDS: DB instances (public, encrypted) and DB clusters.
import { paginateDescribeDBClusters, paginateDescribeDBInstances, RDSClient, type DBCluster, type DBInstance } from '@aws-sdk/client-rds';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { paged, resource, type Collector } from '../engine.js';

const rdsClient = (o: ClientOptions) => new RDSClient(clientConfig(o));
/** RDS Describe* calls take MaxRecords of 20 to 100 */
const RDS_PAGE = { min: 20, max: 100 };

const instanceSpec = resource<RDSClient, DBInstance>({
  resourceType: 'AWS::RDS::DBInstance',
  client: rdsClient,
  list: paged(paginateDescribeDBInstances, {}, 'DBInstances', RDS_PAGE),
  id: (d) => d.DbiResourceId ?? d.DBInstanceIdentifier ?? '',
  name: 'DBInstanceIdentifier',
  arn: (d) => d.DBInstanceArn ?? '',
  created: 'InstanceCreateTime',
  tags: 'TagList',
});

const clusterSpec = resource<RDSClient, DBCluster>({
  resourceType: 'AWS::RDS::DBCluster',
  client: rdsClient,
  list: paged(paginateDescribeDBClusters, {}, 'DBClusters', RDS_PAGE),
  id: (d) => d.DbClusterResourceId ?? d.DBClusterIdentifier ?? '',
  name: 'DBClusterIdentifier',
  arn: (d) => d.DBClusterArn ?? '',
  created: 'ClusterCreateTime',
  tags: 'TagList',
});

export const rds: Collector = { name: 'rds', resources: [instanceSpec, clusterSpec] };
