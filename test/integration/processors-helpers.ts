// Shared by the processors' integration tests: a unique index prefix per test file, removed afterwards so
// repeated runs do not fill the one local cluster's shard budget (1,000 per node).
import { afterAll } from 'vitest';
import { openSearchClient } from '../../platform/opensearch.js';
import type { KinesisEvent } from '../../processors/lambda.js';
import { uniqueName } from '../helpers.js';

export function testIndexPrefix(name: string): string {
  const prefix = uniqueName(name);
  afterAll(async () => {
    const os = openSearchClient();
    await os.indices.delete({ index: `${prefix}-*` }, { ignore: [404] });
    await os.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
  });
  return prefix;
}

/**
 * Kinesis events as Lambda delivers them to the processor: each payload (a record, raw text or bytes) base64 on one
 * shard, sequence numbers counting up from `firstSequence` across calls, all arrived at `arrival`.
 */
export function kinesisEvents(opts: { arrival: string; firstSequence: number }): (payloads: (object | string | Buffer)[], shard?: string) => KinesisEvent {
  let seq = opts.firstSequence;
  return (payloads, shard = 'shardId-000000000000') => ({
    Records: payloads.map((p) => {
      const data = Buffer.isBuffer(p) ? p : Buffer.from(typeof p === 'string' ? p : JSON.stringify(p));
      seq++;
      return {
        eventID: `${shard}:${seq}`,
        kinesis: { data: data.toString('base64'), sequenceNumber: String(seq).padStart(20, '0'), approximateArrivalTimestamp: Date.parse(opts.arrival) / 1000 },
      };
    }),
  });
}
