// Deletions only from evidence, end to end: an organization in moto inventoried twice, unchanged, and
// drained by `census process` (a child process) marks nothing deleted and adds no ResourceDeleted line to the
// feed, although the second inventory's run records are read before any of its resources (as when they sit on
// a shard read before the resources' shards), and writes one run record per account and no error again. Then one
// queue really goes, and exactly that one is marked deleted although the account's ec2 scopes fail every run. Same-named DynamoDB tables in two regions keep two latest/ objects.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { indexNames } from '../../core/indexes.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { repoRoot } from '../../platform/local-stack.js';
import { parseRecord, type ResourceRecord, type StreamRecord } from '../../core/schemas.js';
import { KinesisProducer, MemorySink } from '../../collectors/producer.js';
import { runCollection } from '../../collectors/run.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';
import { plantAll } from '../fixtures/collectors/plant.js';
import { createStream, readStream } from '../fixtures/collectors/stream.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';
import { censusEnv, compare, landed } from './faults-helpers.js';

const run = promisify(execFile);
const REGIONS = ['us-east-1', 'eu-west-1'];
// ec2: moto lacks DescribeClientVpnEndpoints, so every account's ec2 scopes fail every run (another scope of the
// account failing must not stop a complete one from deleting, and its error must not land again)
const COLLECTORS = ['s3', 'iam', 'sqs', 'dynamodb', 'kms', 'ec2'];
const s3 = new S3Client(s3Config());
const os = openSearchClient();

async function censusProcess(config: CensusConfig): Promise<{ markedDeleted: number; received: number; deadLettered: number }> {
  // small batches: the run records put first are landed, alone, before any resource of their run
  const args = ['process', '--until', 'drained', '--batch-size', '10', '--output', 'json'];
  const { stdout } = await run(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), ...args], {
    cwd: repoRoot,
    env: censusEnv(config),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as { markedDeleted: number; received: number; deadLettered: number };
}

/**
 * One inventory. `runsFirst` puts its run records on the stream before its resources (the worst order another
 * shard's lag can produce): each run record then lands before any resource it counts.
 */
async function inventory(config: CensusConfig, runsFirst: boolean): Promise<void> {
  const collected = new MemorySink();
  await runCollection(config, collected, { collectors: COLLECTORS, catalog: null });
  const producer = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
  const isRun = (r: StreamRecord) => r.recordType === 'inventory-run';
  const ordered = runsFirst ? [...collected.records.filter(isRun), ...collected.records.filter((r) => !isRun(r))] : collected.records;
  for (const r of ordered) await producer.put(r);
  await producer.close();
}

/** Documents in the run ledger and the collection-errors index. */
async function bookkeeping(client: typeof os, prefix: string): Promise<{ ledger: number; errors: number }> {
  const names = indexNames(prefix);
  await client.indices.refresh({ index: `${prefix}-*` });
  const count = async (index: string) => ((await client.count({ index }, { ignore: [404] })).body as { count?: number }).count ?? 0;
  return { ledger: await count(names.inventoryRuns), errors: await count(names.collectionErrors) };
}

