// Ingestion hardening, pure parts: time bounds and ID shapes of the record contract, the gzip inflation
// limit, the record-kind table and the retry delay.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIME_BOUNDS, identityOf, kindOf, recordKinds, timeViolations, versionOf } from '../../core/records.js';
import { parseRecord, type FindingRecord, type InventoryRunRecord, type ResourceRecord, type StreamRecord } from '../../core/schemas.js';
import { backoffWithJitter } from '../../core/util.js';
import { partitionKey } from '../../collectors/producer.js';
import { decodeRecord } from '../../processors/validate.js';
import { resourceRecord } from '../records.js';

const OWN = '111111111111';
const NOW = Date.parse('2026-11-24T12:00:00Z');
const bounds = { ...DEFAULT_TIME_BOUNDS, now: NOW };

const resource = (partial: Partial<ResourceRecord> = {}): ResourceRecord =>
  resourceRecord({ resourceType: 'AWS::DynamoDB::Table', resourceId: 'orders', arn: `arn:aws:dynamodb:us-east-1:${OWN}:table/orders`, resourceName: 'orders', awsAccountId: OWN, collector: 'dynamodb', ...partial });
const finding: FindingRecord = {
  recordType: 'finding', schemaVersion: '1.0', findingId: 'f-1', requirementId: 'CSS-S3-01', status: 'FAIL', severity: 'high', resourceType: 'AWS::S3::Bucket',
  resourceId: 'b', resourceArn: 'arn:aws:s3:::b', accountId: OWN, region: 'us-east-1', source: 'census', evidence: 'x', observedAt: '2026-11-24T09:00:00Z',
};
const run: InventoryRunRecord = {
  recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r1', accountId: OWN, region: 'us-east-1', collector: 'dynamodb', complete: true, resourceCount: 1,
  startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:01:00Z',
};

describe('time bounds', () => {
  it('refuses a capture time before 2006, a finding of year 1 and a time in the far future, naming the field', () => {
    expect(() => parseRecord(resource({ configurationItemCaptureTime: '1969-12-31T23:59:59Z' }), undefined, bounds)).toThrow(/configurationItemCaptureTime: .*before 2006-01-01/);
    expect(() => parseRecord({ ...finding, observedAt: '0001-01-01T00:00:00Z' }, undefined, bounds)).toThrow(/observedAt: .*before 2006/);
    expect(() => parseRecord(resource({ configurationItemCaptureTime: '2099-01-01T00:00:00Z' }), undefined, bounds)).toThrow(/in the future/);
    expect(() => parseRecord({ ...run, startedAt: '2005-12-31T23:59:59Z' }, undefined, bounds)).toThrow(/startedAt/);
    expect(() => parseRecord(resource({ resourceCreationTime: '1990-01-01T00:00:00Z' }), undefined, bounds)).toThrow(/resourceCreationTime/);
  });

  it('accepts the edges: 2006-01-01 and a clock skew within the allowance; the allowance is configurable', () => {
    expect(parseRecord(resource({ configurationItemCaptureTime: '2006-01-01T00:00:00Z' }), undefined, bounds)).toBeTruthy();
    const skewed = resource({ configurationItemCaptureTime: new Date(NOW + 30 * 60_000).toISOString() });
    expect(parseRecord(skewed, undefined, bounds)).toBeTruthy();
    expect(timeViolations(skewed, { ...bounds, futureAllowanceMs: 60_000 })).toEqual([expect.stringMatching(/^configurationItemCaptureTime: .*60 s in the future/)]);
  });

  it('every version inside the bounds is positive', () => {
    for (const r of [resource(), finding, run] as StreamRecord[]) expect(versionOf(r)).toBeGreaterThan(Date.parse('2006-01-01T00:00:00Z'));
  });

  it('the stream decoder dead-letters an out-of-bounds record with the reason', () => {
    const d = decodeRecord(Buffer.from(JSON.stringify(resource({ configurationItemCaptureTime: '1960-01-01T00:00:00Z' }))), { timeBounds: bounds });
    expect(d).toMatchObject({ ok: false, reason: expect.stringMatching(/schema: .*configurationItemCaptureTime.*before 2006/) });
  });
});

describe('ID shapes', () => {
  it('refuses ARNs that are not ARNs or too long, control characters in IDs, and bad regions', () => {
    expect(() => parseRecord(resource({ arn: 'orders' }))).toThrow(/arn: must be an ARN/);
    expect(() => parseRecord(resource({ arn: `arn:aws:s3:::${'x'.repeat(2100)}` }))).toThrow(/at most 2048/);
    expect(() => parseRecord(resource({ resourceId: 'a\u0000b' }))).toThrow(/resourceId: must not hold control characters/);
    expect(() => parseRecord(resource({ awsRegion: 'US EAST' }))).toThrow(/awsRegion/);
    expect(() => parseRecord({ ...finding, findingId: 'x'.repeat(513) })).toThrow(/findingId/);
    // ARNs without region or account (S3, Route 53) are ARNs
    expect(parseRecord(resource({ arn: 'arn:aws:route53:::hostedzone/Z1' }))).toBeTruthy();
  });
});

describe('gzip inflation limit', () => {
  it('a small payload that inflates past the limit is refused without inflating it whole', () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const d = decodeRecord(bomb);
    expect(d).toMatchObject({ ok: false, reason: expect.stringMatching(/inflates past the 8388608-byte limit/) });
    // a normal gzip record still decodes; a lower limit is honoured
    const json = gzipSync(Buffer.from(JSON.stringify(resource())));
    expect(decodeRecord(json)).toMatchObject({ ok: true });
    expect(decodeRecord(json, { maxInflatedBytes: 100 })).toMatchObject({ ok: false, reason: expect.stringMatching(/100-byte limit/) });
  });
});

describe('record-kind table', () => {
  it('names identity, version, partition key, account, index and feed kind for each kind in one place', () => {
    expect(identityOf(resource())).toBe(`arn:aws:dynamodb:us-east-1:${OWN}:table/orders`);
    expect(identityOf(finding)).toBe('f-1');
    expect(identityOf(run)).toBe(`r1|${OWN}|us-east-1|dynamodb`);
    expect(kindOf(resource()).index(resource(), { resourceFamily: (t: string) => `fam-${t}` } as never)).toBe('fam-AWS::DynamoDB::Table');
    expect(partitionKey(finding)).toBe('arn:aws:s3:::b');
    expect(Object.keys(recordKinds).sort()).toEqual(['account', 'collection-error', 'finding', 'inventory-run', 'pointer', 'resource']);
    expect(kindOf(finding).eventTime(finding)).toBe(finding.observedAt);
  });
});

describe('retry delay', () => {
  it('grows exponentially, is capped and jittered', () => {
    expect(backoffWithJitter(1, 100, 10_000, () => 0.999)).toBe(99);
    expect(backoffWithJitter(4, 100, 10_000, () => 0.999)).toBe(799);
    expect(backoffWithJitter(30, 100, 10_000, () => 0.999)).toBe(9990);
    expect(backoffWithJitter(4, 100, 10_000, () => 0)).toBe(0);
  });
});
