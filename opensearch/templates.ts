// Index templates with explicit mappings, and the indexes behind their aliases. Every index is a
// concrete `<alias>-000001` behind an alias, so a mapping change can be rolled out by reindexing into
// a new index and moving the alias. Resource indexes are one per service family, all behind `resources`.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames, resourceFamily } from '../core/indexes.js';
import { indexMappings, type IndexKind } from './mappings.js';

const FIRST_GENERATION = '000001';

interface Singleton {
  kind: Exclude<IndexKind, 'resources' | SwappedKind>;
  alias: (prefix: string) => string;
}

const singletons: Singleton[] = [
  { kind: 'findings', alias: (p) => indexNames(p).findings },
  { kind: 'accounts', alias: (p) => indexNames(p).accounts },
  { kind: 'trustedAccounts', alias: (p) => indexNames(p).trustedAccounts },
  { kind: 'collectionErrors', alias: (p) => indexNames(p).collectionErrors },
  { kind: 'scores', alias: (p) => indexNames(p).scores },
  { kind: 'changes', alias: (p) => indexNames(p).changes },
  { kind: 'deadLetters', alias: (p) => indexNames(p).deadLetters },
];

/** Views of the latest scoring run: a new `<alias>-<run>` index per run, the alias moved to it (scoring/views.ts). */
type SwappedKind = 'currentScores' | 'currentFailing';
const swapped: { kind: SwappedKind; alias: (prefix: string) => string }[] = [
  { kind: 'currentScores', alias: (p) => indexNames(p).currentScores },
  { kind: 'currentFailing', alias: (p) => indexNames(p).currentFailing },
];

function templateBody(patterns: string[], kind: IndexKind, aliases: Record<string, object> = {}) {
  return {
    index_patterns: patterns,
    priority: 200,
    template: {
      // one replica wherever there is a second node to hold it; none on a single-node cluster (local stack)
      settings: { 'index.mapping.total_fields.limit': 2000, 'index.number_of_shards': 1, 'index.auto_expand_replicas': '0-1' },
      // unknown fields stay in _source but add no mapping: nothing a collector adds can break the index
      mappings: { dynamic: false, properties: indexMappings[kind] },
      aliases,
    },
    _meta: { managedBy: 'census', kind },
  };
}

/** The templates this prefix needs, by template name. */
export function indexTemplates(prefix: string): Record<string, ReturnType<typeof templateBody>> {
  const names = indexNames(prefix);
  const out: Record<string, ReturnType<typeof templateBody>> = {
    [`${prefix}-resources`]: templateBody([`${names.resources}-*`], 'resources', { [names.resources]: {} }),
  };
  for (const s of singletons) out[s.alias(prefix)] = templateBody([`${s.alias(prefix)}-*`], s.kind);
  for (const s of swapped) out[s.alias(prefix)] = templateBody([`${s.alias(prefix)}-*`], s.kind);
  return out;
}

function errorType(err: unknown): string | undefined {
  return (err as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

/** Create `<alias>-000001` as the write index of `alias` unless the alias (or an index of that name) exists. */
async function ensureAliasedIndex(client: Client, alias: string, extraAliases: string[] = []): Promise<void> {
  const exists = await client.indices.exists({ index: alias });
  if (exists.body) return;
  try {
    await client.indices.create({
      index: `${alias}-${FIRST_GENERATION}`,
      body: { aliases: { [alias]: { is_write_index: true }, ...Object.fromEntries(extraAliases.map((a) => [a, {}])) } },
    });
  } catch (err) {
    // another processor created it first
    if (errorType(err) !== 'resource_already_exists_exception') throw err;
  }
}

/** Idempotent: put every template and create the singleton indexes behind their aliases. */
export async function ensureIndexTemplates(client: Client, prefix: string): Promise<void> {
  for (const [name, body] of Object.entries(indexTemplates(prefix))) {
    await client.indices.putIndexTemplate({ name, body: body as never });
  }
  for (const s of singletons) await ensureAliasedIndex(client, s.alias(prefix));
}

const pending = new Map<string, Promise<void>>();

/** Run `create` once per key and process; a failure is forgotten so the next call tries again. */
function once(key: string, create: () => Promise<void>): Promise<void> {
  let p = pending.get(key);
  if (!p) {
    p = create();
    pending.set(key, p);
    p.catch(() => pending.delete(key));
  }
  return p;
}

/** ensureIndexTemplates, once per prefix and process (the processors call it before every batch). */
export function ensureIndexTemplatesOnce(client: Client, prefix: string): Promise<void> {
  return once(`templates|${prefix}`, () => ensureIndexTemplates(client, prefix));
}

/** The family index of a resource type, created on first use; returns the write alias. */
export async function ensureResourceIndex(client: Client, prefix: string, resourceType: string): Promise<string> {
  const alias = indexNames(prefix).resourceFamily(resourceType);
  await once(`family|${prefix}|${resourceFamily(resourceType)}`, () => ensureAliasedIndex(client, alias));
  return alias;
}
