// The inventory Lambda of one collector. infra/ bundles, per collector, a generated entry
//   export const inventoryHandler = singleCollectorHandler(<the collector>)
// so each function's bundle holds its own collector and SDK client only (the registry's loaders would bring all
// thirty). This module must not import registry.ts for that reason.
//   inventoryHandler({ runId, accountId }) -> the account's inventory summary for that collector
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../platform/config.js';
import { loadCatalog } from '../standard/index.js';
import type { Collector } from './engine.js';
import { inventoryAccount } from './inventory.js';
import { KinesisProducer } from './producer.js';
import { CallLimiter, newStats } from './runtime.js';

export interface InventoryEvent {
  runId?: string;
  accountId?: string;
  collector?: string;
}

/** Inventory one account with these collectors into the configured stream. */
export async function inventoryWith(collectors: Collector[], event: InventoryEvent) {
  const config = loadConfig();
  if (!event.accountId || !/^\d{12}$/.test(event.accountId)) throw new Error(`inventoryHandler: event.accountId "${event.accountId}" is not an account ID`);
  const sink = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
  const stats = newStats();
  const summary = await inventoryAccount({
    accountId: event.accountId,
    auditRole: config.auditRole,
    externalId: config.externalId,
    regions: config.regions,
    collectors,
    sink,
    limiter: new CallLimiter(config.concurrency),
    stats,
    observedAt: new Date().toISOString(),
    runId: event.runId ?? randomUUID(),
    redactionSalt: config.redactionSalt,
    catalog: loadCatalog(config.catalog),
  });
  await sink.close();
  return { ...summary, collector: collectors.map((c) => c.name).join(','), calls: stats, producer: sink.stats };
}

/** The handler of a function that serves exactly this collector; an event naming another one is refused. */
export function singleCollectorHandler(collector: Collector) {
  return async (event: InventoryEvent) => {
    if (event.collector && event.collector !== collector.name) throw new Error(`inventoryHandler: this function runs collector "${collector.name}", the event names "${event.collector}"`);
    return inventoryWith([collector], event);
  };
}
