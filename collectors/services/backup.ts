// AWS Backup vaults: access policy, lock settings (in configuration), tags.
import { BackupClient, GetBackupVaultAccessPolicyCommand, ListTagsCommand, paginateListBackupVaults, type BackupVaultListMember } from '@aws-sdk/client-backup';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const backupClient = (o: ClientOptions) => new BackupClient(clientConfig(o));

const vaultSpec = resource<BackupClient, BackupVaultListMember>({
  resourceType: 'AWS::Backup::BackupVault',
  client: backupClient,
  list: paged(paginateListBackupVaults, {}, 'BackupVaultList'),
  id: (v) => v.BackupVaultName ?? '',
  name: 'BackupVaultName',
  arn: (v) => v.BackupVaultArn ?? '',
  created: 'CreationDate',
  details: {
    AccessPolicy: detail(
      'GetBackupVaultAccessPolicy',
      (c: BackupClient, v: BackupVaultListMember) => c.send(new GetBackupVaultAccessPolicyCommand({ BackupVaultName: v.BackupVaultName })),
      (o) => o.Policy ?? null,
      { policy: true },
    ),
    Tags: detail('ListTags', (c: BackupClient, v: BackupVaultListMember) => c.send(new ListTagsCommand({ ResourceArn: v.BackupVaultArn })), (o) => o.Tags, { tags: true }),
  },
});

export const backup: Collector = { name: 'backup', resources: [vaultSpec] };
