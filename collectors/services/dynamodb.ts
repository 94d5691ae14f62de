// DynamoDB tables: DescribeTable (encryption in SSEDescription) as configuration, point-in-time recovery, tags.
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  paginateListTables,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, detail, pagedDescribe, resource, type Collector } from '../engine.js';

const dynamodbClient = (o: ClientOptions) => new DynamoDBClient(clientConfig(o));

const tableSpec = resource<DynamoDBClient, TableDescription>({
  resourceType: 'AWS::DynamoDB::Table',
  client: dynamodbClient,
  list: pagedDescribe(paginateListTables, {}, 'TableNames', async (c, name) => (await c.send(new DescribeTableCommand({ TableName: name }))).Table, {
    stub: (name, ctx) => ({ TableName: name, TableArn: arnOf(ctx, 'dynamodb', `table/${name}`) }),
  }),
  id: (t) => t.TableName ?? '',
  name: 'TableName',
  arn: (t) => t.TableArn ?? '',
  created: 'CreationDateTime',
  details: {
    ContinuousBackupsDescription: detail(
      'DescribeContinuousBackups',
      (c: DynamoDBClient, t: TableDescription) => c.send(new DescribeContinuousBackupsCommand({ TableName: t.TableName })),
      (o) => o.ContinuousBackupsDescription,
    ),
    Tags: detail('ListTagsOfResource', (c: DynamoDBClient, t: TableDescription) => c.send(new ListTagsOfResourceCommand({ ResourceArn: t.TableArn })), (o) => o.Tags, {
      tags: true,
    }),
  },
});

export const dynamodb: Collector = { name: 'dynamodb', resources: [tableSpec] };
