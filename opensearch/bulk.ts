// Bulk indexing with external versioning: `_id` from the record's identity, version from its event time,
// so late, older copies change nothing while a replay of the same copy (version_type external_gte) may
// correct its enrichment. Failures are told apart:
// - transient (429, 5xx, connection refused/reset, timeout): retried with exponential backoff and full jitter;
// - a request-level 400/413 (one bad document can make OpenSearch refuse the whole `_bulk`): the request is
//   split in halves until the offending documents stand alone, and only they are rejected;
// - a document refused for its content (item 400): rejected, for the dead-letter location;
// - anything else (403 index blocks, 404): the cluster's state, failed, delivered again later.
import type { Client } from '@opensearch-project/opensearch';
import { createHash } from 'node:crypto';
import { log } from '../platform/log.js';
import { backoffWithJitter, sleep } from '../core/util.js';

export interface IndexOp {
  index: string;
  id: string;
  /** epoch ms of the record's event time (positive: the record contract bounds every time) */
  version: number;
  doc: object;
  /** caller's handle (e.g. the batch item), returned with every outcome */
  ref: number;
}

export interface BulkOutcome {
  indexed: number;
  /** the cluster already held a newer version: nothing to do */
  alreadyNewer: number;
  /** the ops that met a version conflict (their refs): the stored copy is newer */
  conflicts: number[];
  /** rejected for content (400: mapping conflicts, bad values, a request-level 400 narrowed to this op): dead-letter, do not retry */
  rejected: { ref: number; reason: string }[];
  /** still failing after the retries (cluster down or overloaded), or refused by the cluster's state (write blocks): deliver again later */
  failed: { ref: number; reason: string }[];
  /** requests sent, including halves of split requests and retries */
  requests: number;
}

export interface BulkOptions {
  /** rounds of retries for transient failures before the ops are reported failed */
  maxRounds?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  flushBytes?: number;
  refresh?: boolean;
  /** `external_gte` (default): an equal version overwrites (a replay corrects enrichment); `external`: only a higher one */
  versionType?: 'external' | 'external_gte';
}

