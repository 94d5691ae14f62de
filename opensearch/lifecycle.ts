// Index lifecycle: append-only history rolls over by size or age and expires after its retention; older history
// stays in the S3 feed. Two ways to do it, one model: ISM policies where the domain has the Index State Management
// plugin (Amazon OpenSearch Service), and Census itself through the core `_rollover` and delete-index APIs where
// it has not (the local OpenSearch).
//
// Latest-state families (resources, findings, accounts, trusted accounts) hold one document per identity, replaced
// by external version; rolling them over would leave each identity's older versions in the old generation and show
// them twice behind the alias, so they are sized by the number of resources, not by time, and are never expired.
// The per-run views (current scores, current failing) are replaced every run by scoring and need neither.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';

export interface LifecycleOptions {
  /** days of score history kept in OpenSearch (default 400) */
  scoreRetentionDays?: number;
  /** days of other history: collection errors, inventory runs, dead letters (default 90) */
  historyRetentionDays?: number;
  /** roll the write index over once it reaches this primary store size, `50gb` by default */
  maxSize?: string;
  /** or this age, `30d` by default */
  maxAge?: string;
  /** or this many documents (tests; none by default) */
  maxDocs?: number;
}

export interface HistoryFamily {
  alias: string;
  retentionDays: number;
}

/** The append-only families of a prefix, with their retention. */
export function historyFamilies(prefix: string, o: LifecycleOptions = {}): HistoryFamily[] {
  const n = indexNames(prefix);
  const history = o.historyRetentionDays ?? 90;
  return [
    { alias: n.scores, retentionDays: o.scoreRetentionDays ?? 400 },
    { alias: n.collectionErrors, retentionDays: history },
    { alias: n.inventoryRuns, retentionDays: history },
    { alias: n.deadLetters, retentionDays: history },
    // change history: a document per change, never replaced; the feed keeps it beyond the retention
    { alias: n.changes, retentionDays: o.scoreRetentionDays ?? 400 },
  ];
}

/** Whether the cluster has the Index State Management plugin (Amazon OpenSearch Service has; the local stack has not). */
export async function hasIsm(client: Client): Promise<boolean> {
  try {
    const plugins = await client.cat.plugins({ format: 'json' });
    return (plugins.body as { component?: string }[]).some((p) => p.component === 'opensearch-index-management');
  } catch {
    // a role without cluster monitoring (the deployed scoring role): Amazon OpenSearch Service, which has ISM
    return true;
  }
}

function conditions(o: LifecycleOptions): Record<string, string | number> {
  return { max_size: o.maxSize ?? '50gb', max_age: o.maxAge ?? '30d', ...(o.maxDocs ? { max_docs: o.maxDocs } : {}) };
}

/**
 * ISM policies, one per history family (`PUT _plugins/_ism/policies/<id>`): roll over by size or age, delete a
 * generation `retentionDays` after it was rolled over. The ism_template attaches each to its family's new indexes;
 * ISM's rollover needs `plugins.index_state_management.rollover_alias` on the index (see `ismIndexSettings`).
 */
export function ismPolicies(prefix: string, o: LifecycleOptions = {}): Record<string, object> {
  const c = conditions(o);
  const rollover = { ...(c.max_size ? { min_size: c.max_size } : {}), ...(c.max_age ? { min_index_age: c.max_age } : {}), ...(c.max_docs ? { min_doc_count: c.max_docs } : {}) };
  return Object.fromEntries(
    historyFamilies(prefix, o).map((f) => [
      `${f.alias}-lifecycle`,
      {
        policy: {
          description: `Census: roll ${f.alias} over by size or age; delete a generation ${f.retentionDays} days after its rollover (the S3 feed keeps it)`,
          default_state: 'hot',
          states: [
            { name: 'hot', actions: [{ rollover }], transitions: [{ state_name: 'delete', conditions: { min_rollover_age: `${f.retentionDays}d` } }] },
            { name: 'delete', actions: [{ delete: {} }], transitions: [] },
          ],
          ism_template: [{ index_patterns: [`${f.alias}-*`], priority: 100 }],
        },
      },
    ]),
  );
}

/** The index setting ISM's rollover reads, per history family alias (only valid where the ISM plugin is installed). */
export function ismIndexSettings(alias: string): Record<string, string> {
  return { 'plugins.index_state_management.rollover_alias': alias };
}

export interface LifecycleResult {
  rolledOver: { alias: string; from: string; to: string }[];
  deleted: { alias: string; index: string; rolledOverAt: string }[];
}

