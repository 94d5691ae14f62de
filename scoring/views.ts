// The latest scoring run as the dashboards read it: its scores, and its failing and excepted resources
// with each exception's days to expiry as of the run. The score index keeps every run (history); these
// views hold exactly one run each, so "ranked by latest score" and "expiring within 30 days" are plain
// queries (no scripted fields: the cluster may have no painless). Each run writes fresh indexes
// `<alias>-<run>` and moves the aliases to them in one `_aliases` call, so a reader never sees half a run.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames, indexPrefix } from '../core/indexes.js';
import type { ScoreRecord } from '../core/schemas.js';
import type { FailingResourceDocument } from '../opensearch/documents.js';
import { documentId } from '../opensearch/bulk.js';
import { ensureIndexTemplates } from '../opensearch/templates.js';
import { executiveOf, ownerOf, type NonCompliantResource, type ScoringAccount, type ScoringRequirement } from './score.js';

export interface ScoringViewInput {
  scores: ScoreRecord[];
  nonCompliant: NonCompliantResource[];
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  asOf: string;
  runAt: string;
}

const DAY_MS = 86_400_000;

/** Whole days from the as-of date to the expiry day: 0 on the last active day, negative once expired. */
export function daysUntil(asOf: string, expiresAt: string): number {
  return Math.round((Date.parse(`${expiresAt}T00:00:00Z`) - Date.parse(`${asOf}T00:00:00Z`)) / DAY_MS);
}

/** One document per failing or excepted resource of the run, with the account's owner as the run scored it. */
export function failingResourceDocuments(run: Omit<ScoringViewInput, 'scores'>): FailingResourceDocument[] {
  const accounts = new Map(run.accounts.map((a) => [a.accountId, a]));
  const requirements = new Map(run.requirements.map((r) => [r.id, r]));
  return run.nonCompliant.map((f) => {
    const account = accounts.get(f.accountId) ?? { accountId: f.accountId, name: null, owner: null, executive: null, spend: null };
    const req = requirements.get(f.requirementId);
    return {
      accountId: f.accountId,
      accountName: account.name,
      owner: ownerOf(account),
      executive: executiveOf(account),
      requirementId: f.requirementId,
      title: req?.title ?? f.requirementId,
      severity: req?.severity ?? 'unknown',
      resourceId: f.resourceId,
      resourceArn: f.resourceArn ?? null,
      resourceType: f.resourceType,
      region: f.region,
      evidence: f.evidence,
      observedAt: f.observedAt,
      excepted: f.excepted,
      ...(f.exception ? { exception: { ...f.exception, expiresInDays: daysUntil(run.asOf, f.exception.expiresAt) } } : {}),
      asOf: run.asOf,
      runAt: run.runAt,
    };
  });
}

/** `2026-11-29T01:02:03.456Z` -> `20261129t010203456z`: index names are lower case and sort by run. */
export function runSuffix(runAt: string): string {
  return new Date(runAt).toISOString().replace(/[-:.]/g, '').toLowerCase();
}

async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const res = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  return res.statusCode === 404 ? [] : Object.keys(res.body as object);
}

/**
 * Write one run into `<alias>-<run>` and point the alias at it, unless a later run already holds it.
 * Documents have stable ids, so a retried run overwrites its own; indexes go away through `_aliases`
 * `remove_index` (a POST: the deployed roles may not send HTTP DELETE).
 */
async function publish<T extends object>(client: Client, alias: string, runAt: string, docs: T[], idOf: (doc: T) => string): Promise<{ index: string; published: boolean }> {
  const index = `${alias}-${runSuffix(runAt)}`;
  await client.indices.create({ index }, { ignore: [400] }); // 400: exists (a retried run writes it again)
  if (docs.length) {
    const failures: string[] = [];
    await client.helpers.bulk({
      datasource: docs,
      onDocument: (doc: T) => ({ index: { _index: index, _id: documentId(idOf(doc)) } }),
      onDrop: (d) => failures.push(JSON.stringify(d.error)),
    });
    if (failures.length) throw new Error(`OpenSearch ${index}: ${failures.length} of ${docs.length} documents rejected, first: ${failures[0]}`);
  }
  await client.indices.refresh({ index });
  const current = await aliasTargets(client, alias);
  // runs are named in time order: an older run finishing late must not replace a newer one
  if (current.some((i) => i > index)) {
    await client.indices.updateAliases({ body: { actions: [{ remove_index: { index } }] } });
    return { index, published: false };
  }
  await client.indices.updateAliases({
    body: { actions: [{ add: { index, alias } }, ...current.filter((i) => i !== index).map((i) => ({ remove_index: { index: i } }))] },
  });
  return { index, published: true };
}

/** Publish a run's views: its scores and its failing resources, each behind its alias. */
export async function publishScoringViews(client: Client, run: ScoringViewInput, prefix = indexPrefix()): Promise<{ scores: number; failing: number; published: boolean }> {
  const names = indexNames(prefix);
  // the templates give the per-run indexes their mappings; the processors normally put them first
  if (!(await client.indices.existsIndexTemplate({ name: names.currentScores })).body) await ensureIndexTemplates(client, prefix);
  const failing = failingResourceDocuments(run);
  const s = await publish(client, names.currentScores, run.runAt, run.scores, (r) => r.scoreId);
  const f = await publish(client, names.currentFailing, run.runAt, failing, (d) =>
    // a resource is its ARN, or its region, type and id without one (as scoring tells resources apart)
    [d.accountId, d.requirementId, d.resourceArn ?? `${d.region}|${d.resourceType}|${d.resourceId}`].join('|'),
  );
  return { scores: run.scores.length, failing: failing.length, published: s.published && f.published };
}
