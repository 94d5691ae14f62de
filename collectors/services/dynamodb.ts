// DynamoDB tables: DescribeTable (encryption in SSEDescription) as configuration, point-in-time recovery, tags.
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
  paginateListTables,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { detail, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const dynamodbClient = (o: ClientOptions) => new DynamoDBClient(clientConfig(o));

async function* tables(client: DynamoDBClient, ctx: CollectorContext): AsyncGenerator<TableDescription> {
  for await (const page of paginateListTables({ client, pageSize: pageSize(ctx) }, {})) {
    for (const name of page.TableNames ?? []) {
      const t = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
      if (t) yield t;
    }
  }
}

const tableSpec = resource<DynamoDBClient, TableDescription>({
  resourceType: 'AWS::DynamoDB::Table',
  client: dynamodbClient,
  list: tables,
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
