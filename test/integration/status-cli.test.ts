// `census status` against the real OpenSearch: documents as the processors and the scoring job index them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/census.js';
import { indexNames } from '../../core/indexes.js';
import { ensureIndexTemplates } from '../../opensearch/templates.js';
import { RUN_MAPPING } from '../../opensearch/store.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { accountRecord, collectionErrorRecord, inventoryRunRecord } from '../records.js';
import { testIndexPrefix } from './processors-helpers.js';
import type { ScoreRecord } from '../../core/schemas.js';

const os = openSearchClient();

function score(over: Partial<ScoreRecord>): ScoreRecord {
  return { recordType: 'score', schemaVersion: '1.0', scoreId: `s-${Math.random()}`, scope: 'enterprise', score: 0.5, asOf: '2026-11-24', runAt: '2026-11-24T10:00:00.000Z', ...over } as ScoreRecord;
}

describe('census status from OpenSearch', () => {
  const prefix = testIndexPrefix('status');

  it('reports the last run, coverage, errors, freshness, scores and unknown trust from the indexes', async () => {
    const names = indexNames(prefix);
    await ensureIndexTemplates(os, prefix);
    await os.indices.create({ index: names.inventoryRuns, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: RUN_MAPPING } as never }, { ignore: [400] });
    const A = '111111111111';
    const B = '222222222222';
    const docs: [string, object][] = [
      [names.inventoryRuns, inventoryRunRecord({ runId: 'run-old', accountId: A, startedAt: '2026-11-23T09:00:00Z', finishedAt: '2026-11-23T09:05:00Z' })],
      [names.inventoryRuns, inventoryRunRecord({ runId: 'run-new', accountId: A, startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:10:00Z' })],
      [names.accounts, accountRecord({ accountId: A, name: 'prod', owner: 'alice' })],
      [names.accounts, accountRecord({ accountId: B, name: 'dev', owner: 'bob' })],
      [names.collectionErrors, collectionErrorRecord({ accountId: B, runId: 'run-new', code: 'AccessDenied' })],
      [names.collectionErrors, collectionErrorRecord({ accountId: B, runId: 'run-old', code: 'Throttling' })],
      [names.scores, score({ scope: 'enterprise', score: 0.6, runAt: '2026-11-23T10:00:00.000Z', asOf: '2026-11-23' })],
      [names.scores, score({ scope: 'enterprise', score: 0.7, runAt: '2026-11-24T10:00:00.000Z' })],
      [names.scores, score({ scope: 'account', accountId: A, accountName: 'prod', owner: 'alice', score: 0.9, runAt: '2026-11-24T10:00:00.000Z' })],
      [names.scores, score({ scope: 'account', accountId: B, accountName: 'dev', owner: 'bob', score: 0.2, runAt: '2026-11-24T10:00:00.000Z' })],
      [names.trustedAccounts, { accountId: '555555555555', classification: 'unknown', name: null, approved: null, resourceCount: 3, trustingAccountIds: [A], resources: [], updatedAt: '2026-11-24T09:00:00Z' }],
      [names.trustedAccounts, { accountId: '464622532012', classification: 'known', name: 'Datadog', approved: null, resourceCount: 1, trustingAccountIds: [A], resources: [], updatedAt: '2026-11-24T09:00:00Z' }],
    ];
    const bulk = await os.bulk({ refresh: true, body: docs.flatMap(([index, doc]) => [{ index: { _index: index } }, doc]) as never });
    expect(bulk.body.errors, JSON.stringify(bulk.body.items.filter((i: { index?: { error?: unknown } }) => i.index?.error).slice(0, 2))).toBe(false);

    const config = join(mkdtempSync(join(tmpdir(), 'status-')), 'census.yaml');
    writeFileSync(config, `indexPrefix: ${prefix}\nopensearchUrl: http://127.0.0.1:9250\n`);
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
    const code = await main(['node', 'census', '--config', config, 'status', '--as-of', '2026-11-24T12:00:00Z', '--output', 'json']);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.runs.map((r: { runId: string }) => r.runId)).toEqual(['run-new', 'run-old']);
    expect(report.accounts).toEqual({ discovered: 2, active: 2, inventoried: 1, notInventoried: [B] });
    expect(report.collectionErrors).toEqual([{ accountId: B, errors: 1, codes: { AccessDenied: 1 } }]);
    expect(report.freshness).toEqual([
      { accountId: B, name: 'dev', lastInventoriedAt: null, ageHours: null },
      { accountId: A, name: 'prod', lastInventoriedAt: expect.stringMatching(/^2026-11-24T09:10:00/), ageHours: 2.8 },
    ]);
    expect(report.enterprise).toMatchObject({ score: 0.7, previous: 0.6 });
    expect(report.enterprise.change).toBeCloseTo(0.1);
    expect(report.worstAccounts.map((w: { accountId: string; owner: string }) => [w.accountId, w.owner])).toEqual([[B, 'bob'], [A, 'alice']]);
    expect(report.unknownTrustedAccounts).toEqual([{ accountId: '555555555555', resources: 3 }]);
  });

  it('reports an error as current while the latest run lists it, stored once, and not after it stops', async () => {
    const p = testIndexPrefix('status-errors');
    const names = indexNames(p);
    await ensureIndexTemplates(os, p);
    await os.indices.create({ index: names.inventoryRuns, body: { settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: RUN_MAPPING } as never }, { ignore: [400] });
    const A = '111111111111';
    // the error was stored once, by the run that first met it; both later runs met it again
    const kms = { region: 'eu-west-1', collector: 'kms', code: 'AccessDenied' };
    const scopes = [{ collector: 'kms', region: 'eu-west-1', complete: false, resourceCount: 0 }, { collector: 'sqs', region: 'eu-west-1', complete: true, resourceCount: 4 }];
    const runAt = (runId: string, day: string, errors: (typeof kms)[]) => inventoryRunRecord({ runId, accountId: A, complete: errors.length === 0, scopes: errors.length ? scopes : scopes.map((s) => ({ ...s, complete: true })), seen: ['0123456789abcdef'], errors, startedAt: `${day}T09:00:00Z`, finishedAt: `${day}T09:10:00Z` });
    const status = async () => {
      const config = join(mkdtempSync(join(tmpdir(), 'status-')), 'census.yaml');
      writeFileSync(config, `indexPrefix: ${p}\nopensearchUrl: http://127.0.0.1:9250\n`);
      let stdout = '';
      vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
      const code = await main(['node', 'census', '--config', config, 'status', '--as-of', '2026-11-26T12:00:00Z', '--output', 'json']);
      vi.restoreAllMocks();
      expect(code).toBe(0);
      return JSON.parse(stdout);
    };
    const put = async (docs: [string, object][]) => {
      const bulk = await os.bulk({ refresh: true, body: docs.flatMap(([index, doc]) => [{ index: { _index: index } }, doc]) as never });
      expect(bulk.body.errors).toBe(false);
    };
    await put([
      [names.accounts, accountRecord({ accountId: A, name: 'prod', owner: 'alice' })],
      [names.collectionErrors, collectionErrorRecord({ accountId: A, ...kms, runId: 'run-1', observedAt: '2026-11-24T09:01:00Z' })],
      [names.inventoryRuns, runAt('run-1', '2026-11-24', [kms])],
      [names.inventoryRuns, runAt('run-2', '2026-11-25', [kms])],
    ]);
    const still = await status();
    expect(still.runs[0]).toMatchObject({ runId: 'run-2', accounts: 1, complete: 1, incomplete: 1 });
    expect(still.collectionErrors).toEqual([{ accountId: A, errors: 1, codes: { AccessDenied: 1 } }]);
    // the account counts as inventoried although one scope failed
    expect(still.freshness).toEqual([{ accountId: A, name: 'prod', lastInventoriedAt: expect.stringMatching(/^2026-11-25T09:10:00/), ageHours: 26.8 }]);
    // the error stops happening: the newest run lists none, and the stored error is no longer current
    await put([[names.inventoryRuns, runAt('run-3', '2026-11-26', [])]]);
    expect((await status()).collectionErrors).toEqual([]);
  });
});
