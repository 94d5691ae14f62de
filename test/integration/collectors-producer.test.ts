// The Kinesis producer against kinesalite and moto S3: batching, partial-failure resends, S3 pointers for
// oversize records and dead letters.
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { parseRecord, type ResourceRecord, type StreamRecord } from '../../core/schemas.js';
import { resourceRecord } from '../records.js';
import { KinesisProducer, type PutRecordsFn } from '../../collectors/producer.js';
import { uniqueName } from '../helpers.js';
import { createStream, readStream } from '../fixtures/collectors/stream.js';

const s3 = new S3Client(s3Config());
const kinesis = new KinesisClient(clientConfig());

const resource = (i: number, configuration: Record<string, unknown> = { n: i }): ResourceRecord =>
  resourceRecord({ resourceType: 'AWS::SQS::Queue', resourceId: `q${i}`, arn: `arn:aws:sqs:us-east-1:111111111111:q${i}`, resourceName: `q${i}`, configuration, configurationItemCaptureTime: '2026-11-24T10:00:00.000Z', collector: 'sqs' });

/** The real PutRecords, counted. */
const real = (calls: PutRecordsCommandInput[]): PutRecordsFn => (input) => {
  calls.push(input);
  return kinesis.send(new PutRecordsCommand(input));
};

/**
 * A partial failure the way Kinesis reports one: the entries at `failIdx` of the first request are NOT sent
 * (kinesalite gets the rest) and the response carries ProvisionedThroughputExceededException at their positions.
 * kinesalite and moto never throttle, so this wrapper around the real call is the only way to get one.
 */
function failingFirst(calls: PutRecordsCommandInput[], failIdx: Set<number>): PutRecordsFn {
  return async (input) => {
    calls.push(input);
    if (calls.length > 1) return kinesis.send(new PutRecordsCommand(input));
    const kept = input.Records!.filter((_, i) => !failIdx.has(i));
    const out = kept.length ? await kinesis.send(new PutRecordsCommand({ ...input, Records: kept })) : { $metadata: {}, Records: [] };
    const sent = [...(out.Records ?? [])];
    const results: PutRecordsResultEntry[] = input.Records!.map((_, i) =>
      failIdx.has(i) ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' } : sent.shift()!,
    );
    return { ...out, FailedRecordCount: failIdx.size, Records: results };
  };
}

describe('KinesisProducer', () => {
  const feedBucket = uniqueName('feed');
  const deadLetterBucket = uniqueName('dlq');
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: deadLetterBucket }));
  });

  it('sends in batches of at most 500 records, each keyed by its ARN', async () => {
    const stream = uniqueName('prod-batch');
    await createStream(stream, 2);
    const calls: PutRecordsCommandInput[] = [];
    const producer = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket, putRecords: real(calls) });
    for (let i = 0; i < 1200; i++) await producer.put(resource(i));
    await producer.close();
    expect(calls.map((c) => c.Records!.length)).toEqual([500, 500, 200]);
    const back = await readStream(stream);
    expect(back).toHaveLength(1200);
    for (const e of back) expect(e.partitionKey).toBe((e.data as ResourceRecord).arn);
  });

  it('after a partial failure resends only the failed entries, and every record arrives exactly once', async () => {
    const stream = uniqueName('prod-partial');
    await createStream(stream, 1);
    const calls: PutRecordsCommandInput[] = [];
    const producer = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket, putRecords: failingFirst(calls, new Set([1, 3, 7])), baseDelayMs: 5 });
    for (let i = 0; i < 10; i++) await producer.put(resource(i));
    await producer.close();
    expect(calls).toHaveLength(2);
    expect(calls[0]!.Records).toHaveLength(10);
    expect(calls[1]!.Records!.map((r) => r.PartitionKey)).toEqual([1, 3, 7].map((i) => resource(i).arn));
    expect(producer.stats).toMatchObject({ records: 10, resentEntries: 3, deadLettered: 0 });
    const arns = (await readStream(stream)).map((e) => (e.data as ResourceRecord).arn).sort();
    expect(arns).toEqual(Array.from({ length: 10 }, (_, i) => resource(i).arn).sort());
  });

  it('sends a record over 1 MiB by S3 pointer; the pointer leads back to the record', async () => {
    const stream = uniqueName('prod-big');
    await createStream(stream, 1);
    const big = resource(1, { blob: 'x'.repeat(1_300_000) });
    const producer = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket });
    await producer.put(big);
    await producer.put(resource(2));
    await producer.close();
    const back = (await readStream(stream)).map((e) => parseRecord(e.data));
    const pointer = back.find((r) => r.recordType === 'pointer');
    expect(pointer).toBeDefined();
    if (pointer?.recordType !== 'pointer') return;
    expect(pointer).toMatchObject({ bucket: feedBucket, pointsTo: 'resource' });
    const obj = await s3.send(new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }));
    const text = await obj.Body!.transformToString();
    expect(createHash('sha256').update(text).digest('hex')).toBe(pointer.sha256);
    expect(Buffer.byteLength(text)).toBe(pointer.bytes);
    expect(parseRecord(JSON.parse(text))).toEqual(big);
    expect(back.filter((r) => r.recordType === 'resource').map((r) => (r as ResourceRecord).arn)).toEqual([resource(2).arn]);
  });

  it('stops loudly on a stream that does not exist, after dead-lettering the batch', async () => {
    const stream = uniqueName('prod-missing');
    const dlq = uniqueName('dlq-missing');
    await s3.send(new CreateBucketCommand({ Bucket: dlq }));
    const producer = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket: dlq });
    await producer.put(resource(1));
    await producer.put(resource(2));
    await expect(producer.close()).rejects.toThrow(new RegExp(`cannot write to Kinesis stream ${stream}: ResourceNotFoundException.*2 records dead-lettered`));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: dlq }));
    expect(listed.Contents).toHaveLength(2);
  });

  it('dead-letters, with the reason, a record Kinesis keeps refusing and a record that breaks the contract', async () => {
    const stream = uniqueName('prod-dlq');
    await createStream(stream, 1);
    const refused = resource(5).arn;
    // every request: the entry for `refused` fails, the others go through for real
    const alwaysRefuse: PutRecordsFn = async (input) => {
      const idx = new Set(input.Records!.map((r, i) => (r.PartitionKey === refused ? i : -1)).filter((i) => i >= 0));
      return failingFirst([], idx)(input);
    };
    const producer = new KinesisProducer({ streamName: stream, feedBucket, deadLetterBucket, putRecords: alwaysRefuse, maxAttempts: 3, baseDelayMs: 1 });
    for (let i = 4; i < 7; i++) await producer.put(resource(i));
    await producer.put({ ...resource(9), awsAccountId: 'not-an-account' } as StreamRecord);
    await producer.close();
    expect(producer.stats.deadLettered).toBe(2);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: deadLetterBucket, Prefix: 'dead-letter/collector/' }));
    const letters = await Promise.all(
      (listed.Contents ?? []).map(async (o) => JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: deadLetterBucket, Key: o.Key! }))).Body!.transformToString()) as { reason: string; record: ResourceRecord }),
    );
    const byArn = new Map(letters.map((l) => [l.record.arn, l.reason]));
    expect(byArn.get(refused)).toMatch(/after 3 attempts: ProvisionedThroughputExceededException/);
    expect(byArn.get(resource(9).arn)).toMatch(/invalid record: .*awsAccountId/);
    const arns = (await readStream(stream)).map((e) => (e.data as ResourceRecord).arn).sort();
    expect(arns).toEqual([resource(4).arn, resource(6).arn]);
  });
});
