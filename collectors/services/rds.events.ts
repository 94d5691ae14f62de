// RDS instance write events -> re-collect the instance (CloudTrail spells the identifier `dBInstanceIdentifier`).
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const instance = firstOf('requestParameters.dBInstanceIdentifier', 'responseElements.dBInstanceIdentifier');

export const rdsEvents: CollectorEvents = {
  collector: 'rds',
  source: 'rds.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::RDS::DBInstance',
      events: {
        ...rules(['CreateDBInstance', 'ModifyDBInstance', 'RebootDBInstance', 'StartDBInstance', 'StopDBInstance', 'AddTagsToResource', 'RemoveTagsFromResource'], instance),
        DeleteDBInstance: { keys: instance, deletes: true },
      },
      arn: arnOr((id, p) => `arn:${p.partition}:rds:${p.region}:${p.accountId}:db:${id}`),
    },
  ],
};
