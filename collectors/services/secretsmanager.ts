// Secrets Manager secrets: rotation (in configuration) and resource policy. Never the secret value.
import { GetResourcePolicyCommand, paginateListSecrets, SecretsManagerClient, type SecretListEntry } from '@aws-sdk/client-secrets-manager';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const secretsClient = (o: ClientOptions) => new SecretsManagerClient(clientConfig(o));

const secretSpec = resource<SecretsManagerClient, SecretListEntry>({
  resourceType: 'AWS::SecretsManager::Secret',
  client: secretsClient,
  list: paged(paginateListSecrets, {}, 'SecretList'),
  id: (s) => s.ARN ?? '',
  name: 'Name',
  arn: (s) => s.ARN ?? '',
  created: 'CreatedDate',
  tags: 'Tags',
  details: {
    ResourcePolicy: detail(
      'GetResourcePolicy',
      (c: SecretsManagerClient, s: SecretListEntry) => c.send(new GetResourcePolicyCommand({ SecretId: s.ARN })),
      (o) => o.ResourcePolicy ?? null,
      { policy: true },
    ),
  },
});

export const secretsmanager: Collector = { name: 'secretsmanager', resources: [secretSpec] };
