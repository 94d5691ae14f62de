// Transient OpenSearch failures are retried after growing waits: a fake cluster answers 429 three times and the
// test measures the gaps between the attempts. Without the backoff the attempts come back to back and this fails.
import type { Client } from '@opensearch-project/opensearch';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bulkIndex, type IndexOp } from '../../opensearch/bulk.js';

afterEach(() => vi.restoreAllMocks());

function busyCluster(busyRounds: number): { client: Client; at: number[] } {
  const at: number[] = [];
  const client = {
    bulk: async ({ body }: { body: unknown[] }) => {
      at.push(performance.now());
      const status = at.length <= busyRounds ? 429 : 201;
      const items = Array.from({ length: body.length / 2 }, () => ({ index: { status, error: status === 429 ? { type: 'es_rejected_execution_exception', reason: 'busy' } : undefined } }));
      return { body: { items } };
    },
    indices: { refresh: async () => ({}) },
  } as unknown as Client;
  return { client, at };
}

const ops: IndexOp[] = [{ index: 'x-resources-s3', id: 'a', version: 1, doc: { a: 1 }, ref: 0 }];

describe('OpenSearch bulk retries', () => {
  it('waits longer after each transient failure (exponential backoff), then lands the documents', async () => {
    // the top of the jitter range, so the waits are their ceilings: 60, 120, 240 ms
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const { client, at } = busyCluster(3);
    const outcome = await bulkIndex(client, ops, { baseDelayMs: 60, maxDelayMs: 10_000, maxRounds: 5 });
    expect(outcome).toMatchObject({ indexed: 1, failed: [] });
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(55);
    expect(gaps[1]).toBeGreaterThanOrEqual(110);
    expect(gaps[2]).toBeGreaterThanOrEqual(225);
  });

  it('gives up after the last round and reports the documents failed, not lost', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { client, at } = busyCluster(10);
    const outcome = await bulkIndex(client, ops, { baseDelayMs: 1, maxRounds: 3 });
    expect(at).toHaveLength(3);
    expect(outcome.failed).toEqual([{ ref: 0, reason: expect.stringMatching(/^429 /) }]);
  });
});
