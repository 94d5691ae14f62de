// Collectors end to end against moto and kinesalite: an organization with 3 member accounts (plus a suspended
// one) across 2 regions, resources planted in each, every collector run through Kinesis, and the stream read
// back: the exact set of records by resourceType and ARN.
import { identityHash } from '../../core/content.js';
import { GetObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord, CollectionErrorRecord, InventoryRunRecord, ResourceRecord, StreamRecord } from '../../core/schemas.js';
import { parseRecord } from '../../core/schemas.js';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { clientConfig } from '../../platform/aws.js';
import { localStack } from '../../platform/local-stack.js';
import { lastFullMonth } from '../../collectors/discovery.js';
import { KinesisProducer } from '../../collectors/producer.js';
import { resourceTypes } from '../../collectors/all.js';
import { runCollection, type RunSummary } from '../../collectors/run.js';
import { uniqueName } from '../helpers.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';
import { plantAll, type Planted } from '../fixtures/collectors/plant.js';
import { createStream, readStream, type StreamEntry } from '../fixtures/collectors/stream.js';

const REGIONS = ['us-east-1', 'eu-west-1'];

/** moto's Cost Explorer answers from results set through its /moto-api/ (its documented way to seed CE). */
async function setSpend(payerId: string, spend: Record<string, number>): Promise<void> {
  const { start, end } = lastFullMonth();
  const result = {
    ResultsByTime: [
      {
        TimePeriod: { Start: start, End: end },
        Total: {},
        Groups: Object.entries(spend).map(([id, usd]) => ({ Keys: [id], Metrics: { UnblendedCost: { Amount: usd.toFixed(2), Unit: 'USD' } } })),
        Estimated: false,
      },
    ],
    DimensionValueAttributes: [],
  };
  const res = await fetch(`${localStack.moto}/moto-api/static/ce/cost-and-usage-results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account_id: payerId, results: [result] }),
  });
  expect(res.status).toBe(201);
}

describe('census collectors against moto through Kinesis', () => {
  let org: TestOrg;
  let planted: Planted;
  let summary: RunSummary;
  let entries: StreamEntry[];
  let records: StreamRecord[];
  const stream = uniqueName('collect');
  const feedBucket = uniqueName('feed');
  const deadLetterBucket = uniqueName('dlq');

  beforeAll(async () => {
    const s3 = new S3Client(s3Config());
    await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: deadLetterBucket }));
    await createStream(stream);
    org = await buildOrg(3);
    planted = await plantAll(org, REGIONS);
    await setSpend(org.payerId, Object.fromEntries(org.members.map((m, i) => [m.accountId, 1000 * (i + 1) + 0.25])));
    // moto answers the APIs it lacks with HTTP 500s; fewer SDK retries keep the test short
    process.env.CENSUS_AWS_MAX_ATTEMPTS = '2';
    const config = loadConfig({ payers: org.payerId, auditRole: 'CensusAudit', regions: REGIONS.join(','), streamName: stream, feedBucket, deadLetterBucket }, {});
    const sink = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket });
    summary = await runCollection(config, sink, { collectors: planted.collectors, pageSize: 3 });
    entries = await readStream(stream);
    records = entries.map((e) => parseRecord(e.data));
  });

  it('discovers every account with tags, OU path and status, and keeps the list in S3', async () => {
    const accounts = records.filter((r): r is AccountRecord => r.recordType === 'account');
    const byId = new Map(accounts.map((a) => [a.accountId, a]));
    expect(new Set(byId.keys())).toEqual(new Set([org.payerId, ...org.members.map((m) => m.accountId), org.suspended]));
    for (const m of org.members) {
      const a = byId.get(m.accountId)!;
      expect(a).toMatchObject({ name: m.name, status: 'ACTIVE', payerId: org.payerId, ouPath: m.ou, owner: m.owner, executive: 'ceo@corp.example' });
    }
    expect(byId.get(org.suspended)!.status).toBe('SUSPENDED');
    // last month's spend from the payer's Cost Explorer; accounts it does not list spent nothing
    org.members.forEach((m, i) => expect(byId.get(m.accountId)!.spend).toBe(1000 * (i + 1) + 0.25));
    expect(byId.get(org.payerId)!.spend).toBe(0);
    expect(summary.spendUnavailable).toEqual([]);
    const stored = await new S3Client(s3Config()).send(new GetObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts }));
    const list = JSON.parse(await stored.Body!.transformToString()) as AccountRecord[];
    expect(list.map((a) => a.accountId).sort()).toEqual([...byId.keys()].sort());
  });

  it('inventories active accounts only, and emits the exact set of resources by type and ARN', () => {
    const resources = records.filter((r): r is ResourceRecord => r.recordType === 'resource');
    const got = resources.map((r) => `${r.resourceType} ${r.arn}`).sort();
    expect(got).toEqual([...planted.expected].sort());
    expect(resources.some((r) => r.awsAccountId === org.suspended)).toBe(false);
    // every type the collectors know, except the three whose list APIs moto lacks (covered by unit tests)
    const lacking = ['AWS::AccessAnalyzer::Analyzer', 'AWS::SSM::ManagedInstanceInventory', 'AWS::EC2::ClientVpnEndpoint'];
    expect([...new Set(resources.map((r) => r.resourceType))].sort()).toEqual(resourceTypes().filter((t) => !lacking.includes(t)));
    expect(summary.accounts).toMatchObject({ active: 4, suspended: 1, inventoried: 4, notInventoried: [] });
  });

  it('writes one run record per account with every collector and region as a scope, and records what moto cannot answer as collection errors', () => {
    const runs = records.filter((r): r is InventoryRunRecord => r.recordType === 'inventory-run');
    const errors = records.filter((r): r is CollectionErrorRecord => r.recordType === 'collection-error');
    const activeAccounts = [org.payerId, ...org.members.map((m) => m.accountId)];
    // moto has no DescribeClientVpnEndpoints nor SSM DescribeInstanceInformation (it answers with an HTML page): the
    // EC2 and SSM scopes of every account and region are incomplete, and say why
    const where = (r: { collector: string | null; accountId: string; region: string | null }) => `${r.collector} ${r.accountId} ${r.region}`;
    const lacking: Record<string, RegExp> = { ec2: /^AWS::EC2::ClientVpnEndpoint: .*HTTP 500/s, ssm: /^AWS::SSM::ManagedInstanceInventory: /s };
    const expectedPlaces = Object.keys(lacking).flatMap((c) => activeAccounts.flatMap((a) => REGIONS.map((region) => `${c} ${a} ${region}`))).sort();
    expect(errors.map(where).sort()).toEqual(expectedPlaces);
    for (const e of errors) expect(e.message).toMatch(lacking[e.collector!]!);
    expect(runs.map((r) => r.accountId).sort()).toEqual([...activeAccounts].sort());
    const scopes = runs.flatMap((r) => (r.scopes ?? []).map((s) => ({ ...s, accountId: r.accountId })));
    expect(scopes.filter((s) => !s.complete).map(where).sort()).toEqual(expectedPlaces);
    // the run lists the errors it met (their presence, where an unchanged error record lands only once)
    expect(runs.flatMap((r) => (r.errors ?? []).map((e) => where({ ...e, accountId: r.accountId }))).sort()).toEqual(expectedPlaces);
    for (const r of runs) expect(r.complete).toBe(false);
    for (const account of activeAccounts) {
      for (const c of planted.collectors) {
        const regions = ['s3', 'iam', 'route53', 'cloudfront'].includes(c) ? ['global'] : REGIONS;
        for (const region of regions) {
          expect(scopes.filter((s) => s.accountId === account && s.collector === c && s.region === region), `${account} ${c} ${region}`).toHaveLength(1);
        }
      }
    }
    const resourceArns = records.flatMap((r) => (r.recordType === 'resource' ? [r] : []));
    expect(scopes.reduce((n, s) => n + s.resourceCount, 0)).toBe(resourceArns.length);
    // `seen`: every resource of the account, hashed, one list over all its scopes
    for (const r of runs) expect(r.seen).toEqual(resourceArns.filter((x) => x.awsAccountId === r.accountId).map((x) => identityHash(x.arn)).sort());
    expect(summary.collectionErrors).toBe(errors.length);
    // moto's HTTP 500 for the missing API is retried by the SDK (2 attempts here), and the summary counts it
    expect(summary.calls.retries).toBeGreaterThanOrEqual(errors.length);
  });

  it('follows pagination: with page size 3, IAM and SQS lists span several pages and every item arrives', async () => {
    const member = org.members[0]!.accountId;
    const iam = new IAMClient(clientConfig({ credentials: await credentialsFor(member) }));
    const first = await iam.send(new ListRolesCommand({ MaxItems: 3 }));
    expect(first.IsTruncated).toBe(true);
    const roles = records.filter((r) => r.recordType === 'resource' && r.resourceType === 'AWS::IAM::Role' && r.awsAccountId === member);
    expect(roles.length).toBeGreaterThan(3);
    expect(roles).toHaveLength(planted.expected.filter((e) => e.startsWith(`AWS::IAM::Role arn:aws:iam::${member}:`)).length);
  });

  it("streams the standard's account sweep over each account's inventory", () => {
    const findings = records.filter((r) => r.recordType === 'finding');
    const accountPab = findings.filter((f) => f.requirementId === 'CSS-S3-04');
    const active = [org.payerId, ...org.members.map((m) => m.accountId)];
    expect(accountPab.map((f) => f.accountId).sort()).toEqual([...active].sort());
    // only member 0 has an account-level public access block
    for (const f of accountPab) expect(f.status, f.accountId).toBe(f.accountId === org.members[0]!.accountId ? 'PASS' : 'FAIL');
    expect(summary.findings).toBe(findings.length);
  });

  it('keys every resource record by its ARN', () => {
    for (const e of entries) {
      const r = parseRecord(e.data);
      if (r.recordType === 'resource') expect(e.partitionKey).toBe(r.arn);
      if (r.recordType === 'account' || r.recordType === 'inventory-run') expect(e.partitionKey).toBe(r.accountId);
    }
  });

  it('records the detail calls of planted resources in supplementaryConfiguration', () => {
    const resources = records.filter((r): r is ResourceRecord => r.recordType === 'resource');
    for (const check of planted.checks) check(resources);
  });
});
