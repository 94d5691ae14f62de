// Change detection: the content hash ignores key order and volatile fields and nothing else; the diff names
// exactly the paths that differ.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentHash, diffContent, VOLATILE_KEYS } from '../../core/content.js';
import { redactValue } from '../../core/secrets.js';

const base = {
  configuration: { Name: 'orders', Attributes: { Policy: '{"a":1}', ApproximateNumberOfMessages: '3' }, RoleLastUsed: { LastUsedDate: '2026-11-01' } },
  supplementaryConfiguration: { BucketPolicy: null },
  tags: { team: 'payments' },
};

describe('contentHash', () => {
  it('is the same for the same content whatever the key order', () => {
    const reordered = { tags: { team: 'payments' }, supplementaryConfiguration: { BucketPolicy: null }, configuration: { RoleLastUsed: { LastUsedDate: '2026-11-01' }, Attributes: { ApproximateNumberOfMessages: '3', Policy: '{"a":1}' }, Name: 'orders' } };
    expect(contentHash(reordered)).toBe(contentHash(base));
  });

  it('ignores volatile fields (last use, message counts) and nothing else', () => {
    const busy = { ...base, configuration: { ...base.configuration, Attributes: { ...base.configuration.Attributes, ApproximateNumberOfMessages: '9000' }, RoleLastUsed: { LastUsedDate: '2026-11-28' } } };
    expect(contentHash(busy)).toBe(contentHash(base));
    const changed = { ...base, configuration: { ...base.configuration, Attributes: { ...base.configuration.Attributes, Policy: '{"a":2}' } } };
    expect(contentHash(changed)).not.toBe(contentHash(base));
    expect(contentHash({ ...base, tags: { team: 'identity' } })).not.toBe(contentHash(base));
    expect(contentHash({ ...base, publicVerdict: 'public' })).not.toBe(contentHash(base));
    expect(contentHash({ ...base, configurationItemStatus: 'ResourceDeleted' })).not.toBe(contentHash(base));
  });

  it('changes with any non-volatile value (property)', () => {
    const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !VOLATILE_KEYS.has(k) && k !== '__proto__');
    fc.assert(
      fc.property(fc.dictionary(key, fc.jsonValue()), key, fc.jsonValue(), (config, k, v) => {
        const before = { configuration: config };
        const after = { configuration: { ...config, [k]: v } };
        const same = JSON.stringify(config[k]) === JSON.stringify(v) && k in config;
        // JSON drops undefined; a value that serializes the same is the same content
        if (same || (v === undefined && !(k in config))) return;
        expect(contentHash(after)).not.toBe(contentHash(before));
        expect(diffContent(before, after).length).toBeGreaterThan(0);
      }),
    );
  });
});

describe('diffContent', () => {
  it('names each changed path with its old and new value, and nothing for volatile fields', () => {
    const after = {
      ...base,
      configuration: { ...base.configuration, Attributes: { Policy: '{"a":2}', ApproximateNumberOfMessages: '1' }, KmsMasterKeyId: 'alias/x' },
      tags: {},
    };
    expect(diffContent(base, after)).toEqual([
      { op: 'replace', path: '/configuration/Attributes/Policy', before: '"{\\"a\\":1}"', after: '"{\\"a\\":2}"' },
      { op: 'add', path: '/configuration/KmsMasterKeyId', after: '"alias/x"' },
      { op: 'remove', path: '/tags/team', before: '"payments"' },
    ]);
  });

  it('is empty between equal contents, and lists the whole content for a new resource', () => {
    expect(diffContent(base, structuredClone(base))).toEqual([]);
    expect(diffContent(undefined, base).map((d) => d.op)).toEqual(expect.arrayContaining(['add']));
  });

  it('never carries a secret value: a field stored raw (before it was redacted) and now redacted shows as markers only', () => {
    const raw = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const marker = redactValue('STRIPE_KEY', raw, { salt: 's' });
    const legacy = { configuration: { Environment: { Variables: { STRIPE_KEY: raw, STAGE: 'prod' } } } };
    const now = { configuration: { Environment: { Variables: { STRIPE_KEY: marker, STAGE: 'prod' } } } };
    for (const diff of [diffContent(legacy, now), diffContent(now, legacy)]) {
      expect(diff).toHaveLength(1);
      expect(diff[0]!.path).toBe('/configuration/Environment/Variables/STRIPE_KEY');
      expect(JSON.stringify(diff)).not.toContain(raw);
      for (const side of [diff[0]!.before!, diff[0]!.after!]) expect(JSON.parse(side)).toMatchObject({ length: raw.length, looksSecret: expect.any(String) });
    }
    // two markers of different values: a change, shown by their hashes only
    const rotated = { configuration: { Environment: { Variables: { STRIPE_KEY: redactValue('STRIPE_KEY', `${raw}x`, { salt: 's' }), STAGE: 'prod' } } } };
    expect(diffContent(now, rotated).map((d) => d.path)).toEqual(['/configuration/Environment/Variables/STRIPE_KEY/hash', '/configuration/Environment/Variables/STRIPE_KEY/length']);
  });

  it('escapes JSON Pointer characters in keys', () => {
    expect(diffContent({ configuration: { 'a/b~c': 1 } }, { configuration: { 'a/b~c': 2 } })[0]!.path).toBe('/configuration/a~1b~0c');
  });
});
