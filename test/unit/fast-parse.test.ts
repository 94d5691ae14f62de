// The compiled fast path of the record contract (core/fast-parse.ts) may only ever accept what zod accepts, and
// then give exactly zod's output (key order too: it is what lands); whatever zod refuses it declines, so the
// refusal and its message (the dead letter's reason) stay zod's. Checked over the bench's and the tests' records,
// the bad-input corpus, and generated mutations of valid records.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileFastParser, FAST_PARSE_DECLINED } from '../../core/fast-parse.js';
import { parseRecord, parseWith, SchemaError, StreamRecord } from '../../core/schemas.js';
import { repoRoot } from '../../platform/local-stack.js';
import { decodeRecord } from '../../processors/validate.js';
import { benchAccounts, benchFindings, benchResources } from '../../bench/data.js';
import { collectionErrorRecord, findingRecord, inventoryRunRecord, resourceRecord } from '../records.js';

const fast = compileFastParser(StreamRecord);
const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const accounts = benchAccounts(12);
const valid: unknown[] = [
  ...accounts,
  ...benchResources(60, accounts),
  ...benchFindings(20, accounts, ['CSS-S3-01', 'CSS-IAM-06']),
  resourceRecord(),
  resourceRecord({ runId: 'run-1', contentHash: 'abc', public: true, publicVerdict: 'public', publicReason: 'x', trustedAccounts: [], policyStatements: [], trigger: { eventName: 'PutBucketPolicy' } }),
  findingRecord(),
  findingRecord({ exception: { exceptionId: 'e', reason: 'r', approvedBy: 'a', expiresAt: '2026-12-01', active: true }, resolved: { reason: 'resource-deleted', at: '2026-11-24T00:00:00Z' } }),
  inventoryRunRecord(),
  inventoryRunRecord({ seen: ['0123456789abcdef'] }),
  collectionErrorRecord(),
  { recordType: 'pointer', schemaVersion: '1.0', bucket: 'feed-bucket', key: 'k/1.json', bytes: 10, sha256: 'a'.repeat(64), pointsTo: 'resource' },
].map(viaJson);

/** zod's verdict on a value: its output, or its refusal message. */
function zodSays(value: unknown): { ok: true; out: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, out: parseWith(StreamRecord, value) };
  } catch (err) {
    if (!(err instanceof SchemaError)) throw err;
    return { ok: false, message: err.message };
  }
}

/** The one rule: the fast path accepts only what zod accepts, with zod's output text and value. */
function agrees(value: unknown): 'accepted' | 'declined' {
  const got = fast(value);
  const want = zodSays(value);
  if (got === FAST_PARSE_DECLINED) return 'declined';
  expect(want.ok, `fast path accepted what zod refuses: ${want.ok ? '' : want.message}`).toBe(true);
  if (want.ok) {
    expect(JSON.stringify(got)).toBe(JSON.stringify(want.out));
    expect(got).toEqual(want.out);
  }
  return 'accepted';
}

