// A custom rule's path is read without jmespath when it is a plain dotted path (standard/condition.ts pathReader);
// what it reads must be exactly what jmespath.search reads, for any record shape.
import fc from 'fast-check';
import jmespathModule from 'jmespath';
import { describe, expect, it } from 'vitest';
import { pathReader } from '../../standard/condition.js';
import { loadCatalog } from '../../standard/index.js';

const jmespath = jmespathModule as unknown as { search(doc: unknown, expr: string): unknown };
const names = fc.constantFrom('a', 'b', 'Status', 'configuration', 'x_1', '_', 'length', 'constructor', 'toString', 'null', 'true');
const doc = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.string({ maxLength: 3 }), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(names, tie('v'), { maxKeys: 4 })),
})).v;

describe('condition paths', () => {
  it('a dotted path reads what jmespath.search reads (property)', () => {
    fc.assert(
      fc.property(doc, fc.array(names, { minLength: 1, maxLength: 4 }), (d, parts) => {
        const path = parts.join('.');
        expect(pathReader(path)(d)).toEqual(jmespath.search(d, path));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads the catalog paths as jmespath does, and other expressions through jmespath', () => {
    const record = { configuration: { GroupName: 'default', IpPermissions: [] }, supplementaryConfiguration: { BucketVersioningConfiguration: { Status: 'Enabled' } } };
    const paths = loadCatalog().requirements.flatMap((r) => [r.condition, r.when]).flatMap((c) => (c && 'path' in c ? [c.path] : []));
    expect(paths.length).toBeGreaterThan(1);
    for (const p of [...paths, 'configuration.IpPermissions[0]', 'configuration.*', "configuration.\"GroupName\"", 'length(configuration.IpPermissions)']) {
      expect(pathReader(p)(record), p).toEqual(jmespath.search(record, p));
    }
  });
});
