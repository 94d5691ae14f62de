// Fault injection against the real local stack (kinesalite, moto, OpenSearch). Each scenario produces known
// resource copies, injects a fault, and compares what was produced with what landed in OpenSearch, latest/
// and the feed by identity and version: nothing lost, nothing doubled, poison dead-lettered.
// Faults come from a TCP proxy the test starts in front of OpenSearch (the shared cluster keeps running),
// from killing a child `census process`, and from a PutRecords wrapper that fails entries.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureStream, localStack, repoRoot } from '../../platform/local-stack.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { KinesisProducer, type PutRecordsFn } from '../../collectors/producer.js';
import { consumeStream, processStream, S3Checkpoints } from '../../processors/consumer.js';
import { processorDeps } from '../../processors/deps.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';
import { censusEnv, compare, FaultProxy, landed, until, type Figures } from './faults-helpers.js';

const s3 = new S3Client(s3Config());
const kinesis = new KinesisClient(clientConfig());
const os = openSearchClient();
const OWN = '111111111111';
const figures: Figures[] = [];
afterAll(() => {
  console.log(`FAULT-FIGURES-TABLE ${JSON.stringify(figures)}`);
});

function queue(tag: string, i: number, capturedAt = '2026-11-24T09:00:00Z'): ResourceRecord {
  const name = `${tag}-q${i}`;
  return {
    recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::SQS::Queue', resourceId: name, arn: `arn:aws:sqs:us-east-1:${OWN}:${name}`, resourceName: name,
    awsAccountId: OWN, awsRegion: 'us-east-1', configuration: { n: i }, supplementaryConfiguration: {}, tags: {}, resourceCreationTime: null,
    configurationItemCaptureTime: capturedAt, configurationItemStatus: 'OK', collector: 'sqs', runId: `run-${tag}`, errors: [],
  };
}

/** A feed bucket, a dead-letter bucket, a stream and an index prefix of its own. */
async function scenario(name: string, prefix: string, shards = 2): Promise<CensusConfig> {
  const config = loadConfig({ feedBucket: uniqueName(`${name}-feed`), deadLetterBucket: uniqueName(`${name}-dlq`), streamName: uniqueName(`${name}-s`), indexPrefix: prefix }, {});
  await s3.send(new CreateBucketCommand({ Bucket: config.feedBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: config.deadLetterBucket }));
  await s3.send(new PutObjectCommand({ Bucket: config.feedBucket, Key: s3Keys.accounts, Body: '[]' }));
  await ensureStream(config.streamName, shards, kinesis);
  return config;
}

async function produce(config: CensusConfig, records: ResourceRecord[], putRecords?: PutRecordsFn): Promise<KinesisProducer> {
  const producer = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket, kinesis, putRecords, baseDelayMs: 10 });
  for (const r of records) await producer.put(r);
  await producer.close();
  return producer;
}

const produced = (records: ResourceRecord[]) => new Map(records.map((r) => [r.arn, Date.parse(r.configurationItemCaptureTime)]));
const stores = (config: CensusConfig) => ({ prefix: config.indexPrefix, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });

const prefixes = { twice: testIndexPrefix('f19twice'), outage: testIndexPrefix('f19out'), kill: testIndexPrefix('f19kill') };

