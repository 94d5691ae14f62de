import { FirehoseClient, CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { processorDeps } from '../../processors/deps.js';
import { processBatch } from '../../processors/pipeline.js';
import { ensureIndexTemplates, ensureResourceIndex } from '../../opensearch/templates.js';
import { FirehoseFeedSink } from '../../processors/sink-s3.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';
import { seriesResource } from '../records.js';

const s3 = new S3Client(s3Config());
const firehose = new FirehoseClient(clientConfig());
const os = openSearchClient();

const resource = (n: number, tags: Record<string, string> = {}): ResourceRecord => seriesResource(n, 'sns', { tags });

let bucket: string;
// index prefixes are made at collection time so their cleanup hooks register with the file
const prefixes = { land: testIndexPrefix('p4land'), block: testIndexPrefix('p4block'), busy: testIndexPrefix('p4busy'), redo: testIndexPrefix('p4redo') };
beforeAll(async () => {
  bucket = uniqueName('p4-land');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: '[]' }));
});

describe('Firehose feed sink (moto)', () => {
  it('delivers every record as one JSON line, in PutRecordBatch calls of at most 500', async () => {
    const stream = uniqueName('p4-feed');
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: stream,
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: { BucketARN: `arn:aws:s3:::${bucket}`, RoleARN: 'arn:aws:iam::123456789012:role/firehose', Prefix: `firehose/${stream}/` },
      }),
    );
    const records = Array.from({ length: 1201 }, (_, i) => resource(i));
    const sink = new FirehoseFeedSink(firehose, stream, { s3, bucket });
    expect(await sink.exists('feed/resource/x.ndjson.gz')).toBe(false);
    await sink.write('resource', records, 'feed/resource/x.ndjson.gz');
    // the delivery marker lets a replay know these copies were handed over
    expect(await sink.exists('feed/resource/x.ndjson.gz')).toBe(true);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `firehose/${stream}/` }));
    expect(listed.Contents).toHaveLength(3); // moto writes one object per call
    const lines: string[] = [];
    for (const o of listed.Contents!) {
      const text = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      expect(text.endsWith('\n')).toBe(true);
      lines.push(...text.trimEnd().split('\n'));
    }
    expect(lines.map((l) => (JSON.parse(l) as ResourceRecord).resourceId).sort()).toEqual(records.map((r) => r.resourceId).sort());
  });
});

describe('a document the cluster rejects for its content', () => {
  it('goes to the dead-letter location with the reason, while the rest of the batch lands', async () => {
    const prefix = prefixes.land;
    const deps = await processorDeps(loadConfig({ feedBucket: bucket, deadLetterBucket: bucket, indexPrefix: prefix }, {}), { refresh: true });
    // a tag value over Lucene's 32 KiB term limit: valid for the schema, refused by the index
    const poison = resource(1, { note: 'x'.repeat(40_000) });
    const raws = [resource(0), poison, resource(2)].map((r, i) => ({
      data: Buffer.from(JSON.stringify(r)),
      shardId: 'shardId-000000000009',
      sequenceNumber: String(500 + i),
      arrivalTime: new Date('2026-11-24T10:00:00Z'),
    }));
    const result = await processBatch(raws, deps);
    expect(result.failures).toEqual([]);
    expect(result.deadLettered).toBe(1);
    expect(result.deadLetterKeys).toEqual([expect.stringMatching(/^dead-letter\/opensearch\/dt=2026-11-24\/shardId-000000000009-501-[0-9a-f]{12}\.json$/)]);
    const key = result.deadLetterKeys[0]!;
    const entry = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString());
    expect(entry).toMatchObject({ stage: 'opensearch', record: `resource ${poison.arn}`, original: raws[1]!.data.toString('base64') });
    expect(entry.reason).toMatch(/^400 .*immense term/);
    const alias = indexNames(prefix).resourceFamily('AWS::SNS::Topic');
    await os.indices.refresh({ index: alias });
    expect((await os.count({ index: alias })).body.count).toBe(2);
  });
});