/** Lines in the feed, by kind (`feed/<kind>/...`). */
async function feedLinesByKind(client: S3Client, bucket: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'feed/', ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const body = Buffer.from(await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray());
      const text = body[0] === 0x1f ? gunzipSync(body).toString('utf8') : body.toString('utf8');
      const kind = o.Key!.split('/')[1]!;
      out[kind] = (out[kind] ?? 0) + text.split('\n').filter(Boolean).length;
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

describe('deletions only from evidence (moto organization, two inventories, census process)', () => {
  const prefix = testIndexPrefix('f19inv');
  let org: TestOrg;
  let config: CensusConfig;

  beforeAll(async () => {
    org = await buildOrg(2);
    await plantAll(org, REGIONS, COLLECTORS);
    // a table of the same name in two regions of one account: two resources, two latest/ objects
    const member = org.members[0]!.accountId;
    for (const region of REGIONS) {
      const ddb = new DynamoDBClient(clientConfig({ region, credentials: await credentialsFor(member) }));
      await ddb.send(new CreateTableCommand({ TableName: 'orders', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }));
    }
    process.env.CENSUS_AWS_MAX_ATTEMPTS = '2';
    config = loadConfig(
      { payers: org.payerId, auditRole: 'CensusAudit', regions: REGIONS.join(','), streamName: uniqueName('f19inv'), feedBucket: uniqueName('f19inv-feed'), deadLetterBucket: uniqueName('f19inv-dlq'), indexPrefix: prefix },
      {},
    );
    await s3.send(new CreateBucketCommand({ Bucket: config.feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: config.deadLetterBucket }));
    // one shard, so the order the test puts records in is the order the consumer reads them
    await createStream(config.streamName, 1);
  });

  it('two inventories of an unchanged organization mark nothing deleted; a queue that goes is marked, alone', async () => {
    // the first inventory drained, then the second, as the hourly schedule does
    await inventory(config, false);
    const first = await censusProcess(config);
    expect(first.markedDeleted).toBe(0);
    await inventory(config, true);
    const streamed = (await readStream(config.streamName)).map((e) => parseRecord(e.data));
    const resources = streamed.filter((r): r is ResourceRecord => r.recordType === 'resource');
    const runs = streamed.filter((r) => r.recordType === 'inventory-run');
    // one run record per account and run, however many collectors and regions
    const accounts = [org.payerId, ...org.members.map((m) => m.accountId)];
    // (the stream holds both inventories)
    expect(runs.map((r) => r.accountId).sort()).toEqual([...accounts, ...accounts].sort());
    const before = await bookkeeping(os, prefix);
    // change-only landing: the second inventory changed nothing, so every store keeps the first inventory's copy of
    // each resource (the oldest streamed) and the second adds no document, no latest/ object and no feed line
    const firstCopy = new Map<string, number>();
    for (const r of resources) firstCopy.set(r.arn, Math.min(firstCopy.get(r.arn) ?? Infinity, Date.parse(r.configurationItemCaptureTime)));
    expect(resources.length).toBe(2 * firstCopy.size);

    const processed = await censusProcess(config);
    expect(processed.markedDeleted).toBe(0);
    // the second run's bookkeeping: one ledger entry per account, no error or account document again, and in the
    // feed one run line per account and no collection-error or account line
    const after2 = await bookkeeping(os, prefix);
    expect(after2.ledger - before.ledger).toBe(accounts.length);
    expect(after2.errors).toBe(before.errors);
    expect(before.errors).toBeGreaterThan(0);
    const feedLines = await feedLinesByKind(s3, config.feedBucket);
    expect(feedLines['inventory-run']).toBe(2 * accounts.length);
    expect(feedLines['collection-error']).toBe(before.errors);
    const got = await landed(os, s3, { prefix, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
    expect(got.deletedInOpenSearch).toBe(0);
    expect([...got.feed.keys()].filter((k) => k.endsWith('@ResourceDeleted'))).toEqual([]);
    const f = compare('two inventories of an unchanged organization (3 accounts, 2 regions, 6 collectors, ec2 failing everywhere), census process', firstCopy, got, {
      streamedResources: resources.length,
      runRecords: runs.length,
      markedDeleted: processed.markedDeleted,
    });
    expect(f).toMatchObject({ lost: 0, doubled: 0, deadLettered: 0 });
    // each resource was fed exactly once over the two inventories
    expect([...got.feed.entries()].filter(([k]) => k.endsWith('@OK')).reduce((n, [, c]) => n + c, 0)).toBe(firstCopy.size);
    // OpenSearch and latest/ agree, copy for copy
    expect([...got.latest.entries()].sort()).toEqual([...got.opensearch.entries()].sort());
    const orders = [...got.latest.keys()].filter((arn) => arn.endsWith(':table/orders'));
    expect(orders.sort()).toEqual(REGIONS.map((r) => `arn:aws:dynamodb:${r}:${org.members[0]!.accountId}:table/orders`).sort());

    // one queue really goes: the next inventory marks exactly it
    const gone = [...got.opensearch.keys()].find((arn) => arn.startsWith('arn:aws:sqs:'))!;
    const [, , , region, account, name] = gone.split(':');
    const sqs = new SQSClient(clientConfig({ region, credentials: await credentialsFor(account!) }));
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    await inventory(config, true);
    const third = await censusProcess(config);
    expect(third.markedDeleted).toBe(1);
    const after = await landed(os, s3, { prefix, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
    expect([...after.feed.keys()].filter((k) => k.endsWith('@ResourceDeleted')).map((k) => k.split('@')[0])).toEqual([gone]);
    expect(after.deletedInOpenSearch).toBe(1);
    console.log(`FAULT-FIGURES ${JSON.stringify({ scenario: 'a third inventory after one SQS queue was deleted', markedDeleted: third.markedDeleted, resourceDeletedFeedLines: 1 })}`);
  });
});
