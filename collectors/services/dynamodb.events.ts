// DynamoDB table write events -> re-collect the table.
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const table = firstOf('requestParameters.tableName', 'responseElements.tableDescription.tableName', 'requestParameters.resourceArn');

export const dynamodbEvents: CollectorEvents = {
  collector: 'dynamodb',
  source: 'dynamodb.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::DynamoDB::Table',
      events: {
        ...rules(['CreateTable', 'UpdateTable', 'UpdateContinuousBackups', 'UpdateTimeToLive', 'PutResourcePolicy', 'DeleteResourcePolicy', 'TagResource', 'UntagResource'], table),
        DeleteTable: { keys: table, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:dynamodb:${p.region}:${p.accountId}:table/${name}`),
    },
  ],
};
