// Collector engine and normalization, without a network. The response shapes for the APIs moto lacks
// (Access Analyzer, SSM DescribeInstanceInformation, EC2 Client VPN, EC2 GetEbsDefaultKmsKeyId) are taken
// from the examples in the AWS API reference.
import { describe, expect, it } from 'vitest';
import { ResourceRecord } from '../../core/schemas.js';
import { parseWith } from '../../core/schemas.js';
import { errorCode, isAbsent, normalize, paged, resource, toJson, toTagMap, type AnyResourceSpec, type CollectorContext } from '../../collectors/engine.js';
import { accountStatus, lastFullMonth, spendByAccount } from '../../collectors/discovery.js';
import { plan } from '../../collectors/inventory.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffDelay, NdjsonFileSink, partitionKey } from '../../collectors/producer.js';
import { collectors, resourceTypes } from '../../collectors/all.js';
import { collectorNames, loadCollectors } from '../../collectors/registry.js';
import { parseConcurrency, parsePageSize } from '../../collectors/cli.js';
import { parseCredentialReport } from '../../collectors/services/iam.js';
import { CallLimiter } from '../../collectors/runtime.js';
import type { Collector } from '../../collectors/engine.js';

const ctx = (over: Partial<CollectorContext> = {}): CollectorContext => ({
  accountId: '111122223333',
  region: 'us-east-1',
  partition: 'aws',
  observedAt: '2026-11-24T10:00:00.000Z',
  collector: 'test',
  runId: 'run-1',
  client: () => {
    throw new Error('this test makes no calls');
  },
  ...over,
});

const specOf = (name: string, type: string): AnyResourceSpec => {
  const spec = collectors.find((c) => c.name === name)!.resources.find((r) => r.resourceType === type);
  if (!spec) throw new Error(`no ${type} in ${name}`);
  return spec;
};

