// Pure parts of the infrastructure code: context parsing, the least-privilege scan, the OpenSearch FGAC plan.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { indexNames } from '../../core/indexes.js';
import { SchemaError } from '../../core/schemas.js';
import { featureFlags } from '../../infra/lib/app.js';
import { parseInfraConfig } from '../../infra/lib/config.js';
import { isWildcardWriteAction, wildcardWriteGrants, writeGrantsOnAnyResource } from '../../infra/lib/least-privilege.js';
import { securityDeleteRequests, securityRequests } from '../../infra/lib/opensearch-security-plan.js';

describe('CDK context', () => {
  it('has defaults for everything, so synth needs no context', () => {
    const c = parseInfraConfig({});
    expect(c).toMatchObject({
      namePrefix: 'census',
      payerAccountIds: [],
      auditRoleName: 'CensusAudit',
      regions: [],
      stream: { mode: 'ON_DEMAND' },
      schedules: { inventory: 'rate(1 hour)', scoring: 'rate(1 hour)', delivery: 'cron(0 7 ? * MON *)' },
      processor: { batchSize: 500, retryAttempts: 3, parallelizationFactor: 2 },
      openSearch: { dataNodes: 2, masterNodes: 3 },
    });
  });

  it('accepts -c strings (lists, numbers, JSON objects) as well as cdk.json values', () => {
    const c = parseInfraConfig({
      payerAccountIds: '111111111111, 222222222222',
      regions: ['eu-west-1', 'us-east-1'],
      openSearch: '{"dataNodes":"4","zoneAwareness":"false","masterNodes":0}',
      processor: { batchSize: '1000' },
      unrelated: 'ignored',
    });
    expect(c.payerAccountIds).toEqual(['111111111111', '222222222222']);
    expect(c.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(c.openSearch).toMatchObject({ dataNodes: 4, zoneAwareness: false, masterNodes: 0, volumeSizeGiB: 100 });
    expect(c.processor).toMatchObject({ batchSize: 1000, maxBatchingWindowSeconds: 5 });
  });

  it('names the key and the reason when a value is wrong', () => {
    expect(() => parseInfraConfig({ payerAccountIds: '1234' })).toThrow(SchemaError);
    expect(() => parseInfraConfig({ payerAccountIds: '1234' })).toThrow(/CDK context: payerAccountIds\.0: must be a 12-digit AWS account ID/);
    expect(() => parseInfraConfig({ schedules: { inventory: 'every 30 minutes' } })).toThrow(/schedules\.inventory: "every 30 minutes": must be rate/);
    expect(() => parseInfraConfig({ processor: { batchSize: 20_000 } })).toThrow(/processor\.batchSize/);
    // the risk register must sit where processors may read it
    expect(() => parseInfraConfig({ exceptionsRegisterKey: 'exceptions.csv' })).toThrow(/exceptionsRegisterKey: must be a key under config\//);
    expect(parseInfraConfig({ exceptionsRegisterKey: 'config/exceptions.xlsx' }).exceptionsRegisterKey).toBe('config/exceptions.xlsx');
    expect(() => parseInfraConfig({ feedTransitionDays: 90, feedExpirationDays: 60 })).toThrow(/feedExpirationDays: must be later than feedTransitionDays/);
  });

  it('rejects what CloudFormation would reject, naming the key: log retention, instance types, schedules, e-mail', () => {
    expect(() => parseInfraConfig({ logRetentionDays: 100 })).toThrow(/CDK context: logRetentionDays: must be one of 1, 3, 5, .*3653/);
    expect(parseInfraConfig({ logRetentionDays: '400' }).logRetentionDays).toBe(400);
    expect(() => parseInfraConfig({ openSearch: { dataNodeInstanceType: 'r7g.large' } })).toThrow(/openSearch\.dataNodeInstanceType: must be an OpenSearch Service instance type/);
    expect(() => parseInfraConfig({ openSearch: { masterNodeInstanceType: 'm7g large search' } })).toThrow(/openSearch\.masterNodeInstanceType/);
    expect(parseInfraConfig({ openSearch: { dataNodeInstanceType: 'r7g.2xlarge.search' } }).openSearch.dataNodeInstanceType).toBe('r7g.2xlarge.search');
    expect(() => parseInfraConfig({ schedules: { inventory: 'rate(1 hours)' } })).toThrow(/schedules\.inventory: "rate\(1 hours\)": use the singular unit/);
    expect(() => parseInfraConfig({ schedules: { inventory: 'rate(2 hour)' } })).toThrow(/schedules\.inventory/);
    expect(() => parseInfraConfig({ schedules: { delivery: 'cron(0 7 * * MON *)' } })).toThrow(/schedules\.delivery: .*exactly one of day-of-month and day-of-week must be \?/);
    expect(() => parseInfraConfig({ schedules: { scoring: 'cron(0 7 * * ?)' } })).toThrow(/schedules\.scoring: .*cron needs 6 fields/);
    expect(() => parseInfraConfig({ schedules: { timezone: 'Mars/Olympus' } })).toThrow(/schedules\.timezone: must be an IANA time zone/);
    expect(parseInfraConfig({ schedules: { inventory: 'rate(2 hours)', delivery: 'cron(0 7 ? * MON *)', timezone: 'Europe/Paris' } }).schedules.inventory).toBe('rate(2 hours)');
    expect(() => parseInfraConfig({ sesFromAddress: 'census' })).toThrow(/sesFromAddress: must be an e-mail address/);
    expect(() => parseInfraConfig({ scorecardRecipients: 'ciso@example.com,nobody' })).toThrow(/scorecardRecipients\.1: must be an e-mail address/);
    expect(() => parseInfraConfig({ trustedAccountsKey: 'vendors.csv' })).toThrow(/trustedAccountsKey: must be a key under config\//);
  });

  it('cdk.json gives the CDK CLI the same feature flags the app is built with', () => {
    const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { app: string; context: Record<string, unknown> };
    expect(cdkJson.context).toEqual(featureFlags);
    expect(cdkJson.app).toBe('npx tsx infra/bin/app.ts');
  });
});

describe('least-privilege scan', () => {
  it('flags wildcards that can reach a write API and passes read-only ones', () => {
    for (const a of ['*', 's3:*', 's3:Put*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'iam:*Role', 'dynamodb:?atchWriteItem']) {
      expect(isWildcardWriteAction(a), a).toBe(true);
    }
    for (const a of ['s3:GetObject', 's3:Get*', 's3:GetObject*', 'ec2:Describe*', 's3:List*', 'dynamodb:BatchGet*', 'sts:AssumeRole']) {
      expect(isWildcardWriteAction(a), a).toBe(false);
    }
  });

  it('scans policies, managed policies and inline role policies, Allow statements only', () => {
    const template = {
      Resources: {
        P: { Type: 'AWS::IAM::Policy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:Put*'] }] } } },
        M: { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: { Effect: 'Allow', Action: '*', Sid: 'Admin' } } } },
        R: {
          Type: 'AWS::IAM::Role',
          Properties: { Policies: [{ PolicyDocument: { Statement: [{ Effect: 'Deny', Action: '*' }, { Effect: 'Allow', Action: 'ec2:Describe*' }] } }] },
        },
        B: { Type: 'AWS::S3::BucketPolicy', Properties: { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:*' }] } } },
      },
    };
    expect(wildcardWriteGrants(template)).toEqual([
      { resource: 'P', action: 's3:Put*', sid: undefined },
      { resource: 'M', action: '*', sid: 'Admin' },
    ]);
  });
});

