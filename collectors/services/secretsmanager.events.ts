// Secrets Manager write events -> re-collect the secret. DeleteSecret schedules the deletion: the secret leaves
// ListSecrets at once, so the re-collection does not find it and the event's deletion marker stands.
import { firstOf, rules, type CollectorEvents } from '../events/declare.js';

// CloudTrail spells the ARN in CreateSecret's response `aRN`
const secret = firstOf('requestParameters.secretId', 'responseElements.aRN', 'responseElements.arn', 'requestParameters.name');

export const secretsmanagerEvents: CollectorEvents = {
  collector: 'secretsmanager',
  source: 'secretsmanager.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::SecretsManager::Secret',
      events: {
        ...rules(['CreateSecret', 'UpdateSecret', 'PutResourcePolicy', 'DeleteResourcePolicy', 'RotateSecret', 'CancelRotateSecret', 'TagResource', 'UntagResource', 'ReplicateSecretToRegions'], secret),
        DeleteSecret: { keys: secret, deletes: true },
      },
      // a secret's ARN ends in a random suffix a name alone cannot rebuild: only ARN keys make a deletion marker
      arn: (k) => k,
    },
  ],
};