/** OpenSearch `_id` is limited to 512 bytes: long identities (some ARNs) are hashed. */
export function documentId(identity: string): string {
  return Buffer.byteLength(identity) <= 512 ? identity : `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}

/** 429 and 5xx: the cluster is busy or down, the request may succeed later. */
export const isTransientStatus = (status: number) => status === 429 || status >= 500;

function describeError(error: unknown): string {
  const e = error as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | null;
  if (!e) return 'unknown error';
  const cause = e.caused_by ? ` (${e.caused_by.type}: ${e.caused_by.reason})` : '';
  return `${e.type}: ${e.reason}${cause}`;
}

/** HTTP status of a thrown client error; undefined for connection errors and timeouts. */
function statusOf(err: unknown): number | undefined {
  const s = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
  return typeof s === 'number' && s > 0 ? s : undefined;
}

function requestReason(err: unknown): string {
  const body = (err as { meta?: { body?: { error?: unknown } } }).meta?.body;
  if (body && typeof body === 'object' && 'error' in body && body.error) {
    return typeof body.error === 'string' ? body.error : describeError(body.error);
  }
  return `${(err as Error).name}: ${(err as Error).message}`;
}

function chunks(ops: IndexOp[], flushBytes: number): IndexOp[][] {
  const out: IndexOp[][] = [];
  let current: IndexOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = JSON.stringify(op.doc).length + 200;
    if (current.length && bytes + size > flushBytes) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(op);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

interface Round {
  retry: { op: IndexOp; reason: string }[];
}

/** Send one request; on a request-level 400/413 split it until the offenders are alone. */
async function send(client: Client, ops: IndexOp[], versionType: string, outcome: BulkOutcome, round: Round): Promise<void> {
  const body = ops.flatMap((op) => [{ index: { _index: op.index, _id: op.id, version: op.version, version_type: versionType } }, op.doc]);
  let items: Record<string, { status: number; error?: unknown }>[];
  outcome.requests++;
  try {
    const res = await client.bulk({ body });
    items = (res.body as { items: Record<string, { status: number; error?: unknown }>[] }).items;
  } catch (err) {
    const status = statusOf(err);
    if (status === 400 || status === 413) {
      if (ops.length === 1) {
        outcome.rejected.push({ ref: ops[0]!.ref, reason: `${status} (whole request refused) ${requestReason(err)}` });
        return;
      }
      const half = Math.ceil(ops.length / 2);
      log.warn({ status, ops: ops.length, reason: requestReason(err) }, 'OpenSearch refused a whole bulk request: splitting it to find the offending documents');
      await send(client, ops.slice(0, half), versionType, outcome, round);
      await send(client, ops.slice(half), versionType, outcome, round);
      return;
    }
    // connection refused/reset, timeout, 429/5xx on the whole request: retry everything it carried
    const reason = `${status ?? 'no response'} ${requestReason(err)}`;
    if (status !== undefined && !isTransientStatus(status)) {
      for (const op of ops) outcome.failed.push({ ref: op.ref, reason });
    } else {
      for (const op of ops) round.retry.push({ op, reason });
    }
    return;
  }
  items.forEach((item, i) => {
    const op = ops[i]!;
    const r = item.index ?? Object.values(item)[0]!;
    if (r.status >= 200 && r.status < 300) outcome.indexed++;
    else if (r.status === 409) {
      outcome.alreadyNewer++;
      outcome.conflicts.push(op.ref);
    } else if (isTransientStatus(r.status)) round.retry.push({ op, reason: `${r.status} ${describeError(r.error)}` });
    // 400: the document itself (mapping, values); anything else (403 index blocks, 404) is the cluster's state
    else if (r.status === 400) outcome.rejected.push({ ref: op.ref, reason: `${r.status} ${describeError(r.error)}` });
    else outcome.failed.push({ ref: op.ref, reason: `${r.status} ${describeError(r.error)}` });
  });
}

export async function bulkIndex(client: Client, ops: IndexOp[], opts: BulkOptions = {}): Promise<BulkOutcome> {
  const { maxRounds = 5, baseDelayMs = 250, maxDelayMs = 10_000, flushBytes = 5_000_000, refresh = false, versionType = 'external_gte' } = opts;
  const outcome: BulkOutcome = { indexed: 0, alreadyNewer: 0, conflicts: [], rejected: [], failed: [], requests: 0 };
  let pending = ops;
  for (let round = 1; pending.length; round++) {
    const r: Round = { retry: [] };
    for (const chunk of chunks(pending, flushBytes)) await send(client, chunk, versionType, outcome, r);
    if (!r.retry.length) break;
    if (round >= maxRounds) {
      outcome.failed.push(...r.retry.map(({ op, reason }) => ({ ref: op.ref, reason })));
      break;
    }
    const wait = backoffWithJitter(round, baseDelayMs, maxDelayMs);
    log.warn({ round, retrying: r.retry.length, waitMs: wait, reason: r.retry[0]!.reason }, 'OpenSearch bulk: transient failure, retrying');
    await sleep(wait);
    pending = r.retry.map((x) => x.op);
  }
  if (refresh && ops.length) {
    // only the indexes written to: refreshing every index of the cluster is costly
    await client.indices.refresh({ index: [...new Set(ops.map((op) => op.index))].join(',') }).catch((err: Error) => {
      log.warn({ err: err.message }, 'OpenSearch refresh after bulk failed');
    });
  }
  return outcome;
}

/** Of the ops that met a version conflict, those whose stored copy is strictly newer (not a replay of the same copy). */
export async function supersededRefs(client: Client, ops: IndexOp[]): Promise<Set<number>> {
  const out = new Set<number>();
  if (!ops.length) return out;
  const res = await client.mget({ body: { docs: ops.map((op) => ({ _index: op.index, _id: op.id, _source: false })) } });
  (res.body.docs as { found?: boolean; _version?: number }[]).forEach((d, i) => {
    if (d.found && (d._version ?? 0) > ops[i]!.version) out.add(ops[i]!.ref);
  });
  return out;
}
