import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureStream } from '../../platform/local-stack.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { consumeStream, FileCheckpoints, MemoryCheckpoints, S3Checkpoints } from '../../processors/consumer.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processorDeps } from '../../processors/deps.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';
import { seriesResource } from '../records.js';

const s3 = new S3Client(s3Config());
const kinesis = new KinesisClient(clientConfig());
const os = openSearchClient();
let deps: ProcessorDeps;
let prefix: string;
const consumerPrefix = testIndexPrefix('p4cons');
let feedBucket: string;
let streamName: string;

const resource = (n: number): ResourceRecord => seriesResource(n, 'sqs', { configuration: { QueueName: `q-${n}` } });

async function put(payloads: (object | string)[]) {
  const res = await kinesis.send(
    new PutRecordsCommand({
      StreamName: streamName,
      Records: payloads.map((p, i) => ({ Data: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)), PartitionKey: `k-${i}` })),
    }),
  );
  expect(res.FailedRecordCount ?? 0).toBe(0);
}

async function countResources(): Promise<number> {
  const index = indexNames(prefix).resources;
  await os.indices.refresh({ index });
  return (await os.count({ index })).body.count;
}

beforeAll(async () => {
  prefix = consumerPrefix;
  feedBucket = uniqueName('p4-cfeed');
  streamName = uniqueName('p4-stream');
  await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: '[]' }));
  await ensureStream(streamName, 2, kinesis);
  deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket: feedBucket, indexPrefix: prefix }, {}), { refresh: true });
});

describe('local consumer (kinesalite + moto + OpenSearch)', () => {
  it('reads every shard until drained, checkpoints, and resumes after the checkpoint', async () => {
    await put([...Array.from({ length: 20 }, (_, i) => resource(i)), 'poison']);
    const checkpoints = new S3Checkpoints(s3, feedBucket, `checkpoints/${streamName}.json`);
    const first = await consumeStream(deps, { streamName, checkpoints, batchSize: 7 });
    expect(first).toMatchObject({ shards: 2, received: 21, deadLettered: 1, retries: 0 });
    expect(first.landed).toBeGreaterThanOrEqual(20);
    expect(await countResources()).toBe(20);

    // a new consumer with the stored checkpoints reads only what came after
    await put([resource(20), resource(21)]);
    const second = await consumeStream(deps, { streamName, checkpoints: new S3Checkpoints(s3, feedBucket, `checkpoints/${streamName}.json`) });
    expect(second).toMatchObject({ received: 2, deadLettered: 0 });
    expect(await countResources()).toBe(22);
  });

  it('keeps its checkpoint before a batch that cannot land and stops with the failing position', async () => {
    const checkpoints = new MemoryCheckpoints();
    await consumeStream(deps, { streamName, checkpoints });
    const before = new Map(checkpoints.positions);
    await put([resource(30)]);
    const dead = { ...deps, opensearch: openSearchClient('http://127.0.0.1:9') };
    await expect(consumeStream(dead, { streamName, checkpoints, maxAttempts: 1 })).rejects.toThrow(/still failing after 1 attempts: .*(OpenSearch|ECONNREFUSED)/);
    expect(checkpoints.positions).toEqual(before);
    // once OpenSearch is back the same record lands
    const again = await consumeStream(deps, { streamName, checkpoints });
    expect(again.received).toBe(1);
    expect(await countResources()).toBe(23);
  });

  it('keeps a durable checkpoint by default (S3, in the feed bucket), so a new consumer never replays the stream', async () => {
    await put([resource(40)]);
    const first = await consumeStream(deps, { streamName });
    expect(first.received).toBeGreaterThanOrEqual(1);
    const stored = await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: `checkpoints/${streamName}.json` }));
    expect(Object.keys(JSON.parse(await stored.Body!.transformToString()))).toHaveLength(2);
    const second = await consumeStream(deps, { streamName });
    expect(second.received).toBe(0);
  });

  it('a file checkpoint resumes too', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'census-ckpt-')), 'nested', 'ckpt.json');
    await consumeStream(deps, { streamName, checkpoints: new FileCheckpoints(path) });
    await put([resource(41)]);
    const next = await consumeStream(deps, { streamName, checkpoints: new FileCheckpoints(path) });
    expect(next.received).toBe(1);
  });
});
