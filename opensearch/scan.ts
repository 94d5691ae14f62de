// Reading every document of a query in pages: `search_after` on a sort key unique per document, so a page
// boundary never skips or repeats a document and no scroll context is left open on the cluster.
import type { Client } from '@opensearch-project/opensearch';

/** The reason OpenSearch gave (its error type and reason), or the client's own error. */
export function describeSearchError(err: unknown): string {
  const e = err as { meta?: { body?: { error?: { type?: string; reason?: string } } }; name?: string; message?: string };
  const body = e.meta?.body?.error;
  return body?.type ? `${body.type}: ${body.reason ?? ''}` : `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export interface ScanOptions {
  index: string;
  query: Record<string, unknown>;
  /** a keyword field whose value is unique per document (arn, findingId, accountId) */
  uniqueSortField: string;
  pageSize?: number;
  /** the fields to read (default: the whole document) */
  source?: string[];
  /** read each document's version too (`_version`) */
  version?: boolean;
  /** what the error names when the read fails */
  what: string;
}

export interface ScanHit<T> {
  _source: T;
  /** present when the scan asked for versions */
  _version?: number;
}

/** Every matching hit, in `uniqueSortField` order; a missing index yields nothing. */
export async function* scanHits<T = Record<string, unknown>>(client: Client, opts: ScanOptions): AsyncGenerator<ScanHit<T>> {
  const size = opts.pageSize ?? 1000;
  let after: (string | number)[] | undefined;
  for (;;) {
    const res = await client
      .search({
        index: opts.index,
        ignore_unavailable: true,
        allow_no_indices: true,
        body: {
          size,
          query: opts.query,
          sort: [{ [opts.uniqueSortField]: 'asc' }],
          ...(opts.source ? { _source: opts.source } : {}),
          ...(opts.version ? { version: true } : {}),
          ...(after ? { search_after: after } : {}),
        } as never,
      })
      .catch((err: unknown) => {
        throw new Error(`OpenSearch ${opts.index}: cannot read ${opts.what}: ${describeSearchError(err)}`);
      });
    const hits = res.body.hits.hits as (ScanHit<T> & { sort: (string | number)[] })[];
    yield* hits;
    if (hits.length < size) return;
    after = hits.at(-1)!.sort;
  }
}

/** Every matching document's `_source`, in `uniqueSortField` order; a missing index yields nothing. */
export async function* scanDocuments<T = Record<string, unknown>>(client: Client, opts: ScanOptions): AsyncGenerator<T> {
  for await (const h of scanHits<T>(client, opts)) yield h._source;
}
