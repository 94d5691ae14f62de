// Following change on the local stack, for the demo and the bench: what a second, unchanged inventory writes
// (S3 latest/ PUTs, OpenSearch index operations, feed lines) beside the first, and how long a change takes from
// its CloudTrail event to being searchable in OpenSearch.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient, TagQueueCommand } from '@aws-sdk/client-sqs';
import type { Client } from '@opensearch-project/opensearch';
import { randomUUID } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { indexNames } from '../../core/indexes.js';
import { clientConfig } from '../../platform/aws.js';
import type { CensusConfig } from '../../platform/config.js';
import { assumeRole } from '../../collectors/runtime.js';
import { KinesisProducer } from '../../collectors/producer.js';
import { handleEvents } from '../../collectors/events/handler.js';
import { processStream } from '../../processors/consumer.js';

/** What one run wrote to each store. */
export interface RunWrites {
  /** objects put under latest/ */
  latestPuts: number;
  /** objects put in the feed bucket, every prefix (latest/, feed/, the account lists) */
  s3Puts?: number;
  /** lines added to the NDJSON feed (every kind) */
  feedLines: number;
  /** OpenSearch index and update operations on Census's indexes */
  indexOps: number;
}

async function listSince(s3: S3Client, bucket: string, prefix: string, since: Date): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    // S3 LastModified has whole seconds: a run started within the second counts its own writes
    for (const o of page.Contents ?? []) if (o.LastModified && o.LastModified.getTime() >= Math.floor(since.getTime() / 1000) * 1000) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** Index operations (index_total) over every index of the prefix. */
export async function indexOperations(os: Client, prefix: string): Promise<number> {
  const stats = await os.indices.stats({ index: `${prefix}-*`, metric: 'indexing' });
  return (stats.body._all?.primaries?.indexing?.index_total as number | undefined) ?? 0;
}

/** Feed lines and latest/ objects written since `since`, and the index operations since `opsBefore`. */
export async function writesSince(s3: S3Client, os: Client, config: CensusConfig, since: Date, opsBefore: number): Promise<RunWrites> {
  const latestPuts = (await listSince(s3, config.feedBucket, 'latest/', since)).length;
  const everyKey = await listSince(s3, config.feedBucket, '', since);
  const s3Puts = everyKey.length;
  if (process.env.CENSUS_FOLLOW_DEBUG) process.stderr.write(`    objects put outside latest/: ${JSON.stringify(everyKey.filter((k) => !k.startsWith('latest/')).map((k) => k.split('/').slice(0, 2).join('/')))}\n`);
  let feedLines = 0;
  const byKind: Record<string, number> = {};
  for (const key of await listSince(s3, config.feedBucket, 'feed/', since)) {
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: config.feedBucket, Key: key }))).Body!.transformToByteArray());
    const text = key.endsWith('.gz') || body[0] === 0x1f ? gunzipSync(body).toString('utf8') : body.toString('utf8');
    const lines = text.split('\n').filter(Boolean).length;
    feedLines += lines;
    const kind = key.split('/')[1] ?? 'other';
    byKind[kind] = (byKind[kind] ?? 0) + lines;
  }
  if (process.env.CENSUS_FOLLOW_DEBUG) process.stderr.write(`    feed lines by kind: ${JSON.stringify(byKind)}\n`);
  return { latestPuts, s3Puts, feedLines, indexOps: (await indexOperations(os, config.indexPrefix)) - opsBefore };
}

/** Run `fn` (an inventory and its processing) and count what it wrote. */
export async function measureWrites(s3: S3Client, os: Client, config: CensusConfig, fn: () => Promise<unknown>): Promise<RunWrites> {
  await os.indices.refresh({ index: `${config.indexPrefix}-*` }).catch(() => undefined);
  const opsBefore = await indexOperations(os, config.indexPrefix);
  // whole seconds: S3 LastModified does not resolve finer, so wait for the next second before writing
  await new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
  const since = new Date();
  await fn();
  return writesSince(s3, os, config, since, opsBefore);
}

/** Change records in the changes index, by kind. */
export async function changeCounts(os: Client, prefix: string): Promise<{ created: number; modified: number; deleted: number }> {
  await os.indices.refresh({ index: indexNames(prefix).changes }, { ignore: [404] });
  const res = await os.search({
    index: indexNames(prefix).changes,
    ignore_unavailable: true,
    body: { size: 0, aggs: { kinds: { terms: { field: 'kind', size: 3 } } } } as never,
  });
  const buckets = ((res.body.aggregations as { kinds?: { buckets: { key: string; doc_count: number }[] } } | undefined)?.kinds?.buckets ?? []);
  const n = (k: string) => buckets.find((b) => b.key === k)?.doc_count ?? 0;
  return { created: n('created'), modified: n('modified'), deleted: n('deleted') };
}

export interface EventLatency {
  samples: number;
  medianMs: number;
  p95Ms: number;
  /** each change's event-to-searchable time, in order */
  ms: number[];
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0;
};

/**
 * Tag a queue `n` times in `accountId` and, for each change, hand its CloudTrail event (as EventBridge delivers
 * it) to the event handler while a consumer runs; the time until OpenSearch's search answers with the new state.
 */
export async function measureEventLatency(config: CensusConfig, os: Client, accountId: string, region: string, n: number): Promise<EventLatency> {
  const credentials = await (await assumeRole({ accountId, roleName: config.auditRole, sessionName: 'census-demo-change' }))();
  const sqs = new SQSClient(clientConfig({ region, credentials }));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `census-followed-${randomUUID().slice(0, 8)}` }))).QueueUrl!;
  const arn = `arn:aws:sqs:${region}:${accountId}:${queueUrl.split('/').pop()}`;
  const abort = new AbortController();
  const consumer = processStream(config, { until: 'forever', signal: abort.signal, pollIntervalMs: 100 });
  const ms: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const tag = `change-${i}`;
      await sqs.send(new TagQueueCommand({ QueueUrl: queueUrl, Tags: { followed: tag } }));
      const started = Date.now();
      const event = {
        'detail-type': 'AWS API Call via CloudTrail',
        account: accountId,
        region,
        detail: {
          eventSource: 'sqs.amazonaws.com',
          eventName: 'TagQueue',
          eventTime: new Date().toISOString(),
          awsRegion: region,
          recipientAccountId: accountId,
          eventID: randomUUID(),
          userIdentity: { arn: `arn:aws:sts::${accountId}:assumed-role/demo/alice` },
          requestParameters: { queueUrl, tags: { followed: tag } },
        },
      };
      const sink = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
      await handleEvents([event], { auditRole: config.auditRole, sink, redactionSalt: config.redactionSalt });
      await sink.close();
      // searchable: the search API (not the real-time get) finds the new tag
      for (;;) {
        const found = await os.search({
          index: indexNames(config.indexPrefix).resourceFamily('AWS::SQS::Queue'),
          body: { size: 0, query: { bool: { filter: [{ term: { arn } }, { term: { tagPairs: `followed=${tag}` } }] } } },
        });
        const total = found.body.hits.total;
        if ((typeof total === 'number' ? total : (total?.value ?? 0)) > 0) break;
        if (Date.now() - started > 60_000) throw new Error(`change ${i} of ${arn} not searchable after 60 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      ms.push(Date.now() - started);
    }
  } finally {
    abort.abort();
    await consumer.catch(() => undefined);
  }
  return { samples: ms.length, medianMs: quantile(ms, 0.5), p95Ms: quantile(ms, 0.95), ms };
}
