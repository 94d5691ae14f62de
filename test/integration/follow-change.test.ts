// Following change, as the system lives: two complete inventories of an unchanged organization, then five planted
// resources changed and a third inventory. The second run writes no latest/ object, no resource document, no feed
// line for a resource or finding, marks nothing deleted; the third lands exactly the five changes, with their diffs.
import { PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import type { CensusConfig } from '../../platform/config.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { indexNames } from '../../core/indexes.js';
import type { ChangeRecord, ResourceRecord } from '../../core/schemas.js';
import { assumeRole } from '../../collectors/runtime.js';
import { demoConfig, prepareTargets, writeRegisters } from '../../scripts/demo/run-demo.js';
import { collectOrganization, consumeAll } from '../../scripts/demo/pipeline-stages.js';
import { buildSyntheticOrg } from '../../scripts/demo/synthetic-org.js';
import { measureWrites, type RunWrites } from '../../scripts/demo/follow-change.js';
import { testIndexPrefix } from './processors-helpers.js';

const noProgress = { total: () => undefined, update: () => undefined };

describe('change-only landing across three inventories of a demo organization', () => {
  const name = testIndexPrefix('follow');
  const seed = Number(process.env.CENSUS_FOLLOW_TEST_SEED) || 7000 + Math.floor(Math.random() * 100_000);
  console.info(`follow-change test: seed ${seed} (replay with CENSUS_FOLLOW_TEST_SEED=${seed})`);
  const os = openSearchClient();
  const s3 = new S3Client(s3Config());
  let config: CensusConfig;
  let first: RunWrites;
  let second: RunWrites;
  let secondRun = { runId: '', markedDeleted: -1, deletedLines: -1 };
  let thirdStart = '';
  /** ARN -> the diff path the planted change must produce */
  const changed = new Map<string, string>();

  const run = async () => {
    const collected = await collectOrganization(config, noProgress);
    const processed = await consumeAll(config, noProgress);
    return { runId: collected.runId, markedDeleted: processed.markedDeleted };
  };
  const resourcesOf = async (type: string): Promise<ResourceRecord[]> => {
    const res = await os.search({ index: indexNames(name).resourceFamily(type), body: { size: 100, query: { term: { resourceType: type } }, sort: [{ arn: 'asc' }] } });
    return (res.body.hits.hits as { _source: ResourceRecord }[]).map((h) => h._source);
  };

  beforeAll(async () => {
    const manifest = await buildSyntheticOrg({ seed, accounts: 3, regions: ['us-east-1'] });
    const registerDir = mkdtempSync(join(tmpdir(), 'census-follow-'));
    writeRegisters(registerDir, manifest);
    config = demoConfig(name, manifest, { registerDir });
    await prepareTargets(config, s3, os);
    first = await measureWrites(s3, os, config, run);
    second = await measureWrites(s3, os, config, async () => {
      const r = await run();
      secondRun = { ...r, deletedLines: -1 };
    });

    // five planted resources changed, one of each kind, in their own accounts
    const creds = async (accountId: string) => (await assumeRole({ accountId, roleName: config.auditRole, sessionName: 'follow-test' }))();
    const region = 'us-east-1';
    const member = (r: ResourceRecord) => manifest.accounts.some((a) => a.accountId === r.awsAccountId);
    const bucket = (await resourcesOf('AWS::S3::Bucket')).find(member)!;
    await new S3Client(s3Config({ region, credentials: await creds(bucket.awsAccountId) })).send(
      new PutBucketTaggingCommand({ Bucket: bucket.resourceName!, Tagging: { TagSet: [...Object.entries(bucket.tags).map(([Key, Value]) => ({ Key, Value })), { Key: 'reviewed', Value: 'yes' }] } }),
    );
    changed.set(bucket.arn, '/tags/reviewed');
    const queue = (await resourcesOf('AWS::SQS::Queue')).find(member)!;
    await new SQSClient(clientConfig({ region, credentials: await creds(queue.awsAccountId) })).send(
      new SetQueueAttributesCommand({ QueueUrl: queue.resourceId, Attributes: { VisibilityTimeout: '123' } }),
    );
    changed.set(queue.arn, '/configuration/Attributes/VisibilityTimeout');
    const role = (await resourcesOf('AWS::IAM::Role')).find((r) => member(r) && r.resourceName !== 'OrganizationAccountAccessRole' && r.resourceName !== config.auditRole)!;
    await new IAMClient(clientConfig({ region, credentials: await creds(role.awsAccountId) })).send(new TagRoleCommand({ RoleName: role.resourceName!, Tags: [{ Key: 'reviewed', Value: 'yes' }] }));
    changed.set(role.arn, '/tags/reviewed');
    const table = (await resourcesOf('AWS::DynamoDB::Table')).find(member)!;
    await new DynamoDBClient(clientConfig({ region, credentials: await creds(table.awsAccountId) })).send(
      new TagResourceCommand({ ResourceArn: table.arn, Tags: [{ Key: 'reviewed', Value: 'yes' }] }),
    );
    changed.set(table.arn, '/tags/reviewed');
    const group = (await resourcesOf('AWS::EC2::SecurityGroup')).find((g) => member(g) && g.resourceName !== 'default')!;
    await new EC2Client(clientConfig({ region, credentials: await creds(group.awsAccountId) })).send(
      new AuthorizeSecurityGroupIngressCommand({ GroupId: group.resourceId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8443, ToPort: 8443, IpRanges: [{ CidrIp: '203.0.113.0/24' }] }] }),
    );
    changed.set(group.arn, '/configuration/IpPermissions');
    thirdStart = new Date().toISOString();
    await run();
    await os.indices.refresh({ index: `${name}-*` });
  }, 900_000);

  it('lands everything on the first run', () => {
    expect(first.latestPuts).toBeGreaterThan(50);
    expect(first.feedLines).toBeGreaterThan(first.latestPuts);
  });

  it('writes no latest/ object, no resource document and no resource, finding or change line for an unchanged organization', async () => {
    expect(second.latestPuts).toBe(0);
    const rewritten = await os.count({ index: indexNames(name).resources, body: { query: { term: { runId: secondRun.runId } } } });
    expect(rewritten.body.count).toBe(0);
    // what the second run did write is one run record per account: one feed line, and one ledger entry indexed then
    // marked applied; no collection error or account again (they did not change), and S3 only the feed object of runs
    const runs = await os.count({ index: indexNames(name).inventoryRuns, body: { query: { term: { runId: secondRun.runId } } } });
    const accounts = runs.body.count as number;
    expect(accounts).toBeGreaterThanOrEqual(3);
    expect(second.feedLines).toBe(accounts);
    expect(second.indexOps).toBe(2 * accounts);
    // (a 3-account organization: the fixed per-run objects, account lists, the runs' feed object and the consumer's
    // checkpoint, are a visible share here; the bench's larger organization measures the share)
    expect(second.s3Puts).toBeLessThan(first.s3Puts! / 10);
    const changes = await os.count({ index: indexNames(name).changes, body: { query: { range: { changedAt: { lt: thirdStart } } } } });
    expect(changes.body.count).toBeGreaterThan(0); // the first run's creations
  });

  it('marks nothing deleted in the second run of an unchanged organization', async () => {
    expect(secondRun.markedDeleted).toBe(0);
    const deleted = await os.count({ index: indexNames(name).resources, body: { query: { term: { configurationItemStatus: 'ResourceDeleted' } } } });
    expect(deleted.body.count).toBe(0);
  });

  it('lands exactly the five planted changes after them, each with its diff', async () => {
    const res = await os.search({ index: indexNames(name).changes, body: { size: 100, query: { range: { changedAt: { gte: thirdStart } } } } });
    const changes = (res.body.hits.hits as { _source: ChangeRecord }[]).map((h) => h._source);
    expect(changes.map((c) => c.arn).sort()).toEqual([...changed.keys()].sort());
    for (const c of changes) {
      expect(c.kind, c.arn).toBe('modified');
      expect(c.diff.map((d) => d.path).some((p) => p.startsWith(changed.get(c.arn)!)), `${c.arn}: ${JSON.stringify(c.diff)}`).toBe(true);
    }
  });
});