describe('write grants on every resource', () => {
  it('finds write actions granted on "*" and ignores read-only ones and scoped resources', () => {
    const template = {
      Resources: {
        P: {
          Type: 'AWS::IAM::Policy',
          Properties: {
            PolicyDocument: {
              Statement: [
                { Effect: 'Allow', Action: ['s3:PutObject', 'ec2:DescribeRegions'], Resource: '*' },
                { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/k/*' },
                { Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: ['arn:aws:kinesis:us-east-1:1:stream/s', '*'] },
              ],
            },
          },
        },
      },
    };
    expect(writeGrantsOnAnyResource(template).map((g) => g.action)).toEqual(['s3:PutObject', 'kinesis:PutRecords']);
  });
});

describe('OpenSearch fine-grained access control plan', () => {
  const props = {
    indexPrefix: 'census',
    processorRoleArns: ['arn:aws:iam::999999999999:role/census-processor'],
    scoringRoleArns: ['arn:aws:iam::999999999999:role/census-scoring'],
    adminRoleArns: ['arn:aws:iam::999999999999:role/census-opensearch-security', 'arn:aws:iam::999999999999:role/SecurityTeam'],
  };

  it('gives processors write access to exactly the inventory, trust and finding indexes of their prefix', () => {
    const requests = securityRequests(props);
    const role = requests.find((r) => r.path === '/_plugins/_security/api/roles/census_processor')!;
    const perms = role.body!.index_permissions as { index_patterns: string[]; allowed_actions: string[] }[];
    const perm = perms.find((p) => p.allowed_actions.includes('crud'));
    const names = indexNames('census');
    expect(perms.filter((p) => p.allowed_actions.includes('crud'))).toHaveLength(1);
    expect(perm!.index_patterns.sort()).toEqual(
      [names.resources, names.findings, names.accounts, names.trustedAccounts, names.collectionErrors, names.inventoryRuns, names.deadLetters].map((n) => `${n}*`).sort(),
    );
    expect(perm!.index_patterns).not.toContain(`${names.scores}*`);
    expect(perm!.allowed_actions).toContain('crud');
    // a resource family index (census-resources-s3) matches the pattern
    expect(perm!.index_patterns.some((p) => names.resourceFamily('AWS::S3::Bucket').startsWith(p.replace('*', '')))).toBe(true);
  });

  it('lets both stages create the empty indexes of the whole layout (each bootstraps it), but not write to them', () => {
    for (const role of ['census_processor', 'census_scoring']) {
      const perms = securityRequests(props).find((r) => r.path.endsWith(`/roles/${role}`))!.body!.index_permissions as {
        index_patterns: string[];
        allowed_actions: string[];
      }[];
      const bootstrap = perms.find((p) => p.index_patterns.includes('census-*') && p.allowed_actions.includes('create_index'))!;
      expect(bootstrap.allowed_actions).not.toContain('crud');
      expect(bootstrap.allowed_actions).not.toContain('write');
    }
  });

  it('lets scoring read the prefix and write only scores and their latest-run views', () => {
    const role = securityRequests(props).find((r) => r.path.endsWith('/roles/census_scoring'))!;
    expect(role.body!.index_permissions).toEqual([
      { index_patterns: ['census-*'], allowed_actions: ['indices:admin/get', 'create_index', 'indices:admin/aliases*'] },
      { index_patterns: ['census-*'], allowed_actions: ['read'] },
      { index_patterns: ['census-scores*', 'census-current-scores*', 'census-current-failing*'], allowed_actions: ['crud', 'create_index', 'manage', 'indices:admin/aliases*'] },
    ]);
  });

  it('maps each IAM role as a backend role and keeps the master role in all_access', () => {
    const mappings = Object.fromEntries(
      securityRequests(props)
        .filter((r) => r.path.includes('/rolesmapping/'))
        .map((r) => [r.path.split('/').pop(), r.body!.backend_roles]),
    );
    expect(mappings).toEqual({
      census_processor: props.processorRoleArns,
      census_scoring: props.scoringRoleArns,
      all_access: props.adminRoleArns,
    });
  });

  it('scopes role names by prefix and deletes only its own roles', () => {
    expect(securityRequests({ ...props, indexPrefix: 'staging' }).map((r) => r.path)).toContain('/_plugins/_security/api/roles/staging_processor');
    expect(securityDeleteRequests('census')).toEqual([
      { method: 'DELETE', path: '/_plugins/_security/api/rolesmapping/census_processor' },
      { method: 'DELETE', path: '/_plugins/_security/api/rolesmapping/census_scoring' },
      { method: 'DELETE', path: '/_plugins/_security/api/roles/census_processor' },
      { method: 'DELETE', path: '/_plugins/_security/api/roles/census_scoring' },
    ]);
  });
});
