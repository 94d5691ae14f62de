// Index lifecycle on the local OpenSearch (no ISM plugin): Census rolls history over through the core `_rollover`
// API and deletes generations past their retention, with thresholds small enough to cross in a test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexNames } from '../../core/indexes.js';
import { applyLifecycle, historyFamilies, ismPolicies } from '../../opensearch/lifecycle.js';
import { ensureIndexTemplates } from '../../opensearch/templates.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { uniqueName } from '../helpers.js';

const DAY = 86_400_000;

describe('index lifecycle without ISM (local OpenSearch)', () => {
  const client = openSearchClient();
  const prefix = uniqueName('lc').toLowerCase();
  const names = indexNames(prefix);
  const small = { maxDocs: 2, maxAge: '3650d', maxSize: '1000gb' };

  const put = async (alias: string, n: number) => {
    for (let i = 0; i < n; i++) await client.index({ index: alias, body: { observedAt: new Date().toISOString(), n: i } });
    await client.indices.refresh({ index: `${alias}-*` });
  };
  const generationsOf = async (alias: string) => Object.keys((await client.indices.get({ index: `${alias}-*` })).body).sort();

  beforeAll(async () => {
    await ensureIndexTemplates(client, prefix);
  });
  afterAll(async () => {
    await client.indices.delete({ index: `${prefix}-*` }).catch(() => undefined);
    await client.indices.deleteIndexTemplate({ name: `${prefix}-*` }).catch(() => undefined);
  });

  it('rolls a history family over once its write index passes the limit, and leaves a small one alone', async () => {
    await put(names.scores, 3);
    await put(names.collectionErrors, 1);
    const r = await applyLifecycle(client, prefix, small);
    expect(r.rolledOver).toEqual([{ alias: names.scores, from: `${names.scores}-000001`, to: `${names.scores}-000002` }]);
    expect(r.deleted).toEqual([]);
    expect(await generationsOf(names.scores)).toEqual([`${names.scores}-000001`, `${names.scores}-000002`]);
    // writes go to the new generation, reads see both
    await put(names.scores, 1);
    const write = (await client.indices.getAlias({ name: names.scores })).body as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>;
    expect(write[`${names.scores}-000002`]!.aliases[names.scores]!.is_write_index).toBe(true);
    expect(((await client.count({ index: names.scores })).body as { count: number }).count).toBe(4);
    expect(await generationsOf(names.collectionErrors)).toEqual([`${names.collectionErrors}-000001`]);
  });

  it('deletes a rolled-over generation only after its retention, never the write index, and is idempotent', async () => {
    // 10 days on: score history (400 days) is kept
    expect((await applyLifecycle(client, prefix, small, Date.now() + 10 * DAY)).deleted).toEqual([]);
    // 401 days on: the first score generation goes, the write generation stays
    const later = await applyLifecycle(client, prefix, small, Date.now() + 401 * DAY);
    expect(later.deleted.map((d) => d.index)).toEqual([`${names.scores}-000001`]);
    expect(await generationsOf(names.scores)).toEqual([`${names.scores}-000002`]);
    expect((await applyLifecycle(client, prefix, small, Date.now() + 401 * DAY)).deleted).toEqual([]);
  });

  it('other history expires after historyRetentionDays, configurable', async () => {
    await put(names.collectionErrors, 2);
    const rolled = await applyLifecycle(client, prefix, { ...small, historyRetentionDays: 30 });
    expect(rolled.rolledOver.map((x) => x.alias)).toEqual([names.collectionErrors]);
    expect((await applyLifecycle(client, prefix, { ...small, historyRetentionDays: 30 }, Date.now() + 20 * DAY)).deleted).toEqual([]);
    const expired = await applyLifecycle(client, prefix, { ...small, historyRetentionDays: 30 }, Date.now() + 31 * DAY);
    expect(expired.deleted.map((d) => d.index)).toEqual([`${names.collectionErrors}-000001`]);
  });

  it('describes the same lifecycle as ISM policies for domains that have the plugin', () => {
    const policies = ismPolicies(prefix, { scoreRetentionDays: 400, historyRetentionDays: 90 }) as Record<string, { policy: { states: { actions: object[]; transitions: { conditions?: object }[] }[]; ism_template: { index_patterns: string[] }[] } }>;
    expect(Object.keys(policies).sort()).toEqual(historyFamilies(prefix).map((f) => `${f.alias}-lifecycle`).sort());
    const scores = policies[`${names.scores}-lifecycle`]!.policy;
    expect(scores.states[0]!.actions).toEqual([{ rollover: { min_size: '50gb', min_index_age: '30d' } }]);
    expect(scores.states[0]!.transitions[0]!.conditions).toEqual({ min_rollover_age: '400d' });
    expect(scores.ism_template[0]!.index_patterns).toEqual([`${names.scores}-*`]);
    expect(policies[`${names.collectionErrors}-lifecycle`]!.policy.states[0]!.transitions[0]!.conditions).toEqual({ min_rollover_age: '90d' });
  });
});
