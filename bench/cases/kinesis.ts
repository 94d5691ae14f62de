// Kinesis producer: Census's producer (validation, 500-record/5 MiB batching, partial-failure resend,
// oversize pointers) against raw PutRecords of the same payloads, both into kinesalite.
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { clientConfig } from '../../platform/aws.js';
import { ensureStream } from '../../platform/local-stack.js';
import type { StreamRecord } from '../../core/schemas.js';
import { KinesisProducer, partitionKey } from '../../collectors/producer.js';
import { pair, type PairResult } from '../measure.js';

export async function kinesisCase(records: StreamRecord[], streamName: string, buckets: { feed: string; deadLetter: string }): Promise<PairResult> {
  const kinesis = new KinesisClient(clientConfig());
  await ensureStream(streamName, 4, kinesis);
  const entries = records.map((r) => ({ Data: Buffer.from(JSON.stringify(r)), PartitionKey: partitionKey(r) }));
  return pair(
    `Kinesis producer: ${records.length.toLocaleString('en-US')} records into kinesalite`,
    { items: records.length, unit: 'records' },
    {
      label: 'KinesisProducer',
      run: async () => {
        const producer = new KinesisProducer({ streamName, feedBucket: buckets.feed, deadLetterBucket: buckets.deadLetter, kinesis });
        for (const r of records) await producer.put(r);
        await producer.close();
        if (producer.stats.deadLettered) throw new Error(`${producer.stats.deadLettered} records dead-lettered`);
      },
    },
    {
      label: 'raw PutRecords (500 per call)',
      run: async () => {
        for (let i = 0; i < entries.length; i += 500) {
          const out = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries.slice(i, i + 500) }));
          if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed`);
        }
      },
    },
  );
}
