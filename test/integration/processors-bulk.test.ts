// Bulk indexing against the real OpenSearch: a document that makes OpenSearch refuse the whole `_bulk`
// (a negative external version) is isolated by splitting the request, and only it is rejected.
import { describe, expect, it } from 'vitest';
import { openSearchClient } from '../../platform/opensearch.js';
import { bulkIndex, type IndexOp } from '../../opensearch/bulk.js';
import { testIndexPrefix } from './processors-helpers.js';

const prefix = testIndexPrefix('p19bulk');
const os = openSearchClient();

describe('bulk indexing isolates request-level refusals', () => {
  it('a negative version among 20 good documents: the 20 land, the one is rejected with the reason', async () => {
    const index = `${prefix}-docs`;
    const ops: IndexOp[] = Array.from({ length: 21 }, (_, i) => ({ index, id: `d${i}`, version: i === 13 ? -5 : 1_700_000_000_000 + i, doc: { n: i }, ref: i }));
    const outcome = await bulkIndex(os, ops, { refresh: true });
    expect(outcome.rejected.map((r) => r.ref)).toEqual([13]);
    expect(outcome.rejected[0]!.reason).toMatch(/^400 \(whole request refused\).*version/i);
    expect(outcome.failed).toEqual([]);
    expect(outcome.indexed).toBe(20);
    // halving 21 ops to the one offender takes a handful of requests, not one per document
    expect(outcome.requests).toBeLessThanOrEqual(12);
    const count = await os.count({ index });
    expect(count.body.count).toBe(20);
  });

  it('a replay of the same version overwrites (external_gte); an older one is refused as already newer', async () => {
    const index = `${prefix}-gte`;
    await bulkIndex(os, [{ index, id: 'a', version: 2000, doc: { v: 'first' }, ref: 0 }]);
    const replay = await bulkIndex(os, [{ index, id: 'a', version: 2000, doc: { v: 'corrected' }, ref: 0 }]);
    expect(replay).toMatchObject({ indexed: 1, alreadyNewer: 0 });
    const older = await bulkIndex(os, [{ index, id: 'a', version: 1999, doc: { v: 'older' }, ref: 0 }]);
    expect(older).toMatchObject({ indexed: 0, alreadyNewer: 1, conflicts: [0] });
    const doc = await os.get({ index, id: 'a' });
    expect(doc.body._source).toEqual({ v: 'corrected' });
  });

  it('a cluster that cannot be reached is retried, then reported failed (not rejected)', async () => {
    const down = openSearchClient('http://127.0.0.1:1');
    const outcome = await bulkIndex(down, [{ index: `${prefix}-x`, id: 'a', version: 1, doc: {}, ref: 7 }], { maxRounds: 3, baseDelayMs: 10 });
    expect(outcome.rejected).toEqual([]);
    expect(outcome.failed).toEqual([{ ref: 7, reason: expect.stringMatching(/no response/) }]);
    expect(outcome.requests).toBe(3);
  });
});
