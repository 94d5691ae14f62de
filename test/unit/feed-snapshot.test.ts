// The daily snapshot's pure parts: the line shape, cutting into parts, and what counts as current.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SnapshotParts, isCurrent, snapshotLine, snapshotPartKey } from '../../feed/snapshot.js';
import { resourceDocument } from '../../opensearch/ops.js';
import { findingRecord, resourceRecord } from '../records.js';

describe('snapshot lines', () => {
  it('are the feed line of the stored document: bookkeeping removed, eventTime and snapshotAt added', () => {
    const r = resourceRecord();
    const line = snapshotLine({ ...resourceDocument(r), feedKey: 'feed/resource/x.ndjson.gz' }, '2026-11-29T00:30:00.000Z');
    expect(line).toEqual({ ...r, eventTime: r.configurationItemCaptureTime, snapshotAt: '2026-11-29T00:30:00.000Z' });
    expect(Object.keys(line)[0]).toBe('recordType');
  });
});

describe('snapshot parts', () => {
  const line = (i: number) => ({ recordType: 'finding', n: i, pad: 'x'.repeat(100) });

  it('cut at the line limit, numbered from 1, each with its gzip size and hash; nothing lost or doubled', () => {
    const cutter = new SnapshotParts('2026-11-29', 'finding', { maxLines: 3, maxBytes: 1e9 });
    const parts = [...Array(8).keys()].map((i) => cutter.add(line(i))).filter((p) => p !== undefined);
    parts.push(cutter.finish()!);
    expect(cutter.finish()).toBeUndefined();
    expect(parts.map((p) => [p.key, p.lines])).toEqual([
      [snapshotPartKey('2026-11-29', 'finding', 1), 3],
      [snapshotPartKey('2026-11-29', 'finding', 2), 3],
      [snapshotPartKey('2026-11-29', 'finding', 3), 2],
    ]);
    expect(parts[0]!.key).toBe('feed/snapshot/dt=2026-11-29/finding-00001.ndjson.gz');
    const all = parts.flatMap((p) => {
      expect(p.bytes).toBe(p.body.length);
      expect(p.sha256).toBe(createHash('sha256').update(p.body).digest('hex'));
      return gunzipSync(p.body).toString('utf8').trim().split('\n').map((l) => (JSON.parse(l) as { n: number }).n);
    });
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('cut at the byte limit too', () => {
    const cutter = new SnapshotParts('2026-11-29', 'resource', { maxLines: 1000, maxBytes: 250 });
    expect(cutter.add(line(0))).toBeUndefined();
    expect(cutter.add(line(1))?.lines).toBe(2);
  });
});

describe('what the snapshot counts as current', () => {
  const current = { accounts: new Set(['111111111111']), closedFindings: new Set(['f-closed']) };
  it('leaves out accounts that left and findings the scoring run closed', () => {
    expect(isCurrent('resource', resourceRecord({ awsAccountId: '111111111111' }), current)).toBe(true);
    expect(isCurrent('resource', resourceRecord({ awsAccountId: '222222222222' }), current)).toBe(false);
    expect(isCurrent('account', { accountId: '222222222222' }, current)).toBe(false);
    expect(isCurrent('finding', findingRecord({ findingId: 'f-open', accountId: '111111111111' }), current)).toBe(true);
    expect(isCurrent('finding', findingRecord({ findingId: 'f-closed', accountId: '111111111111' }), current)).toBe(false);
  });
  it('an empty account list is a failed discovery: nobody is left out for it', () => {
    expect(isCurrent('resource', resourceRecord({ awsAccountId: '222222222222' }), { accounts: new Set(), closedFindings: new Set() })).toBe(true);
  });
});
