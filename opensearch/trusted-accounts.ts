// One `trusted-accounts` document per external account, listing every resource whose policies let it
// in. Without scripts on the cluster this is read-modify-write with optimistic concurrency
// (if_seq_no/if_primary_term); the merge itself is pure and keyed by capture time, so replays and
// late copies leave the same document.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import type { ResourceRecord, TrustedAccount } from '../core/schemas.js';
import type { TrustedAccountDocument, TrustingResource } from './documents.js';
import { documentId } from './bulk.js';
import { grantReason } from '../policy/trust.js';

/** What one resource copy says about who it trusts. */
export interface TrustUpdate {
  arn: string;
  capturedAt: string;
  /** entries by external account; an account missing here no longer trusted by this resource */
  byAccount: Map<string, { account: Pick<TrustedAccount, 'classification' | 'name' | 'approved'>; entries: TrustingResource[] }>;
}

export function trustUpdateOf(record: ResourceRecord): TrustUpdate {
  const byAccount: TrustUpdate['byAccount'] = new Map();
  // a deleted resource trusts nobody any more
  const trusted = record.configurationItemStatus === 'ResourceDeleted' ? [] : (record.trustedAccounts ?? []);
  for (const t of trusted) {
    const slot = byAccount.get(t.accountId) ?? { account: { classification: t.classification, name: t.name, approved: t.approved }, entries: [] };
    slot.entries.push({
      arn: record.arn,
      resourceType: record.resourceType,
      awsAccountId: record.awsAccountId,
      awsRegion: record.awsRegion,
      policy: t.policy,
      via: t.via,
      ...grantReason(record.policyStatements, t.policy, t.accountId),
      capturedAt: record.configurationItemCaptureTime,
    });
    byAccount.set(t.accountId, slot);
  }
  return { arn: record.arn, capturedAt: record.configurationItemCaptureTime, byAccount };
}

/** Latest copy per resource within a batch. */
export function latestUpdates(updates: TrustUpdate[]): TrustUpdate[] {
  const byArn = new Map<string, TrustUpdate>();
  for (const u of updates) {
    const prev = byArn.get(u.arn);
    if (!prev || Date.parse(u.capturedAt) > Date.parse(prev.capturedAt)) byArn.set(u.arn, u);
  }
  return [...byArn.values()];
}

const compareEntries = (a: TrustingResource, b: TrustingResource) =>
  a.arn.localeCompare(b.arn) || a.policy.localeCompare(b.policy) || a.via.localeCompare(b.via);

/** Pure: apply resource updates to one external account's document; undefined when no resource trusts it any more. */
export function mergeTrustDocument(
  accountId: string,
  existing: TrustedAccountDocument | undefined,
  updates: TrustUpdate[],
): TrustedAccountDocument | undefined {
  const byArn = new Map<string, TrustingResource[]>();
  for (const r of existing?.resources ?? []) byArn.set(r.arn, [...(byArn.get(r.arn) ?? []), r]);
  let account = existing ? { classification: existing.classification, name: existing.name, approved: existing.approved } : undefined;
  for (const u of updates) {
    const current = byArn.get(u.arn);
    const currentAt = current?.length ? Math.max(...current.map((c) => Date.parse(c.capturedAt))) : -Infinity;
    if (Date.parse(u.capturedAt) < currentAt) continue; // an older copy never replaces a newer one
    const slot = u.byAccount.get(accountId);
    if (slot) {
      byArn.set(u.arn, slot.entries);
      account = slot.account;
    } else byArn.delete(u.arn);
  }
  const resources = [...byArn.values()].flat().sort(compareEntries);
  if (!resources.length || !account) return undefined;
  return {
    accountId,
    ...account,
    resourceCount: new Set(resources.map((r) => r.arn)).size,
    trustingAccountIds: [...new Set(resources.map((r) => r.awsAccountId))].sort(),
    resources,
    // deterministic: the newest capture among the listed resources, not the wall clock
    updatedAt: new Date(Math.max(...resources.map((r) => Date.parse(r.capturedAt)))).toISOString(),
  };
}

interface Stored {
  doc: TrustedAccountDocument;
  seqNo: number;
  primaryTerm: number;
}

/** Read-modify-write the documents of every account the batch's resources trust, or trusted before. */
export async function updateTrustedAccountDocuments(
  client: Client,
  prefix: string,
  records: ResourceRecord[],
  maxAttempts = 5,
): Promise<{ written: number; deleted: number }> {
  const index = indexNames(prefix).trustedAccounts;
  const updates = latestUpdates(records.map(trustUpdateOf));
  if (!updates.length) return { written: 0, deleted: 0 };
  const arns = updates.map((u) => u.arn);
  let accounts = new Set(updates.flatMap((u) => [...u.byAccount.keys()]));
  // accounts that trusted these resources before: they may have to drop them. Every write to this
  // small index goes through here, so a refresh makes all acknowledged writes visible to the search.
  await client.indices.refresh({ index });
  for (let i = 0; i < arns.length; i += 1000) {
    const res = await client.search({
      index,
      body: { size: 10_000, _source: false, query: { terms: { 'resources.arn': arns.slice(i, i + 1000) } } },
    });
    for (const hit of res.body.hits.hits as { _id: string }[]) accounts.add(hit._id);
  }
  let written = 0;
  let deleted = 0;
  for (let attempt = 1; accounts.size; attempt++) {
    const ids = [...accounts].sort();
    const stored = await mgetStored(client, index, ids);
    const body: object[] = [];
    for (const id of ids) {
      const prev = stored.get(id);
      const next = mergeTrustDocument(id, prev?.doc, updates);
      const cas = prev ? { if_seq_no: prev.seqNo, if_primary_term: prev.primaryTerm } : {};
      if (next) {
        if (prev && JSON.stringify(prev.doc) === JSON.stringify(next)) continue;
        body.push(prev ? { index: { _index: index, _id: documentId(id), ...cas } } : { create: { _index: index, _id: documentId(id) } }, next);
      } else if (prev) body.push({ delete: { _index: index, _id: documentId(id), ...cas } });
    }
    if (!body.length) break;
    const res = await client.bulk({ body });
    const conflicts = new Set<string>();
    for (const item of res.body.items as Record<string, { _id: string; status: number; error?: { type: string; reason: string } }>[]) {
      const [op, r] = Object.entries(item)[0]!;
      if (r.status === 409) conflicts.add(r._id);
      else if (r.status >= 300 && !(op === 'delete' && r.status === 404)) throw new Error(`trusted-accounts ${r._id}: ${r.status} ${r.error?.type}: ${r.error?.reason}`);
      else if (op === 'delete') deleted++;
      else written++;
    }
    if (conflicts.size && attempt >= maxAttempts) throw new Error(`trusted-accounts: still conflicting after ${attempt} attempts: ${[...conflicts].join(', ')}`);
    accounts = conflicts; // another processor wrote in between: merge again on its version
  }
  return { written, deleted };
}

async function mgetStored(client: Client, index: string, ids: string[]): Promise<Map<string, Stored>> {
  const out = new Map<string, Stored>();
  if (!ids.length) return out;
  const res = await client.mget({ index, body: { ids: ids.map(documentId) } });
  for (const d of res.body.docs as { _id: string; found?: boolean; _source?: TrustedAccountDocument; _seq_no?: number; _primary_term?: number }[]) {
    if (d.found && d._source) out.set(d._source.accountId, { doc: d._source, seqNo: d._seq_no!, primaryTerm: d._primary_term! });
  }
  return out;
}
