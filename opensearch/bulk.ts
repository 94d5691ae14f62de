// Bulk indexing with external versioning: `_id` from the record's identity, version from its capture
// time, so replays and late, older copies change nothing. 429 and 5xx are retried with backoff; a
// document the cluster rejects for its content is reported for the dead-letter location.
import type { Client } from '@opensearch-project/opensearch';
import { createHash } from 'node:crypto';
import { log } from '../platform/log.js';
import { sleep } from '../core/util.js';

export interface IndexOp {
  index: string;
  id: string;
  /** epoch ms of the record's capture/observation time */
  version: number;
  doc: object;
  /** caller's handle (e.g. the batch item), returned with every outcome */
  ref: number;
}

export interface BulkOutcome {
  indexed: number;
  /** the cluster already held this or a newer version: nothing to do */
  alreadyNewer: number;
  /** the ops that met a version conflict (their refs): the stored copy is the same or newer */
  conflicts: number[];
  /** rejected for content (400: mapping conflicts, bad values): dead-letter, do not retry */
  rejected: { ref: number; reason: string }[];
  /** still failing after the retries (cluster down or overloaded), or refused by the cluster's state (write blocks): deliver again later */
  failed: { ref: number; reason: string }[];
}

export interface BulkOptions {
  maxRounds?: number;
  baseDelayMs?: number;
  flushBytes?: number;
  refresh?: boolean;
}

/** OpenSearch `_id` is limited to 512 bytes: long identities (some ARNs) are hashed. */
export function documentId(identity: string): string {
  return Buffer.byteLength(identity) <= 512 ? identity : `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}

const isTransientStatus = (status: number) => status === 429 || status >= 500;

function describeError(error: unknown): string {
  const e = error as { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | null;
  if (!e) return 'unknown error';
  const cause = e.caused_by ? ` (${e.caused_by.type}: ${e.caused_by.reason})` : '';
  return `${e.type}: ${e.reason}${cause}`;
}

export async function bulkIndex(client: Client, ops: IndexOp[], opts: BulkOptions = {}): Promise<BulkOutcome> {
  const { maxRounds = 5, baseDelayMs = 250, flushBytes = 5_000_000, refresh = false } = opts;
  const outcome: BulkOutcome = { indexed: 0, alreadyNewer: 0, conflicts: [], rejected: [], failed: [] };
  let pending = ops;
  for (let round = 1; pending.length; round++) {
    const byKey = new Map(pending.map((op) => [`${op.index}|${op.id}|${op.version}`, op]));
    const retry: { op: IndexOp; reason: string }[] = [];
    try {
      const stats = await client.helpers.bulk<IndexOp>({
        datasource: pending,
        onDocument: (op) => [{ index: { _index: op.index, _id: op.id, version: op.version, version_type: 'external' } }, op.doc],
        flushBytes,
        concurrency: 2,
        retries: 2,
        wait: baseDelayMs,
        // only the indexes written to: `true` would refresh every index of the cluster
        refreshOnCompletion: refresh ? [...new Set(pending.map((op) => op.index))].join(',') : false,
        onDrop: (drop) => {
          const meta = (drop.operation as { index: { _index: string; _id: string; version: number } }).index;
          // the response names the concrete index behind an alias: match on id and version within this round
          const op =
            byKey.get(`${meta._index}|${meta._id}|${meta.version}`) ??
            pending.find((o) => o.id === meta._id && o.version === meta.version);
          if (!op) return;
          const reason = describeError(drop.error);
          if (drop.status === 409) {
            outcome.alreadyNewer++;
            outcome.conflicts.push(op.ref);
          }
          else if (isTransientStatus(drop.status)) retry.push({ op, reason: `${drop.status} ${reason}` });
          // 400: the document itself (mapping, values); anything else (403 index blocks, 404) is the cluster's state
          else if (drop.status === 400) outcome.rejected.push({ ref: op.ref, reason: `${drop.status} ${reason}` });
          else outcome.failed.push({ ref: op.ref, reason: `${drop.status} ${reason}` });
        },
      });
      outcome.indexed += stats.successful;
    } catch (err) {
      // the request itself failed (connection refused, timeout, 5xx on the whole bulk): retry everything pending
      const reason = `${(err as Error).name}: ${(err as Error).message}`;
      retry.splice(0, retry.length, ...pending.map((op) => ({ op, reason })));
    }
    if (!retry.length) break;
    if (round >= maxRounds) {
      outcome.failed.push(...retry.map(({ op, reason }) => ({ ref: op.ref, reason })));
      break;
    }
    log.warn({ round, retrying: retry.length, reason: retry[0]!.reason }, 'OpenSearch bulk: retrying');
    await sleep(baseDelayMs * 2 ** (round - 1));
    pending = retry.map((r) => r.op);
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