describe('a document refused by the cluster state, not its content', () => {
  it('is reported for redelivery, not dead-lettered, and lands once the block is lifted', async () => {
    const prefix = prefixes.block;
    const deps = await processorDeps(loadConfig({ feedBucket: bucket, deadLetterBucket: bucket, indexPrefix: prefix }, {}), { refresh: true });
    const raws = [resource(7)].map((r, i) => ({ data: Buffer.from(JSON.stringify(r)), shardId: 'shardId-000000000008', sequenceNumber: String(700 + i), arrivalTime: new Date('2026-11-24T10:00:00Z') }));
    await ensureIndexTemplates(os, prefix);
    const alias = await ensureResourceIndex(os, prefix, 'AWS::SNS::Topic');
    await os.indices.putSettings({ index: alias, body: { 'index.blocks.write': true } });
    try {
      const blocked = await processBatch(raws, deps);
      expect(blocked.deadLettered).toBe(0);
      expect(blocked.failures).toEqual([{ shardId: 'shardId-000000000008', sequenceNumber: '700', reason: expect.stringMatching(/403 cluster_block_exception/) }]);
    } finally {
      await os.indices.putSettings({ index: alias, body: { 'index.blocks.write': false } });
    }
    const again = await processBatch(raws, deps);
    expect(again.failures).toEqual([]);
    expect((await os.count({ index: alias })).body.count).toBe(1);
  });
});

describe('an overloaded cluster (429)', () => {
  it('is retried with backoff until the documents land', async () => {
    const prefix = prefixes.busy;
    // enough rounds that backoff with full jitter outlasts the 1.5 s block whatever the dice say (expected ~5.7 s of
    // waiting over 30 rounds); without the backoff, 30 rounds are spent in well under a second and the test fails
    const deps = {
      ...(await processorDeps(loadConfig({ feedBucket: bucket, deadLetterBucket: bucket, indexPrefix: prefix }, {}), { refresh: true })),
      bulk: { maxRounds: 30, baseDelayMs: 100, maxDelayMs: 400 },
    };
    await ensureIndexTemplates(os, prefix);
    const alias = await ensureResourceIndex(os, prefix, 'AWS::SNS::Topic');
    // the flood-stage block answers every write with 429 until it is lifted
    await os.indices.putSettings({ index: alias, body: { 'index.blocks.read_only_allow_delete': true } });
    const lift = new Promise((r) => setTimeout(r, 1500)).then(() => os.indices.putSettings({ index: alias, body: { 'index.blocks.read_only_allow_delete': null } }));
    const raws = [resource(8), resource(9)].map((r, i) => ({ data: Buffer.from(JSON.stringify(r)), shardId: 'shardId-000000000007', sequenceNumber: String(800 + i), arrivalTime: new Date('2026-11-24T10:00:00Z') }));
    const result = await processBatch(raws, deps);
    await lift;
    expect(result).toMatchObject({ received: 2, failures: [], deadLettered: 0 });
    expect((await os.count({ index: alias })).body.count).toBe(2);
  });
});

describe('redelivery after a failure in the middle of a batch', () => {
  it('puts every record into exactly one feed object', async () => {
    const prefix = prefixes.redo;
    const feedBucket = uniqueName('p4-redo');
    await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
    await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: '[]' }));
    const deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket: feedBucket, indexPrefix: prefix }, {}), { refresh: true });
    await ensureIndexTemplates(os, prefix);
    const queue = { ...resource(0), resourceType: 'AWS::SQS::Queue', arn: 'arn:aws:sqs:us-east-1:111111111111:q', resourceId: 'q' };
    const records = [resource(1), queue, resource(2)];
    const raws = records.map((r, i) => ({ data: Buffer.from(JSON.stringify(r)), shardId: 'shardId-000000000005', sequenceNumber: String(900 + i), arrivalTime: new Date('2026-11-24T10:00:00Z') }));
    const sqsIndex = await ensureResourceIndex(os, prefix, 'AWS::SQS::Queue');
    await os.indices.putSettings({ index: sqsIndex, body: { 'index.blocks.write': true } });
    let first;
    try {
      first = await processBatch(raws, deps);
    } finally {
      await os.indices.putSettings({ index: sqsIndex, body: { 'index.blocks.write': false } });
    }
    expect(first.failures.map((f) => f.sequenceNumber)).toEqual(['901']);
    // the stream delivers again from the first failure, as Lambda and the local consumer do
    const second = await processBatch(raws.slice(1), deps);
    expect(second.failures).toEqual([]);
    // and a restart that replays the whole batch from its start (no durable checkpoint) adds nothing
    const third = await processBatch(raws, deps);
    expect(third).toMatchObject({ failures: [], landed: 0 });
    expect(third.replayed).toBeGreaterThanOrEqual(raws.length);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: feedBucket, Prefix: 'feed/resource/' }));
    // the first landing fed the two topics, the redelivery the queue only
    expect(listed.Contents).toHaveLength(2);
    const arns: string[] = [];
    for (const o of listed.Contents!) {
      const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: o.Key! }))).Body!.transformToByteArray());
      arns.push(...gunzipSync(body).toString().trimEnd().split('\n').map((l) => (JSON.parse(l) as ResourceRecord).arn));
    }
    expect(arns.sort()).toEqual(records.map((r) => r.arn).sort());
  });
});

