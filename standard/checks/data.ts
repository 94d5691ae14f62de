// Data stores and secrets: RDS, DynamoDB, KMS, Secrets Manager, OpenSearch.
// Inputs (AWS API response shapes):
//   AWS::RDS::DBInstance        configuration = DescribeDBInstances `DBInstances[]` entry
//   AWS::DynamoDB::Table        configuration = DescribeTable `Table` (SSEDescription)
//   AWS::KMS::Key               configuration = DescribeKey `KeyMetadata`;
//                               supplementaryConfiguration.KeyRotationEnabled = GetKeyRotationStatus `KeyRotationEnabled`
//                               (or the whole output under KeyRotationStatus)
//   AWS::SecretsManager::Secret configuration = ListSecrets `SecretList[]` / DescribeSecret output
//   AWS::OpenSearchService::Domain configuration = DescribeDomain `DomainStatus`
import type { ResourceCheck } from '../types.js';
import { asBool, assertCollected, conf, fail, fieldOf, firstOf, pass, supp, text } from './util.js';
import { publicGrants } from './policies.js';

export const rdsEncrypted: ResourceCheck = {
  id: 'rds_instance_storage_encrypted',
  scope: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance'],
  reads: 'configuration.StorageEncrypted (DescribeDBInstances)',
  evaluate(record) {
    const c = conf(record);
    return asBool(c.StorageEncrypted) === true
      ? pass(`storage encrypted with ${text(c.KmsKeyId ?? 'a KMS key')}`)
      : fail('storage not encrypted (StorageEncrypted: false)');
  },
};

export const rdsNotPublic: ResourceCheck = {
  id: 'rds_instance_not_public',
  scope: 'resource',
  resourceTypes: ['AWS::RDS::DBInstance'],
  reads: 'configuration.PubliclyAccessible (DescribeDBInstances)',
  evaluate(record) {
    return asBool(conf(record).PubliclyAccessible) === true
      ? fail(`PubliclyAccessible: true${firstOf(record.configuration, ['Endpoint.Address']) ? ` (endpoint ${text(firstOf(record.configuration, ['Endpoint.Address']))})` : ''}`)
      : pass('PubliclyAccessible: false');
  },
};

export const dynamodbKmsEncryption: ResourceCheck = {
  id: 'dynamodb_table_kms_encryption',
  scope: 'resource',
  resourceTypes: ['AWS::DynamoDB::Table'],
  reads: 'configuration.SSEDescription (DescribeTable)',
  evaluate(record) {
    const sse = conf(record).SSEDescription as { Status?: string; SSEType?: string; KMSMasterKeyArn?: string } | undefined;
    if (sse && (sse.Status === 'ENABLED' || sse.Status === 'UPDATING'))
      return pass(`encrypted at rest with ${sse.SSEType ?? 'KMS'} key ${sse.KMSMasterKeyArn ?? ''}`.trim());
    return fail(`encryption at rest ${sse?.Status ? `status ${sse.Status}` : 'only with an AWS owned key (no SSEDescription)'}: no KMS key the account controls`);
  },
};

export const kmsRotation: ResourceCheck = {
  id: 'kms_cmk_rotation_enabled',
  scope: 'resource',
  resourceTypes: ['AWS::KMS::Key'],
  reads: 'configuration (DescribeKey KeyMetadata), supplementaryConfiguration.KeyRotationEnabled (GetKeyRotationStatus)',
  evaluate(record) {
    const k = conf(record);
    // rotation applies to enabled, customer-managed, symmetric keys with key material from KMS
    if (k.KeyManager !== 'CUSTOMER' || k.KeyState !== 'Enabled') return undefined;
    if ((k.KeySpec ?? k.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT' || (k.Origin ?? 'AWS_KMS') !== 'AWS_KMS') return undefined;
    assertCollected(record, 'GetKeyRotationStatus');
    const on = asBool(fieldOf(supp(record).KeyRotationEnabled ?? supp(record).KeyRotationStatus, 'KeyRotationEnabled'));
    return on ? pass('automatic key rotation enabled') : fail('automatic key rotation disabled');
  },
};

export const secretRotation: ResourceCheck = {
  id: 'secretsmanager_rotation_enabled',
  scope: 'resource',
  resourceTypes: ['AWS::SecretsManager::Secret'],
  reads: 'configuration.RotationEnabled, RotationRules (ListSecrets / DescribeSecret)',
  evaluate(record) {
    const c = conf(record);
    if (asBool(c.RotationEnabled) !== true) return fail('automatic rotation not enabled');
    const days = firstOf(c, ['RotationRules.AutomaticallyAfterDays']);
    return pass(`rotation enabled${days ? ` every ${text(days)} days` : ''}${c.RotationLambdaARN ? ` by ${text(c.RotationLambdaARN)}` : ''}`);
  },
};

export const OPENSEARCH_TYPES = ['AWS::OpenSearchService::Domain', 'AWS::OpenSearch::Domain', 'AWS::Elasticsearch::Domain'];

export const opensearchNotInternetReachable: ResourceCheck = {
  id: 'opensearch_domain_not_internet_reachable',
  scope: 'resource',
  resourceTypes: OPENSEARCH_TYPES,
  reads: 'configuration.VPCOptions, Endpoint, Endpoints, AccessPolicies (DescribeDomain)',
  evaluate(record) {
    const c = conf(record);
    const vpc = firstOf(c, ['VPCOptions.VPCId']);
    const endpoints = c.Endpoints as Record<string, string> | undefined;
    if (vpc || endpoints?.vpc) return pass(`domain in VPC ${text(vpc ?? '')}`.trim());
    const grants = publicGrants(record);
    const endpoint = typeof c.Endpoint === 'string' ? ` ${c.Endpoint}` : '';
    return fail(
      grants.length
        ? `public endpoint${endpoint} and access policy ${grants.join('; ')}: anyone on the internet can query it`
        : `public endpoint${endpoint} outside a VPC (reachable from the internet; only the access policy restricts it)`,
    );
  },
};

export const dataChecks = [rdsEncrypted, rdsNotPublic, dynamodbKmsEncryption, kmsRotation, secretRotation, opensearchNotInternetReachable];
