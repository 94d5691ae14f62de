// KMS key write events -> re-collect the key. ScheduleKeyDeletion is not a delete: the key stays listed
// (PendingDeletion) until its waiting period ends, and the re-collected state says so.
import { firstOf, rules, type CollectorEvents } from '../events/declare.js';

const key = firstOf('requestParameters.keyId', 'responseElements.keyMetadata.keyId');

export const kmsEvents: CollectorEvents = {
  collector: 'kms',
  source: 'kms.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::KMS::Key',
      events: rules(
        ['CreateKey', 'PutKeyPolicy', 'EnableKeyRotation', 'DisableKeyRotation', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'TagResource', 'UntagResource'],
        key,
      ),
      arn: (k, p) => (k.startsWith('arn:') ? k : `arn:${p.partition}:kms:${p.region}:${p.accountId}:key/${k}`),
    },
  ],
};
