// The demo's two streaming stages, calling the same code the Lambdas and `census collect` run.
import type { CensusConfig } from '../../platform/config.js';
import { KinesisProducer } from '../../collectors/producer.js';
import { runCollection, type RunSummary } from '../../collectors/run.js';
import { processStream } from '../../processors/consumer.js';
import type { ConsumeStats } from '../../processors/consumer.js';
import type { Progress } from './stages.js';

export async function collectOrganization(config: CensusConfig, progress: Progress): Promise<RunSummary & { records: number }> {
  const producer = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
  const summary = await runCollection(config, producer, {
    onProgress: (e) => {
      if (e.kind === 'discovered') progress.total(e.active);
      else progress.update(e.done);
    },
  });
  await producer.close();
  if (producer.stats.deadLettered) throw new Error(`${producer.stats.deadLettered} records could not be sent to Kinesis (see the dead-letter bucket)`);
  return { ...summary, records: producer.stats.records };
}

export async function consumeAll(config: CensusConfig, progress: Progress): Promise<ConsumeStats & { records: number }> {
  let received = 0;
  const stats = await processStream(config, {
    until: 'drained',
    onBatch: (_shard, result) => progress.update((received += result.received)),
  });
  return { ...stats, records: stats.received };
}
