// KMS keys: DescribeKey metadata as configuration, key policy, rotation status, tags.
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
  paginateListKeys,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, pagedDescribe, resource, type Collector } from '../engine.js';

const kmsClient = (o: ClientOptions) => new KMSClient(clientConfig(o));

const keySpec = resource<KMSClient, KeyMetadata>({
  resourceType: 'AWS::KMS::Key',
  client: kmsClient,
  list: pagedDescribe(paginateListKeys, {}, 'Keys', async (c, k) => (await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata, {
    // a key whose policy does not admit the audit role still shows, with the denied DescribeKey in its errors
    stub: (k) => ({ KeyId: k.KeyId, Arn: k.KeyArn }),
  }),
  id: (k) => k.KeyId ?? '',
  name: 'Description',
  arn: (k) => k.Arn ?? '',
  created: 'CreationDate',
  details: {
    KeyPolicy: detail('GetKeyPolicy', (c: KMSClient, k: KeyMetadata) => c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' })), (o) => o.Policy, {
      policy: true,
    }),
    // rotation applies to symmetric customer managed keys; AWS managed keys rotate on their own
    KeyRotationEnabled: detail(
      'GetKeyRotationStatus',
      async (c: KMSClient, k: KeyMetadata) =>
        k.KeyManager === 'AWS' || k.KeySpec !== 'SYMMETRIC_DEFAULT' ? { KeyRotationEnabled: k.KeyManager === 'AWS' ? true : null } : c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId })),
      (o) => o.KeyRotationEnabled ?? null,
    ),
    Tags: detail('ListResourceTags', (c: KMSClient, k: KeyMetadata) => c.send(new ListResourceTagsCommand({ KeyId: k.KeyId })), (o) => o.Tags, { tags: true }),
  },
});

export const kms: Collector = { name: 'kms', resources: [keySpec] };
