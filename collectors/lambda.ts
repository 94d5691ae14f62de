// Lambda entry points of the collectors (bundled by infra/ with esbuild); they call the same code as the CLI.
//   discoverHandler({ runId })                        -> { runId, accounts: [{ accountId, name, payerId }] } (active only)
//   inventoryHandler({ runId, accountId, collector }) -> the account's inventory summary for that collector
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../platform/config.js';
import { loadCatalog } from '../standard/index.js';
import { discoverAccounts, discoveryOptions, isActive, writeAccountList } from './discovery.js';
import { inventoryAccount } from './inventory.js';
import { KinesisProducer } from './producer.js';
import { loadCollectors } from './registry.js';
import { CallLimiter, newStats } from './runtime.js';

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
  return {
    runId,
    accounts: result.accounts.filter(isActive).map((a) => ({ accountId: a.accountId, name: a.name, payerId: a.payerId })),
    discovered: result.accounts.length,
    payerErrors: result.errors.map((e) => ({ payerId: e.accountId, code: e.code, message: e.message })),
    spendUnavailable: result.spendUnavailable,
  };
}

export async function inventoryHandler(event: { runId?: string; accountId?: string; collector?: string }) {
  const config = loadConfig();
  const name = event.collector ?? config.collector;
  if (!event.accountId || !/^\d{12}$/.test(event.accountId)) throw new Error(`inventoryHandler: event.accountId "${event.accountId}" is not an account ID`);
  if (!name) throw new Error('inventoryHandler: no collector in the event or CENSUS_COLLECTOR');
  const sink = producer();
  const stats = newStats();
  const summary = await inventoryAccount({
    accountId: event.accountId,
    auditRole: config.auditRole,
    externalId: config.externalId,
    regions: config.regions,
    collectors: await loadCollectors([name]),
    sink,
    limiter: new CallLimiter(config.concurrency),
    stats,
    observedAt: new Date().toISOString(),
    runId: event.runId ?? randomUUID(),
    redactionSalt: config.redactionSalt,
    catalog: loadCatalog(config.catalog),
  });
  await sink.close();
  return { ...summary, collector: name, calls: stats, producer: sink.stats };
}