/** An SDK-style service error: the engine reads its `name` as the code. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 403 } });

describe('collector registry', () => {
  it('covers at least 40 resource types, each a CloudFormation-style type', () => {
    expect(resourceTypes().length).toBeGreaterThanOrEqual(40);
    for (const t of resourceTypes()) expect(t).toMatch(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
  });
  it('names collectors like infra does, and rejects an unknown name listing the known ones', async () => {
    expect(new Set(collectors.map((c) => c.name)).size).toBe(collectors.length);
    await expect(loadCollectors(['s3', 'nope'])).rejects.toThrow(/unknown collector "nope"; known: .*s3/);
  });
  it('loads each collector by its registry name, the same list all.ts imports at once', async () => {
    expect(collectorNames()).toEqual(collectors.map((c) => c.name));
    expect((await loadCollectors(['iam', 's3'])).map((c) => c.name)).toEqual(['iam', 's3']);
    expect((await loadCollectors()).map((c) => c.name)).toEqual(collectorNames());
  });
});

describe('engine helpers', () => {
  it('reads tags from every shape AWS uses', () => {
    expect(toTagMap([{ Key: 'a', Value: '1' }])).toEqual({ a: '1' });
    expect(toTagMap([{ key: 'a', value: '1' }])).toEqual({ a: '1' });
    expect(toTagMap([{ TagKey: 'a', TagValue: '1' }])).toEqual({ a: '1' });
    expect(toTagMap({ a: '1', b: 2 })).toEqual({ a: '1', b: '2' });
    expect(toTagMap(undefined)).toEqual({});
  });
  it('tells "there is none" from "could not read it"', () => {
    for (const code of ['NoSuchBucketPolicy', 'NoSuchEntity', 'ResourceNotFoundException', 'RepositoryPolicyNotFoundException', 'ServerSideEncryptionConfigurationNotFoundError', 'WAFNonexistentItemException']) {
      expect(isAbsent(awsError(code, 'x')), code).toBe(true);
    }
    for (const code of ['AccessDenied', 'AccessDeniedException', 'ThrottlingException', 'InternalFailure']) expect(isAbsent(awsError(code, 'x')), code).toBe(false);
    expect(errorCode(awsError('AccessDenied', 'x'))).toBe('AccessDenied');
  });
  it('turns API responses into JSON: ISO dates, no SDK metadata', () => {
    expect(toJson({ d: new Date('2026-01-02T03:04:05Z'), $metadata: { httpStatusCode: 200 } })).toEqual({ d: '2026-01-02T03:04:05.000Z' });
  });
});

describe('paged', () => {
  it('gives each run its own copy of the input: SDK paginators write the next token into it', async () => {
    // the shape of @smithy createPaginator: it sets input[NextToken] and input[MaxResults] on the object it is given
    const pages: Record<string, { Items: string[]; NextToken?: string }> = { start: { Items: ['a', 'b'], NextToken: 't1' }, t1: { Items: ['c'] } };
    async function* paginate(config: { client: unknown; pageSize?: number }, input: { NextToken?: string; MaxResults?: number }) {
      let token: string | undefined = input.NextToken;
      do {
        input.NextToken = token;
        input.MaxResults = config.pageSize;
        const page = pages[token ?? 'start']!;
        yield page;
        token = page.NextToken;
      } while (token);
    }
    const declared: { NextToken?: string; MaxResults?: number } = {};
    const list = paged(paginate, declared, 'Items');
    const all = async () => {
      const out: string[] = [];
      for await (const x of list({}, ctx({ pageSize: 2 }))) out.push(x);
      return out;
    };
    expect(await Promise.all([all(), all()])).toEqual([['a', 'b', 'c'], ['a', 'b', 'c']]);
    expect(declared).toEqual({});
  });
});

describe('normalize', () => {
  interface Item {
    Name: string;
    Created: string;
    TrustPolicy: string;
  }
  type Client = { answers: Record<string, () => Promise<unknown>> };
  const call = (name: string) => (c: Client) => c.answers[name]!();
  const spec = resource<Client, Item>({
    resourceType: 'AWS::Test::Thing',
    client: () => ({ answers: {} }),
    list: async function* () {},
    id: 'Name',
    name: 'Name',
    arn: (i, c) => `arn:aws:test:${c.region}:${c.accountId}:thing/${i.Name}`,
    created: 'Created',
    decode: ['TrustPolicy'],
    details: {
      Policy: { call: 'GetThingPolicy', run: call('GetThingPolicy'), policy: true },
      Encryption: { call: 'GetThingEncryption', run: call('GetThingEncryption') },
      Logging: { call: 'GetThingLogging', run: call('GetThingLogging') },
      Tags: { call: 'ListThingTags', run: call('ListThingTags'), tags: true },
    },
  });
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'sts:AssumeRole' }] };
  const item: Item = { Name: 'alpha', Created: '2025-05-01T00:00:00Z', TrustPolicy: encodeURIComponent(JSON.stringify(policy)) };

  it('keeps the response as configuration, decodes policies, records a failed call and goes on', async () => {
    const client: Client = {
      answers: {
        GetThingPolicy: async () => JSON.stringify(policy),
        GetThingEncryption: async () => {
          throw awsError('AccessDenied', 'not allowed to read encryption');
        },
        GetThingLogging: async () => {
          throw awsError('NoSuchLoggingConfiguration', 'none');
        },
        ListThingTags: async () => [{ Key: 'owner', Value: 'alice' }],
      },
    };
    const record = parseWith(ResourceRecord, await normalize(spec as never, item as never, client as never, ctx()));
    expect(record).toMatchObject({
      resourceType: 'AWS::Test::Thing',
      resourceId: 'alpha',
      arn: 'arn:aws:test:us-east-1:111122223333:thing/alpha',
      awsAccountId: '111122223333',
      awsRegion: 'us-east-1',
      resourceCreationTime: '2025-05-01T00:00:00.000Z',
      configurationItemCaptureTime: '2026-11-24T10:00:00.000Z',
      collector: 'test',
      runId: 'run-1',
      tags: { owner: 'alice' },
    });
    // IAM-style URL-encoded trust policy, decoded in place
    expect(record.configuration.TrustPolicy).toEqual(policy);
    expect(record.configuration.Name).toBe('alpha');
    expect(record.supplementaryConfiguration.Policy).toEqual(policy);
    // absent: none, not an error; AccessDenied: an error naming the call
    expect(record.supplementaryConfiguration.Logging).toBeNull();
    expect(record.supplementaryConfiguration).not.toHaveProperty('Encryption');
    expect(record.errors).toEqual([{ call: 'GetThingEncryption', code: 'AccessDenied', message: 'access denied to GetThingEncryption: not allowed to read encryption (HTTP 403)' }]);
  });

  it('names a malformed policy document instead of failing the record', async () => {
    const client: Client = { answers: { GetThingPolicy: async () => '{not json', GetThingEncryption: async () => ({}), GetThingLogging: async () => ({}), ListThingTags: async () => [] } };
    const record = await normalize(spec as never, { ...item, TrustPolicy: '%7Bbroken' } as never, client as never, ctx());
    expect(record.errors.map((e) => [e.call, e.code])).toEqual([['decode TrustPolicy', 'MalformedPolicyDocument'], ['GetThingPolicy', 'SyntaxError']]);
    expect(record.configuration.TrustPolicy).toBe('%7Bbroken');
  });

  it('records a global resource in region "global"', async () => {
    const iamUser = specOf('iam', 'AWS::IAM::User');
    const user = { UserName: 'bob', UserId: 'AIDAEXAMPLE', Arn: 'arn:aws:iam::111122223333:user/bob', CreateDate: new Date('2024-01-01T00:00:00Z'), Path: '/' };
    const failing = { send: async () => Promise.reject(awsError('AccessDenied', 'denied')) };
    const record = await normalize(iamUser, user, failing, ctx({ region: 'global' }));
    expect(record).toMatchObject({ awsRegion: 'global', resourceId: 'AIDAEXAMPLE', resourceName: 'bob', arn: user.Arn });
    // every detail call failed: each is named, the record still exists
    expect(record.errors.map((e) => e.call).sort()).toEqual(['GetLoginProfile', 'GetUserPolicy', 'ListAccessKeys', 'ListAttachedUserPolicies', 'ListGroupsForUser', 'ListMFADevices', 'ListUserTags']);
  });
});

// Response shapes from the AWS API reference for APIs moto does not implement.
describe('normalization of APIs moto lacks', () => {
  it('IAM Access Analyzer ListAnalyzers', async () => {
    // https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_ListAnalyzers.html
    const analyzer = {
      arn: 'arn:aws:access-analyzer:us-east-1:111122223333:analyzer/ConsoleAnalyzer-a1b2',
      name: 'ConsoleAnalyzer-a1b2',
      type: 'ACCOUNT',
      createdAt: new Date('2024-02-01T10:00:00Z'),
      lastResourceAnalyzed: 'arn:aws:s3:::amzn-s3-demo-bucket',
      status: 'ACTIVE',
      tags: { team: 'security' },
    };
    const r = parseWith(ResourceRecord, await normalize(specOf('accessanalyzer', 'AWS::AccessAnalyzer::Analyzer'), analyzer, {}, ctx()));
    expect(r).toMatchObject({ resourceId: analyzer.arn, arn: analyzer.arn, resourceName: analyzer.name, tags: { team: 'security' }, resourceCreationTime: '2024-02-01T10:00:00.000Z' });
    expect(r.configuration).toMatchObject({ type: 'ACCOUNT', status: 'ACTIVE' });
  });

  it('SSM DescribeInstanceInformation', async () => {
    // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
    const info = {
      InstanceId: 'i-0123456789abcdef0',
      PingStatus: 'Online',
      LastPingDateTime: new Date('2026-11-24T09:00:00Z'),
      AgentVersion: '3.3.40.0',
      IsLatestVersion: false,
      PlatformType: 'Linux',
      PlatformName: 'Amazon Linux',
      PlatformVersion: '2023',
      ResourceType: 'EC2Instance',
      IPAddress: '10.0.1.12',
      ComputerName: 'ip-10-0-1-12.ec2.internal',
      AssociationStatus: 'Success',
    };
    const r = parseWith(ResourceRecord, await normalize(specOf('ssm', 'AWS::SSM::ManagedInstanceInventory'), info, {}, ctx({ region: 'eu-west-1' })));
    expect(r).toMatchObject({
      resourceId: info.InstanceId,
      resourceName: info.ComputerName,
      arn: 'arn:aws:ssm:eu-west-1:111122223333:managed-instance-inventory/i-0123456789abcdef0',
      awsRegion: 'eu-west-1',
    });
    expect(r.configuration).toMatchObject({ PingStatus: 'Online', AgentVersion: '3.3.40.0', LastPingDateTime: '2026-11-24T09:00:00.000Z' });
  });

  it('EC2 DescribeClientVpnEndpoints', async () => {
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeClientVpnEndpoints.html
    const endpoint = {
      ClientVpnEndpointId: 'cvpn-endpoint-00c5d11fc4EXAMPLE',
      Description: 'Endpoint for remote staff',
      Status: { Code: 'available' },
      CreationTime: '2019-04-16 11:55:10',
      DnsName: 'cvpn-endpoint-00c5d11fc4EXAMPLE.prod.clientvpn.us-east-1.amazonaws.com',
      ClientCidrBlock: '172.31.0.0/16',
      SplitTunnel: false,
      VpnProtocol: 'openvpn',
      TransportProtocol: 'udp',
      AuthenticationOptions: [{ Type: 'certificate-authentication', MutualAuthentication: { ClientRootCertificateChain: 'arn:aws:acm:us-east-1:111122223333:certificate/a1b2' } }],
      ConnectionLogOptions: { Enabled: false },
      Tags: [{ Key: 'Name', Value: 'remote' }],
    };
    const r = parseWith(ResourceRecord, await normalize(specOf('ec2', 'AWS::EC2::ClientVpnEndpoint'), endpoint, {}, ctx()));
    expect(r).toMatchObject({
      resourceId: endpoint.ClientVpnEndpointId,
      resourceName: 'Endpoint for remote staff',
      arn: 'arn:aws:ec2:us-east-1:111122223333:client-vpn-endpoint/cvpn-endpoint-00c5d11fc4EXAMPLE',
      tags: { Name: 'remote' },
    });
    expect(r.configuration).toMatchObject({ ConnectionLogOptions: { Enabled: false } });
  });

  it('EC2 GetEbsEncryptionByDefault with GetEbsDefaultKmsKeyId', async () => {
    // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetEbsDefaultKmsKeyId.html
    const keyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const client = { send: async () => ({ KmsKeyId: keyId }) };
    const r = parseWith(ResourceRecord, await normalize(specOf('ec2', 'AWS::EC2::EBSEncryptionByDefault'), { EbsEncryptionByDefault: true }, client, ctx()));
    expect(r).toMatchObject({ resourceId: '111122223333/us-east-1', arn: 'arn:aws:ec2:us-east-1:111122223333:ebs-encryption-by-default', errors: [] });
    expect(r.configuration).toEqual({ EbsEncryptionByDefault: true });
    expect(r.supplementaryConfiguration).toEqual({ EbsDefaultKmsKeyId: keyId });
  });
});

describe('IAM credential report', () => {
  it('parses the CSV into rows keyed by column', () => {
    // columns as documented in the IAM User Guide, "Getting credential reports"
    const csv = [
      'user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_2_active',
      '<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T00:00:00+00:00,true,false,N/A,false',
      'alice,arn:aws:iam::111122223333:user/alice,2024-05-01T00:00:00+00:00,true,no_information,false,true,2024-05-01T00:00:00+00:00,false',
    ].join('\n');
    const rows = parseCredentialReport(Buffer.from(csv));
    expect(rows.map((r) => [r.user, r.mfa_active, r.access_key_1_active])).toEqual([
      ['<root_account>', 'true', 'false'],
      ['alice', 'false', 'true'],
    ]);
  });
});

describe('discovery', () => {
  it('sums spend per linked account over result pages', () => {
    const page = (groups: [string, string][]) => ({ ResultsByTime: [{ Groups: groups.map(([k, a]) => ({ Keys: [k], Metrics: { UnblendedCost: { Amount: a } } })) }] });
    const spend = spendByAccount([page([['111111111111', '10.50'], ['222222222222', '3']]), page([['111111111111', '1.25'], ['333333333333', 'n/a']])]);
    expect(Object.fromEntries(spend)).toEqual({ '111111111111': 11.75, '222222222222': 3 });
  });
  it('reads last month as Cost Explorer dates, across a year boundary', () => {
    expect(lastFullMonth(new Date('2026-01-15T00:00:00Z'))).toEqual({ start: '2025-12-01', end: '2026-01-01' });
  });
  it('takes the account state from State, else Status', () => {
    expect(accountStatus({ Status: 'SUSPENDED' })).toBe('SUSPENDED');
    expect(accountStatus({ Status: 'ACTIVE', State: 'PENDING_CLOSURE' } as never)).toBe('PENDING_CLOSURE');
  });
});

describe('inventory plan', () => {
  it('runs global collectors once and regional ones per region where the service exists', () => {
    const g: Collector = { name: 'g', global: true, resources: [] };
    const r: Collector = { name: 'r', resources: [] };
    const only: Collector = { name: 'o', onlyRegions: ['us-east-1'], resources: [] };
    expect(plan([g, r, only], ['eu-west-1', 'us-east-1']).map((p) => `${p.collector.name}@${p.region}`)).toEqual([
      'g@global',
      'r@eu-west-1',
      'r@us-east-1',
      'o@us-east-1',
    ]);
  });
});

describe('CallLimiter', () => {
  it('never has more calls in flight than allowed per account, per region and overall', async () => {
    const limiter = new CallLimiter({ overall: 5, perAccount: 3, perRegion: 2 });
    const inFlight = { all: 0, account: new Map<string, number>(), region: new Map<string, number>() };
    const peak = { all: 0, account: 0, region: 0 };
    const bump = (m: Map<string, number>, k: string, d: number) => m.set(k, (m.get(k) ?? 0) + d).get(k)!;
    const call = (account: string, region: string) =>
      limiter.run(account, region, async () => {
        inFlight.all++;
        peak.all = Math.max(peak.all, inFlight.all);
        peak.account = Math.max(peak.account, bump(inFlight.account, account, 1));
        peak.region = Math.max(peak.region, bump(inFlight.region, region, 1));
        await new Promise((r) => setTimeout(r, 1));
        inFlight.all--;
        bump(inFlight.account, account, -1);
        bump(inFlight.region, region, -1);
      });
    const accounts = ['a', 'b', 'c', 'd'];
    const regions = ['us-east-1', 'eu-west-1', 'ap-south-1'];
    await Promise.all(Array.from({ length: 120 }, (_, i) => call(accounts[i % 4]!, regions[i % 3]!)));
    expect(peak.all).toBeLessThanOrEqual(5);
    expect(peak.account).toBeLessThanOrEqual(3);
    expect(peak.region).toBeLessThanOrEqual(2);
    expect(peak.all).toBeGreaterThan(1);
  });
});

describe('producer helpers', () => {
  it('keys resources by ARN, others by account, and hashes keys over 256 characters', () => {
    expect(partitionKey({ recordType: 'inventory-run', accountId: '111122223333' } as never)).toBe('111122223333');
    expect(partitionKey({ recordType: 'resource', arn: 'arn:aws:s3:::b' } as never)).toBe('arn:aws:s3:::b');
    const long = `arn:aws:s3:::${'x'.repeat(300)}`;
    expect(partitionKey({ recordType: 'resource', arn: long } as never)).toMatch(/^[0-9a-f]{64}$/);
    expect(partitionKey({ recordType: 'resource', arn: long } as never)).toBe(partitionKey({ recordType: 'resource', arn: long } as never));
  });
  it('backs off exponentially with full jitter, capped', () => {
    for (let i = 0; i < 200; i++) {
      expect(backoffDelay(0, 100)).toBeLessThanOrEqual(100);
      expect(backoffDelay(3, 100)).toBeLessThanOrEqual(800);
      expect(backoffDelay(30, 100)).toBeLessThanOrEqual(5000);
    }
  });
});

describe('NdjsonFileSink', () => {
  it('writes valid records one per line and puts a record that breaks the contract aside with the reason', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'census-sink-')), 'out.ndjson');
    const sink = new NdjsonFileSink(path);
    const good = { recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r', accountId: '111122223333', region: 'global', collector: 'iam', complete: true, resourceCount: 0, startedAt: '2026-11-24T10:00:00.000Z', finishedAt: '2026-11-24T10:00:01.000Z' } as const;
    await sink.put(good);
    await sink.put({ ...good, accountId: 'nope' } as never);
    await sink.close();
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))).toEqual([good]);
    const rejected = readFileSync(sink.rejectedPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reason: string });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toMatch(/accountId/);
    expect([sink.records, sink.rejected]).toEqual([1, 1]);
  });
});

describe('census collect flags', () => {
  it('parses --concurrency and rejects nonsense with the flag named', () => {
    expect(parseConcurrency('32,8,4')).toEqual({ overall: 32, perAccount: 8, perRegion: 4 });
    expect(parseConcurrency(undefined)).toBeUndefined();
    expect(() => parseConcurrency('8,x')).toThrow(/--concurrency "8,x"/);
    expect(parsePageSize('25')).toBe(25);
    expect(() => parsePageSize('0')).toThrow(/--page-size "0"/);
  });
});