describe('fault injection: stream ingestion', () => {
  it('Kinesis partial failures, the same records put twice, and poison among good records: every copy lands once, poison is dead-lettered', async () => {
    const config = await scenario('f19twice', prefixes.twice);
    const records = Array.from({ length: 150 }, (_, i) => queue('twice', i));
    // every third entry of a request is refused once (ProvisionedThroughputExceededException), as Kinesis does under load
    const refusedOnce = new Set<string>();
    let partial = 0;
    const flaky = async (input: PutRecordsCommandInput) => {
      const keep: number[] = [];
      input.Records!.forEach((r, i) => {
        const id = Buffer.from(r.Data!).toString('utf8');
        if (i % 3 === 0 && !refusedOnce.has(id)) refusedOnce.add(id);
        else keep.push(i);
      });
      const sent = keep.length ? await kinesis.send(new PutRecordsCommand({ ...input, Records: keep.map((i) => input.Records![i]!) })) : { Records: [] };
      const results = input.Records!.map((_, i) => {
        const k = keep.indexOf(i);
        return k >= 0 ? sent.Records![k]! : { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' };
      });
      partial += results.filter((r) => r.ErrorCode).length;
      return { Records: results, FailedRecordCount: results.filter((r) => r.ErrorCode).length, $metadata: {} };
    };
    const first = await produce(config, records, flaky);
    expect(partial).toBeGreaterThan(0);
    expect(first.stats.resentEntries).toBe(partial);
    // the whole set again (a collector retried after a timeout), and five poison records among them
    await produce(config, records);
    const poison = [
      '{"recordType": "resource", broken',
      JSON.stringify(queue('poison', 1, '1969-12-31T23:59:59Z')),
      JSON.stringify(queue('poison', 2, '2999-01-01T00:00:00Z')),
      JSON.stringify({ ...queue('poison', 3), arn: 'not-an-arn' }),
      gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
    ];
    await kinesis.send(new PutRecordsCommand({ StreamName: config.streamName, Records: poison.map((p, i) => ({ Data: Buffer.isBuffer(p) ? p : Buffer.from(p), PartitionKey: `poison-${i}` })) }));

    const stats = await processStream(config, { until: 'drained', refresh: false });
    expect(stats.deadLettered).toBe(poison.length);
    const got = await landed(os, s3, stores(config));
    const f = compare('Kinesis partial failures + every record put twice + 5 poison records', produced(records), got, { streamed: records.length * 2 + poison.length, partialFailures: partial });
    figures.push(f);
    expect(f).toMatchObject({ produced: 150, landed: 150, lost: 0, doubled: 0, deadLettered: 5 });
    expect(got.opensearch.size).toBe(150);
    expect(got.latest.size).toBe(150);
  });

  it('OpenSearch unreachable mid-run, then back: the long-running consumer waits, keeps its checkpoint and lands every copy once', async () => {
    const config = await scenario('f19out', prefixes.outage);
    const proxy = new FaultProxy(new URL(localStack.opensearch).port ? Number(new URL(localStack.opensearch).port) : 9250);
    const url = await proxy.start();
    try {
      const records = Array.from({ length: 120 }, (_, i) => queue('out', i));
      await produce(config, records);
      const deps = await processorDeps({ ...config, opensearchUrl: url }, { refresh: false, accountListMaxAgeMs: 0 });
      deps.bulk = { maxRounds: 2, baseDelayMs: 100 };
      const abort = new AbortController();
      let batches = 0;
      let outageMs = 0;
      const consumer = consumeStream(deps, {
        streamName: config.streamName,
        until: 'forever',
        batchSize: 15,
        pollIntervalMs: 200,
        baseDelayMs: 200,
        maxDelayMs: 1500,
        checkpoints: new S3Checkpoints(s3, config.feedBucket, 'checkpoints/outage.json'),
        signal: abort.signal,
        onBatch: () => {
          if (++batches !== 2) return;
          // OpenSearch goes away for 8 s after the second batch
          proxy.set('refuse');
          const from = Date.now();
          setTimeout(() => {
            proxy.set('pass');
            outageMs = Date.now() - from;
          }, 8000);
        },
      });
      const index = indexNames(config.indexPrefix).resources;
      await until(
        async () => {
          await os.indices.refresh({ index }, { ignore: [404] });
          const n = await os.count({ index }, { ignore: [404] });
          return outageMs > 0 && (n.body as { count?: number }).count === records.length;
        },
        150_000,
        'every record to land after the outage',
      );
      // the last batch's feed write follows its OpenSearch write: give it a moment, then stop the consumer
      await new Promise((r) => setTimeout(r, 3000));
      abort.abort();
      const stats = await consumer;
      expect(stats.retries).toBeGreaterThan(0);
      expect(proxy.refused).toBeGreaterThan(0);
      const got = await landed(os, s3, stores(config));
      const f = compare('OpenSearch unreachable for 8 s mid-run (connections refused), consumer --until forever', produced(records), got, {
        outageSeconds: Math.round(outageMs / 1000),
        batchRetries: stats.retries,
        refusedConnections: proxy.refused,
      });
      figures.push(f);
      expect(f).toMatchObject({ produced: 120, landed: 120, lost: 0, doubled: 0, deadLettered: 0 });
    } finally {
      await proxy.stop();
    }
  });

  it('the consumer killed mid-batch (SIGKILL) and restarted, then restarted again with its checkpoint lost: every copy once', async () => {
    const config = await scenario('f19kill', prefixes.kill, 1);
    const proxy = new FaultProxy(Number(new URL(localStack.opensearch).port || 9250));
    const url = await proxy.start();
    const dir = mkdtempSync(join(tmpdir(), 'census-kill-'));
    const checkpoint = join(dir, 'checkpoint.json');
    const env = censusEnv(config);
    const census = (opensearchUrl: string): ChildProcess =>
      spawn(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), 'process', '--until', 'drained', '--checkpoint', checkpoint, '--output', 'json'], {
        cwd: repoRoot,
        env: { ...env, CENSUS_OPENSEARCH_URL: opensearchUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const records = Array.from({ length: 600 }, (_, i) => queue('kill', i));
      await produce(config, records);
      // slow OpenSearch down so the kill lands while a batch is in flight
      proxy.set({ delayMs: 150 });
      const first = census(url);
      const index = indexNames(config.indexPrefix).resources;
      await until(
        async () => {
          await os.indices.refresh({ index }, { ignore: [404] });
          return (((await os.count({ index }, { ignore: [404] })).body as { count?: number }).count ?? 0) > 0;
        },
        120_000,
        'the first documents of the first consumer',
      );
      first.kill('SIGKILL');
      await exited(first);
      const before = await landed(os, s3, stores(config));
      expect(before.opensearch.size).toBeLessThan(records.length);
      proxy.set('pass');
      const second = census(url);
      let out = '';
      second.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      expect(await exited(second)).toBe(0);
      // and again from the start of the stream, as a consumer that lost its checkpoint would
      rmSync(checkpoint, { force: true });
      const third = census(url);
      expect(await exited(third)).toBe(0);
      const got = await landed(os, s3, stores(config));
      const f = compare('consumer SIGKILLed mid-batch, restarted from its file checkpoint, then replayed from the start', produced(records), got, {
        landedBeforeKill: before.opensearch.size,
        resumedReceived: (JSON.parse(out) as { received: number }).received,
      });
      figures.push(f);
      expect(f).toMatchObject({ produced: 600, landed: 600, lost: 0, doubled: 0, deadLettered: 0 });
    } finally {
      await proxy.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