/** Generations of an alias's family, oldest first, with their creation time and whether each is the write index. */
async function generations(client: Client, alias: string): Promise<{ index: string; created: number; write: boolean }[]> {
  // only an alias over generations rolls over: a family not created yet, or kept as one plain index (the
  // processors' inventory-run ledger, whose documents change state), has nothing to manage here
  const exists = await client.indices.existsAlias({ name: alias });
  if (!exists.body) return [];
  const [aliases, settings] = await Promise.all([
    client.indices.getAlias({ name: alias }),
    client.indices.getSettings({ index: `${alias}-*`, name: 'index.creation_date' }),
  ]);
  const members = aliases.body as Record<string, { aliases: Record<string, { is_write_index?: boolean }> }>;
  const created = settings.body as Record<string, { settings: { index: { creation_date: string } } }>;
  return Object.keys(members)
    .filter((index) => /-\d{6}$/.test(index))
    .map((index) => ({ index, created: Number(created[index]?.settings.index.creation_date ?? 0), write: members[index]!.aliases[alias]?.is_write_index === true }))
    .sort((a, b) => a.index.localeCompare(b.index));
}

/**
 * What ISM does, done by Census on a cluster without it: roll each history family's write index over when it is
 * older or larger than the limits (core `_rollover` with conditions), then delete generations rolled over more than
 * their retention ago (a generation's rollover time is the creation time of the next one). Idempotent; safe to
 * run from every scoring run. The write index is never deleted.
 */
export async function applyLifecycle(client: Client, prefix: string, o: LifecycleOptions = {}, now = Date.now()): Promise<LifecycleResult> {
  const result: LifecycleResult = { rolledOver: [], deleted: [] };
  for (const family of historyFamilies(prefix, o)) {
    const before = await generations(client, family.alias);
    if (!before.some((g) => g.write)) continue; // not created yet: nothing to manage
    const out = await client.indices.rollover({ alias: family.alias, body: { conditions: conditions(o) } });
    const body = out.body as { rolled_over: boolean; old_index: string; new_index: string };
    if (body.rolled_over) result.rolledOver.push({ alias: family.alias, from: body.old_index, to: body.new_index });
    const gens = body.rolled_over ? await generations(client, family.alias) : before;
    for (let i = 0; i < gens.length - 1; i++) {
      const g = gens[i]!;
      const rolledOverAt = gens[i + 1]!.created;
      if (g.write || now - rolledOverAt < family.retentionDays * 86_400_000) continue;
      await client.indices.delete({ index: g.index });
      result.deleted.push({ alias: family.alias, index: g.index, rolledOverAt: new Date(rolledOverAt).toISOString() });
    }
  }
  return result;
}

export interface LifecycleRequest {
  method: 'PUT' | 'POST';
  path: string;
  body: Record<string, unknown>;
  /** a 404 means there is nothing to apply it to yet (no index of the family): not an error */
  optional?: boolean;
  /** an ISM policy: an existing one is replaced with its sequence number (the deploy-time function reads it first) */
  policy?: boolean;
}

/**
 * What the deploy-time function (infra/lambda/opensearch-security.ts) sends to a domain with ISM: each family's
 * policy; an index template above the processors' own (priority 300 over 200, same mappings) that adds the
 * rollover alias ISM's rollover reads; and for generations that already exist, that setting and the policy.
 */
export function ismDeployRequests(prefix: string, templates: Record<string, { priority: number; template: { settings: Record<string, unknown> } }>, o: LifecycleOptions = {}): LifecycleRequest[] {
  const policies = ismPolicies(prefix, o);
  return historyFamilies(prefix, o).flatMap((f) => {
    const id = `${f.alias}-lifecycle`;
    const base = templates[f.alias];
    const requests: LifecycleRequest[] = [{ method: 'PUT', path: `/_plugins/_ism/policies/${id}`, body: policies[id] as Record<string, unknown>, policy: true }];
    if (base) {
      requests.push({
        method: 'PUT',
        path: `/_index_template/${f.alias}-ism`,
        body: { ...base, priority: base.priority + 100, template: { ...base.template, settings: { ...base.template.settings, ...ismIndexSettings(f.alias) } } },
      });
    }
    requests.push(
      { method: 'PUT', path: `/${f.alias}-*/_settings`, body: { index: ismIndexSettings(f.alias) }, optional: true },
      { method: 'POST', path: `/_plugins/_ism/add/${f.alias}-*`, body: { policy_id: id }, optional: true },
    );
    return requests;
  });
}
