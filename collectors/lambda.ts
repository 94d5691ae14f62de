// Lambda entry points of the collectors (bundled by infra/ with esbuild); they call the same code as the CLI.
//   discoverHandler({ runId })                        -> { runId, accountCount, accountsKey } (the active accounts are in
//                                                        s3://<feed bucket>/<accountsKey>, read by the state machine's map)
//   inventoryHandler({ runId, accountId, collector }) -> the account's inventory summary for that collector
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../platform/config.js';
import { discoverAccounts, discoveryOptions, isActive, writeAccountList, writeRunAccounts } from './discovery.js';
import { inventoryWith, type InventoryEvent } from './lambda-one.js';
import { KinesisProducer } from './producer.js';
import { loadCollectors } from './registry.js';

const producer = () => {
  const config = loadConfig();
  return new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket });
};

export async function discoverHandler(event: { runId?: string } = {}) {
  const config = loadConfig();
  if (!config.payers.length) throw new Error('discoverHandler: CENSUS_PAYERS is empty');
  const runId = event.runId ?? randomUUID();
  const result = await discoverAccounts(discoveryOptions(config, { runId, observedAt: new Date().toISOString() }));
  const sink = producer();
  for (const r of [...result.accounts, ...result.errors]) await sink.put(r);
  await sink.close();
  if (result.accounts.length) await writeAccountList(config.feedBucket, result.accounts);
  // the list goes through S3, not the state: thousands of accounts outgrow the 256 KiB state payload
  const accountsKey = await writeRunAccounts(config.feedBucket, runId, result.accounts);
  return {
    runId,
    accountCount: result.accounts.filter(isActive).length,
    accountsKey,
    discovered: result.accounts.length,
    payerErrors: result.errors.map((e) => ({ payerId: e.accountId, code: e.code, message: e.message })),
    spendUnavailable: result.spendUnavailable,
  };
}

export async function inventoryHandler(event: InventoryEvent) {
  const name = event.collector ?? loadConfig().collector;
  if (!name) throw new Error('inventoryHandler: no collector in the event or CENSUS_COLLECTOR');
  return inventoryWith(await loadCollectors([name]), event);
}
