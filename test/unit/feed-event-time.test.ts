// One event time across the feed: every record line gets `eventTime` from its kind's own time field.
import { describe, expect, it } from 'vitest';
import type { CollectionErrorRecord, InventoryRunRecord, ScoreRecord } from '../../core/schemas.js';
import { withEventTime, withFeedEventTime } from '../../feed/event-time.js';
import { resourceToOcsf } from '../../feed/ocsf-inventory.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const run: InventoryRunRecord = {
  recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r1', accountId: f.ACCOUNT, region: 'eu-west-1', collector: 's3', complete: true, resourceCount: 3,
  startedAt: '2026-11-24T09:00:00.000Z', finishedAt: '2026-11-24T09:05:00.000Z',
};
const error: CollectionErrorRecord = {
  recordType: 'collection-error', schemaVersion: '1.0', accountId: f.ACCOUNT, region: null, collector: null, code: 'AccessDenied', message: 'no', observedAt: '2026-11-24T09:01:00.000Z',
};
const score: ScoreRecord = { recordType: 'score', schemaVersion: '1.0', scoreId: 's', scope: 'enterprise', score: 0.5, asOf: '2026-11-24', runAt: '2026-11-24T11:00:00.000Z' };

describe('eventTime', () => {
  it('comes from each kind\'s own field, which stays', () => {
    const bucket = f.bucket('b', {});
    expect(withEventTime(bucket)).toEqual({ ...bucket, eventTime: bucket.configurationItemCaptureTime });
    expect(withEventTime(run)).toMatchObject({ eventTime: run.finishedAt, startedAt: run.startedAt, finishedAt: run.finishedAt });
    expect(withEventTime(error)).toMatchObject({ eventTime: error.observedAt });
    expect(withEventTime(score)).toMatchObject({ eventTime: score.runAt, asOf: '2026-11-24' });
    // right after recordType, so a person reading a line sees it first
    expect(Object.keys(withEventTime(run)).slice(0, 2)).toEqual(['recordType', 'eventTime']);
  });

  it('a kind the record-kind table does not list yet still gets one, from its time field; none found, the line is kept as it is', () => {
    const change = { recordType: 'change', schemaVersion: '1.0', changeId: 'c', changedAt: '2026-11-24T09:30:00.000Z' };
    expect(withEventTime(change)).toEqual({ ...change, eventTime: change.changedAt });
    const odd = { recordType: 'mystery', schemaVersion: '1.0' };
    expect(withEventTime(odd)).toBe(odd);
  });

  it('leaves OCSF lines alone: they carry OCSF time', () => {
    const ocsf = resourceToOcsf(f.bucket('b', {}));
    expect(withEventTime(ocsf)).toBe(ocsf);
  });

  it('the feed sink wrapper adds it to every line it is given', async () => {
    const written: object[][] = [];
    const inner = { write: async (_k: string, records: object[], _w: string) => void written.push(records), bucket: 'kept' };
    const sink = withFeedEventTime(inner);
    await sink.write('inventory-run', [run, run], 'k');
    expect(written[0]!.map((r) => (r as { eventTime: string }).eventTime)).toEqual([run.finishedAt, run.finishedAt]);
    expect(sink.bucket).toBe('kept');
  });
});
