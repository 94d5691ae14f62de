// The content hash is compared with hashes stored by earlier runs (change-only landing), so its text must never
// move: the one-pass canonical writer (core/content.ts) is pinned to the original definition,
// JSON.stringify of a sorted copy without volatile keys, over generated JSON and the awkward keys.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, contentOf, VOLATILE_KEYS, type ResourceContent } from '../../core/content.js';

/** The definition the hash was first written with: build the canonical copy, then serialize it. */
function reference(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reference);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (VOLATILE_KEYS.has(key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = reference(v);
    }
    return out;
  }
  return value;
}
const referenceHash = (r: ResourceContent) => createHash('sha256').update(JSON.stringify(reference(contentOf(r)))).digest('hex').slice(0, 32);

// keys that sort differently as strings and as a plain object's enumeration (index keys), volatile ones, __proto__
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('0', '1', '2', '10', '9', '01', '-1', '4294967294', '4294967295', '1e3', '__proto__', 'constructor', 'ItemCount', 'RoleLastUsed', 'StateReason', 'é', '\u0000'));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.double(), fc.integer(), fc.string(), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(key, tie('value'), { maxKeys: 6 })),
})).value;

describe('canonicalJson', () => {
  it('is exactly JSON.stringify of the sorted copy without volatile keys (property, over parsed JSON)', () => {
    fc.assert(
      fc.property(json, (v) => {
        // through JSON text, as records arrive: own __proto__ keys and the parser's key order
        const parsed: unknown = JSON.parse(JSON.stringify(v) ?? 'null');
        expect(canonicalJson(parsed)).toBe(JSON.stringify(reference(parsed)));
      }),
      { numRuns: 2000 },
    );
  });

  it('orders index keys as a plain object lists them, and leaves out __proto__, undefined and functions', () => {
    const v = JSON.parse('{"b":1,"10":2,"9":3,"01":4,"__proto__":{"x":1},"a":[1,null,{"z":1,"y":2}]}') as Record<string, unknown>;
    v.u = undefined;
    v.f = () => 1;
    expect(canonicalJson(v)).toBe(JSON.stringify(reference(v)));
    expect(canonicalJson(v)).toBe('{"9":3,"10":2,"01":4,"a":[1,null,{"y":2,"z":1}],"b":1}');
    expect(canonicalJson([undefined, () => 1])).toBe(JSON.stringify(reference([undefined, () => 1])));
  });

  it('gives the hash stored by earlier runs', () => {
    const record = { configuration: { Name: 'orders', RoleLastUsed: { LastUsedDate: '2026-11-01' }, Rules: [{ b: 2, a: 1 }] }, tags: { team: 'x' }, publicVerdict: 'public' };
    expect(contentHash(record)).toBe(referenceHash(record));
    expect(contentHash(record)).toBe('af240f6e0abf6764b861845ca93d9ea5');
    fc.assert(fc.property(json, json, (configuration, tags) => {
      const r = JSON.parse(JSON.stringify({ configuration, tags }) ?? '{}') as ResourceContent;
      expect(contentHash(r)).toBe(referenceHash(r));
    }), { numRuns: 500 });
  });
});
