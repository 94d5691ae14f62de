// Policy verdicts are cached by policy text (policy/trust.ts): a verdict read from the cache equals the one the
// engine gives afresh, for any sequence of policies with repeats, and the cache stays bounded however many
// distinct policies a long-lived processor sees.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../core/bounded-cache.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { policyTextCache, withTrust } from '../../policy/trust.js';
import { policyArb, VENDOR } from '../fixtures/policy/generate.js';
import { POLICY_RECORDS } from '../fixtures/policy/records.js';

const ctx = { orgAccounts: new Map([['222233334444', { name: 'shared' }]]), register: new Map([[VENDOR, { accountId: VENDOR, name: 'Datadog', approved: true, note: null, source: 'test' }]]) };
const types = ['AWS::IAM::Role', 'AWS::S3::Bucket', 'AWS::SQS::Queue'] as const;
const build = (type: (typeof types)[number], i: number, statements: unknown): ResourceRecord => POLICY_RECORDS[type]!(`r${i}`, statements as never);

describe('the policy text cache', () => {
  it('gives the verdict, statements and trusted accounts the engine gives afresh (property, with repeated policies)', () => {
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...types)), { minLength: 1, maxLength: 12 }),
        (policies, picks) => {
          const sequence = picks.map(([n, type], i) => ({ type, i, statements: policies[n % policies.length]!.Statement }));
          // fresh: an empty cache before each record (and new record objects, so no per-record memo applies)
          const fresh = sequence.map((s) => {
            policyTextCache.clear();
            return withTrust(build(s.type, s.i, s.statements), ctx);
          });
          policyTextCache.clear();
          const cached = sequence.map((s) => withTrust(build(s.type, s.i, s.statements), ctx));
          expect(cached).toEqual(fresh);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tells apart texts that differ in one character (the whole text is the key)', () => {
    policyTextCache.clear();
    const trusting = (who: string, i: number) => build('AWS::IAM::Role', i, [{ Effect: 'Allow', Principal: { AWS: who }, Action: 'sts:AssumeRole' }]);
    const seen = ['555566667777', '464622532012', '555566667777', '*', '?'].map((who, i) => withTrust(trusting(who, i), ctx));
    expect(seen.map((r) => [r.publicVerdict, r.trustedAccounts?.map((t) => `${t.accountId} ${t.classification}`)])).toEqual([
      ['account-restricted', ['555566667777 unknown']],
      ['account-restricted', ['464622532012 known']],
      ['account-restricted', ['555566667777 unknown']],
      ['public', []],
      [seen[4]!.publicVerdict, []],
    ]);
    expect(seen[4]!.publicVerdict).not.toBe('public');
  });

  it('stays within its entry and character bounds', () => {
    policyTextCache.clear();
    for (let i = 0; i < 6000; i++) {
      const statements = [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${String(100000000000 + i)}:root` }, Action: 'sts:AssumeRole' }];
      withTrust(build('AWS::IAM::Role', i, statements), ctx);
    }
    expect(policyTextCache.size).toBeGreaterThan(0);
    expect(policyTextCache.size).toBeLessThanOrEqual(4096);
    expect(policyTextCache.weight).toBeLessThanOrEqual(4_000_000);
  });
});

describe('BoundedCache', () => {
  it('evicts the oldest entries past its entry and weight bounds and never keeps an entry heavier than the bound', () => {
    const c = new BoundedCache<string, number>({ maxEntries: 3, maxWeight: 10, weight: (k) => k.length });
    for (const k of ['a', 'b', 'c', 'd']) c.set(k, k.charCodeAt(0));
    expect([c.get('a'), c.get('b'), c.get('d'), c.size]).toEqual([undefined, 98, 100, 3]);
    c.set('eeeeeeee', 1); // weight 8: b, c and d (3) + 8 > 10, so the oldest goes until it fits
    expect([c.get('b'), c.get('c'), c.get('d'), c.get('eeeeeeee'), c.weight]).toEqual([undefined, 99, 100, 1, 10]);
    c.set('d', 4);
    c.set('dddddddddddd', 5);
    c.set('dddddddddddd', 6);
    expect([c.get('d'), c.get('dddddddddddd')]).toEqual([4, undefined]);
    c.set('x'.repeat(11), 2);
    expect([c.get('x'.repeat(11)), c.weight, c.size]).toEqual([undefined, 10, 3]);
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 }), (keys) => {
        const b = new BoundedCache<string, string>({ maxEntries: 5, maxWeight: 12, weight: (k) => k.length });
        for (const [i, k] of keys.entries()) {
          b.set(k, `${k}#${i}`);
          expect(b.size).toBeLessThanOrEqual(5);
          expect(b.weight).toBeLessThanOrEqual(12);
          // the value just set is the one read back (an entry too heavy on its own is not there at all)
          expect(b.get(k)).toBe(k.length <= 12 ? `${k}#${i}` : undefined);
        }
      }),
    );
  });
});
