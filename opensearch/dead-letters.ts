// Dead letters made searchable: the S3 dead letter keeps the original bytes, the index keeps where and
// why (stage, reason, stream position), so the collection-health dashboard can count and list them.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../core/indexes.js';
import type { DeadLetterDocument } from './documents.js';
import { bulkIndex, documentId, type IndexOp } from './bulk.js';

/** What the processors know of a dead letter once it is stored in S3. */
export interface StoredDeadLetter {
  stage: string;
  reason: string;
  record?: string;
  shardId: string;
  sequenceNumber: string;
  arrivalTime: string;
  key: string;
}

/**
 * Quoted fragments of a reason are the record's own bytes (`Unexpected token 'x', "{"pass..." is not valid
 * JSON`): dropped, so no value of the record reaches the index; the S3 dead letter has them.
 */
export function redactReason(reason: string): string {
  // quotes nest inside such fragments (`"{"a":"b"..."`): everything from the first to the last quote goes
  const first = reason.indexOf('"');
  const last = reason.lastIndexOf('"');
  const out = first !== -1 && last > first ? `${reason.slice(0, first)}"…"${reason.slice(last + 1)}` : reason;
  return out.replace(/'[^']{4,}'/g, "'…'").slice(0, 1000);
}

export function deadLetterDocument(d: StoredDeadLetter, at: Date): DeadLetterDocument {
  return {
    stage: d.stage,
    reason: redactReason(d.reason),
    ...(d.record ? { record: d.record } : {}),
    shardId: d.shardId,
    sequenceNumber: d.sequenceNumber,
    arrivalTime: d.arrivalTime,
    deadLetteredAt: at.toISOString(),
    key: d.key,
  };
}

/** Index dead letters by their S3 key (a redelivered dead letter overwrites its document). */
export async function indexDeadLetters(client: Client, prefix: string, letters: StoredDeadLetter[], opts: { at?: Date; refresh?: boolean } = {}): Promise<{ indexed: number; failed: number }> {
  if (!letters.length) return { indexed: 0, failed: 0 };
  const at = opts.at ?? new Date();
  const ops: IndexOp[] = letters.map((d, ref) => ({
    index: indexNames(prefix).deadLetters,
    id: documentId(d.key),
    version: Date.parse(d.arrivalTime),
    doc: deadLetterDocument(d, at),
    ref,
  }));
  const outcome = await bulkIndex(client, ops, { refresh: opts.refresh });
  return { indexed: outcome.indexed, failed: outcome.failed.length + outcome.rejected.length };
}