describe('the compiled fast path of the record contract', () => {
  it('accepts every valid record of each kind with exactly zod output (it is compiled, not declining everything)', () => {
    for (const v of valid) expect(agrees(v), JSON.stringify(v).slice(0, 200)).toBe('accepted');
  });

  it('declines every record of the bad-input corpus that zod refuses, and decodeRecord keeps zod reasons', () => {
    const dir = join(repoRoot, 'test/fixtures/bad-input/stream');
    let refused = 0;
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      let value: unknown;
      try {
        value = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      } catch {
        continue;
      }
      const want = zodSays(value);
      if (!want.ok) refused++;
      expect(agrees(value)).toBe(want.ok ? 'accepted' : 'declined');
    }
    expect(refused).toBeGreaterThan(2);
    const bad = decodeRecord(Buffer.from(JSON.stringify({ ...(valid[12] as object), awsAccountId: '12345' })));
    expect(bad).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: resource .*awsAccountId: must be a 12-digit AWS account ID$/) });
  });

  const interesting = fc.constantFrom<unknown>(
    null, '', 'x', 0, -1, 1.5, 2 ** 60, true, false, [], {}, [{}], { a: 1 }, 'OK', 'ResourceDeleted', '1.0', '1.1', 'resource', 'finding',
    '2026-11-24T00:00:00.000Z', '2026-11-24T00:00:00', '2026-11-24', '2026-13-01', '123456789012', '12345678901a', 'arn:aws:s3:::b', 'arn:aws:s3:::b\u0001',
    'AWS::S3::Bucket', 'AWS::S3', 'us-east-1', 'US-EAST-1', 'global', 'a'.repeat(2049), 'a\u0007b', 'public', 'PASS', 'high', 'o'.repeat(65), '0123456789abcdef',
    { exceptionId: 'e', reason: 'r', approvedBy: 'a', expiresAt: '2026-12-01', active: true }, { accountId: '111111111111', classification: 'org', name: null, policy: 'p', via: 'principal' },
    { call: 'c', code: 'x', message: 'm' }, { eventName: 'E' }, JSON.parse('{"__proto__":{"x":1},"k":"v"}'),
  );
  const mutation = fc.record({
    base: fc.nat({ max: valid.length - 1 }),
    edits: fc.array(
      fc.tuple(fc.oneof(fc.constantFrom('recordType', 'schemaVersion', 'resourceType', 'resourceId', 'arn', 'resourceName', 'awsAccountId', 'awsRegion', 'configuration', 'supplementaryConfiguration', 'tags', 'resourceCreationTime', 'configurationItemCaptureTime', 'configurationItemStatus', 'collector', 'runId', 'errors', 'account', 'trustedAccounts', 'public', 'publicVerdict', 'policyStatements', 'contentHash', 'trigger', 'findingId', 'requirementId', 'status', 'severity', 'accountId', 'region', 'exception', 'resolved', 'observedAt', 'seen', 'complete', 'resourceCount', 'bytes', 'sha256', 'unknownKey', '__proto__'), fc.string({ maxLength: 4 })), fc.option(interesting, { nil: undefined }), fc.constantFrom('top', 'account', 'tags', 'errors0', 'trust0')),
      { minLength: 1, maxLength: 4 },
    ),
  });

  it('agrees with zod on generated mutations of valid records (property)', () => {
    let accepted = 0;
    let declined = 0;
    fc.assert(
      fc.property(mutation, ({ base, edits }) => {
        const v = viaJson(valid[base]) as Record<string, unknown>;
        for (const [key, value, where] of edits) {
          const target = (where === 'account' ? v.account : where === 'tags' ? v.tags : where === 'errors0' ? (v.errors as unknown[] | undefined)?.[0] : where === 'trust0' ? (v.trustedAccounts as unknown[] | undefined)?.[0] : v) as Record<string, unknown> | undefined;
          if (!target || typeof target !== 'object') continue;
          if (value === undefined) delete target[key];
          // a copy: the generator's constants are shared between runs, and an edit into a placed constant would
          // otherwise change (or make a cycle in) the constant itself
          else Object.defineProperty(target, key, { value: value !== null && typeof value === 'object' ? viaJson(value) : value, enumerable: true, configurable: true, writable: true });
        }
        // through JSON, as the stream delivers it
        if (agrees(viaJson(v)) === 'accepted') accepted++;
        else declined++;
      }),
      { numRuns: 3000 },
    );
    // both sides of the rule were exercised
    expect(accepted).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it('agrees with zod on arbitrary JSON (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => void agrees(viaJson(v))), { numRuns: 1000 });
  });

  it('parseRecord refuses with the same message as before (zod decides every refusal)', () => {
    for (const v of [{ ...(valid[12] as object), arn: 'nope' }, { ...(valid[12] as object), tags: { a: 1 } }, { recordType: 'banana' }, [], 'x']) {
      const want = zodSays(v);
      expect(want.ok).toBe(false);
      expect(() => parseRecord(v)).toThrow(want.ok ? '' : want.message);
    }
  });

  it('declines every value of a schema it cannot compile', () => {
    const unsupported = compileFastParser(z.object({ a: z.string().transform((s) => s.length) }));
    expect(unsupported({ a: 'x' })).toBe(FAST_PARSE_DECLINED);
  });
});
