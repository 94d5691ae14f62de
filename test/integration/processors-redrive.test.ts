// Nothing lost when the processor Lambda gives up: the batches its Kinesis event source skipped after its retries
// are described (shard, sequence-number range) in the on-failure queue, and `census redrive` processes exactly those
// records again from the stream. Real kinesalite, moto SQS and OpenSearch; the messages are shaped as Lambda
// documents them (KinesisBatchInfo).
import { DeleteStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexNames, s3Keys } from '../../core/indexes.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { ensureStream } from '../../platform/local-stack.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { processorDeps } from '../../processors/deps.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { redriveFailures } from '../../processors/redrive.js';
import { uniqueName } from '../helpers.js';
import { accountRecord, resourceRecord, TEST_ACCOUNT } from '../records.js';
import { testIndexPrefix } from './processors-helpers.js';

const kinesis = new KinesisClient(clientConfig());
const sqs = new SQSClient(clientConfig());
const s3 = new S3Client(s3Config());
const os = openSearchClient();
const streamName = uniqueName('redrive');
const prefix = testIndexPrefix('redrive');
let deps: ProcessorDeps;
let queueUrl: string;
let sequence: string[] = [];

const queues = (n: number): ResourceRecord[] =>
  Array.from({ length: n }, (_, i) => resourceRecord({ resourceType: 'AWS::SQS::Queue', resourceId: `q-${i}`, resourceName: `q-${i}`, arn: `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:q-${i}`, collector: 'sqs', configuration: { QueueName: `q-${i}` }, supplementaryConfiguration: {} }));
const records = queues(30);

/** the on-failure record Lambda sends for a skipped Kinesis batch */
const failure = (first: number, last: number) =>
  JSON.stringify({
    requestContext: { requestId: 'c6a7b4f2-1b1f-4b0e-9a27-8d4f0d2a1e11', functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:census-processor', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-29T03:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: sequence[first],
      endSequenceNumber: sequence[last],
      approximateArrivalOfFirstRecord: '2026-11-29T02:59:00.000Z',
      approximateArrivalOfLastRecord: '2026-11-29T02:59:01.000Z',
      batchSize: last - first + 1,
      streamArn: `arn:aws:kinesis:us-east-1:123456789012:stream/${streamName}`,
    },
  });

async function storedArns(): Promise<string[]> {
  await os.indices.refresh({ index: `${prefix}-*`, allow_no_indices: true });
  const res = await os.search({ index: indexNames(prefix).resources, ignore_unavailable: true, allow_no_indices: true, body: { size: 100, _source: ['arn'], query: { match_all: {} } } as never });
  return (res.body.hits.hits as { _source: { arn: string } }[]).map((h) => h._source.arn).sort();
}

const depth = async () =>
  Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes?.ApproximateNumberOfMessages ?? 0) +
  Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }))).Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);

beforeAll(async () => {
  await ensureStream(streamName, 1, kinesis);
  const put = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: records.map((r) => ({ Data: Buffer.from(JSON.stringify(r)), PartitionKey: r.arn })) }));
  sequence = put.Records!.map((r) => r.SequenceNumber!);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('processor-failures') }))).QueueUrl!;
  const feedBucket = uniqueName('redrive-feed');
  await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([accountRecord()]) }));
  deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket: feedBucket, scorecardBucket: feedBucket, indexPrefix: prefix, streamName }, {}), { refresh: true, accountListMaxAgeMs: 0 });
});

afterAll(async () => {
  // kinesalite holds 200 shards in all: give this one back
  await kinesis.send(new DeleteStreamCommand({ StreamName: streamName })).catch(() => undefined);
});

describe('census redrive', () => {
  it('processes exactly the skipped range, deletes its message, and leaves unreadable and expired ones with the reason', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failure(5, 19) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not an on-failure record' }));
    // a range the stream does not hold (past its retention)
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failure(5, 19).replaceAll(sequence[5]!, '4960000000000000000000000000000000000000000000000000001').replaceAll(sequence[19]!, '4960000000000000000000000000000000000000000000000000002') }));

    // while OpenSearch is unreachable the batch fails again: its message stays
    const down = await redriveFailures({ sqs, kinesis, queueUrl, deps: { ...deps, opensearch: openSearchClient('http://127.0.0.1:9'), bulk: { maxRounds: 1, baseDelayMs: 1 } }, visibilityTimeoutSeconds: 0 });
    expect(down).toMatchObject({ messages: 3, redriven: 0, stillFailing: 1, unreadable: 1, expired: 1, records: 15 });
    expect(await storedArns()).toEqual([]);
    expect(await depth()).toBe(3);

    const up = await redriveFailures({ sqs, kinesis, queueUrl, deps, visibilityTimeoutSeconds: 0 });
    expect(up).toMatchObject({ messages: 3, redriven: 1, stillFailing: 0, unreadable: 1, expired: 1, records: 15, deadLettered: 0 });
    expect(up.landed).toBeGreaterThanOrEqual(15);
    expect(await storedArns()).toEqual(records.slice(5, 20).map((r) => r.arn).sort());
    expect(await depth()).toBe(2);
  });

  it('a batch redriven twice lands nothing again', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: failure(5, 19) }));
    const again = await redriveFailures({ sqs, kinesis, queueUrl, deps, visibilityTimeoutSeconds: 0 });
    expect(again).toMatchObject({ redriven: 1, records: 15, landed: 0 });
    expect(await storedArns()).toEqual(records.slice(5, 20).map((r) => r.arn).sort());
  });
});
