// Lambda entry of event-driven re-collection: EventBridge (the security account's Census event bus) invokes it
// with one CloudTrail event; the resources it touched are re-collected into the stream. An unmappable event is
// counted and logged, never an error (EventBridge would only retry it).
import { loadConfig } from '../../platform/config.js';
import { log } from '../../platform/log.js';
import { KinesisProducer } from '../producer.js';
import { handleEvents } from './handler.js';

export async function handler(event: unknown) {
  const config = loadConfig();
  const sink = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
  const events = Array.isArray(event) ? event : [event];
  const summary = await handleEvents(events, { auditRole: config.auditRole, externalId: config.externalId, redactionSalt: config.redactionSalt, sink });
  await sink.close();
  const { results: _results, ...counts } = summary;
  log.info(counts, 'events handled');
  return counts;
}
