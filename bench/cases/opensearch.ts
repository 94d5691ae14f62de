// OpenSearch indexing: the processor's sink (bulk helper, external versioning, retries, outcome per
// document) against a plain `_bulk` of the same documents sent from pre-built NDJSON.
import type { Client } from '@opensearch-project/opensearch';
import type { ResourceRecord } from '../../core/schemas.js';
import { bulkIndex, type IndexOp } from '../../opensearch/bulk.js';
import { documentFor, documentId, indexFor, recordIdentity, recordVersion } from '../../opensearch/ops.js';
import { ensureIndexTemplates, ensureResourceIndex } from '../../opensearch/templates.js';
import { pair, type PairResult } from '../measure.js';

const CHUNK_BYTES = 5_000_000;

export async function opensearchCase(client: Client, url: string, resources: ResourceRecord[], prefix: string): Promise<PairResult> {
  let round = 0;
  const prepare = async (p: string) => {
    await ensureIndexTemplates(client, p);
    for (const type of new Set(resources.map((r) => r.resourceType))) await ensureResourceIndex(client, p, type);
  };
  const opsFor = (p: string): IndexOp[] =>
    resources.map((r, ref) => ({ index: indexFor(r, p), id: documentId(recordIdentity(r)), version: recordVersion(r), doc: documentFor(r), ref }));
  const ndjsonFor = (p: string): string[] => {
    const chunks: string[] = [];
    let current = '';
    for (const op of opsFor(p)) {
      current += `${JSON.stringify({ index: { _index: op.index, _id: op.id } })}\n${JSON.stringify(op.doc)}\n`;
      if (current.length >= CHUNK_BYTES) {
        chunks.push(current);
        current = '';
      }
    }
    return current ? [...chunks, current] : chunks;
  };
  const drop = (p: string) => client.indices.delete({ index: `${p}-*`, expand_wildcards: 'all' }).catch(() => undefined);
  try {
    return await pair(
      `OpenSearch indexing: ${resources.length.toLocaleString('en-US')} resource documents`,
      { items: resources.length, unit: 'docs' },
      {
        label: 'processor sink (bulk helper, versioned)',
        run: async () => {
          const p = `${prefix}-sink${round}`;
          await prepare(p);
          const ops = opsFor(p);
          const outcome = await bulkIndex(client, ops);
          if (outcome.indexed !== ops.length) throw new Error(`sink indexed ${outcome.indexed} of ${ops.length}`);
        },
      },
      {
        label: 'plain _bulk from pre-built NDJSON',
        run: async () => {
          const p = `${prefix}-raw${round++}`;
          await prepare(p);
          for (const body of ndjsonFor(p)) {
            const res = await fetch(`${url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
            const json = (await res.json()) as { errors: boolean };
            if (!res.ok || json.errors) throw new Error(`plain _bulk failed: HTTP ${res.status}`);
          }
        },
      },
    );
  } finally {
    await drop(prefix);
  }
}
