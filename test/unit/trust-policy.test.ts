import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../core/schemas.js';
import { recordTrust } from '../../policy/trust.js';
import { accountOf, policyPrincipals, statementPrincipals, unionPrincipals } from '../../policy/principals.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

describe('policy principals', () => {
  it('reads account IDs and ARNs of every partition from Principal', () => {
    const p = policyPrincipals({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: [A, `arn:aws-cn:iam::${B}:role/x`] }, Action: 'sts:AssumeRole' },
        { Effect: 'Allow', Principal: { AWS: `arn:aws-us-gov:sts::${C}:assumed-role/r/s` } },
        { Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEUNIQUEID' } },
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
    expect(p.accounts).toEqual([
      { accountId: A, via: 'principal' },
      { accountId: B, via: 'principal' },
      { accountId: C, via: 'principal' },
    ]);
    expect(p.public).toBe(false);
    expect(p.services).toEqual(['lambda.amazonaws.com']);
  });

  it('ignores Deny statements', () => {
    expect(policyPrincipals({ Statement: { Effect: 'Deny', Principal: '*' } })).toMatchObject({ accounts: [], public: false });
  });

  it('pins wildcard principals by account and organization conditions', () => {
    const pinned = policyPrincipals({
      Statement: [
        { Effect: 'Allow', Principal: { AWS: '*' }, Condition: { StringEquals: { 'aws:PrincipalAccount': [A] } } },
        { Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': B } } },
        { Effect: 'Allow', Principal: '*', Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${C}:topic` } } },
        { Effect: 'Allow', Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } },
      ],
    });
    // a service principal pinned by aws:SourceAccount trusts that account (the old analysis dropped it)
    expect(pinned.accounts).toEqual([
      { accountId: A, via: 'condition' },
      { accountId: B, via: 'condition' },
      { accountId: C, via: 'condition' },
    ]);
    expect(pinned.organizations).toEqual(['o-abc123']);
    expect(pinned.public).toBe(false);
  });

  it('flags unpinned wildcards, NotPrincipal, negated and IfExists conditions as public', () => {
    for (const statement of [
      { Effect: 'Allow', Principal: '*' },
      { Effect: 'Allow', Principal: { AWS: ['*'] }, Condition: { StringNotEquals: { 'aws:PrincipalAccount': A } } },
      { Effect: 'Allow', Principal: { AWS: '*' }, Condition: { StringEqualsIfExists: { 'aws:SourceAccount': A } } },
      { Effect: 'Allow', NotPrincipal: { AWS: A } },
    ]) {
      expect(statementPrincipals(statement).public, JSON.stringify(statement)).toBe(true);
    }
  });

  it('extracts accounts from principal strings', () => {
    expect(accountOf(` ${A} `)).toBe(A);
    expect(accountOf(`arn:aws-iso-b:iam::${A}:root`)).toBe(A);
    expect(accountOf('arn:aws:s3:::bucket')).toBeUndefined();
    expect(accountOf('12345')).toBeUndefined();
  });
});

// Generators for policy-shaped JSON: valid statements and near-misses.
const accountId = fc.constantFrom(A, B, C, '444444444444');
const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
const principalValue = fc.oneof(
  accountId,
  fc.tuple(partition, accountId, fc.constantFrom('root', 'role/a', 'user/b')).map(([p, a, r]) => `arn:${p}:iam::${a}:${r}`),
  fc.constant('*'),
  fc.string(),
);
const listOrOne = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.array(arb, { maxLength: 4 }));
const principal = fc.oneof(
  fc.constant('*'),
  fc.record({ AWS: listOrOne(principalValue) }),
  fc.record({ AWS: listOrOne(principalValue), Service: listOrOne(fc.constantFrom('s3.amazonaws.com', 'sns.amazonaws.com')) }, { requiredKeys: [] }),
  fc.jsonValue(),
);
const condition = fc.dictionary(
  fc.constantFrom('StringEquals', 'StringLike', 'ArnLike', 'StringNotEquals', 'ForAnyValue:StringEquals', 'StringEqualsIfExists', 'Bool'),
  fc.dictionary(
    fc.constantFrom('aws:PrincipalAccount', 'aws:SourceAccount', 'aws:SourceOwner', 'aws:PrincipalOrgID', 'aws:SourceArn', 'aws:SecureTransport'),
    listOrOne(fc.oneof(accountId, fc.constant('o-abc'), fc.constant('true'), principalValue)),
  ),
);
const statement = fc.oneof(
  fc.record({ Effect: fc.constantFrom('Allow', 'Deny', 'allow'), Principal: principal, Condition: condition }, { requiredKeys: ['Effect'] }),
  fc.record({ Effect: fc.constant('Allow'), NotPrincipal: principal }),
  fc.jsonValue(),
);

function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Reverse every array inside a value: principal lists, condition value lists, statement lists. */
function reverseArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reverseArrays).reverse();
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseArrays(x)]));
  return v;
}

describe('policy principals properties', () => {
  it('never throws on any JSON input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ Statement: fc.oneof(statement, fc.array(statement)) })), (doc) => {
        policyPrincipals(doc);
      }),
      { numRuns: 2000 },
    );
  });

  it('does not depend on statement, principal or key order', () => {
    fc.assert(
      fc.property(fc.array(statement, { maxLength: 8 }), fc.integer(), (statements, seed) => {
        const base = policyPrincipals({ Statement: statements });
        expect(policyPrincipals({ Statement: shuffled(statements, seed) })).toEqual(base);
        expect(policyPrincipals({ Statement: reverseArrays(statements) })).toEqual(base);
      }),
      { numRuns: 500 },
    );
  });

  it('grants for a policy without Deny statements equal the union of the grants of its statements', () => {
    // a Deny narrows the Allow statements it covers (policy-engine.test.ts), so the union holds only without one
    const allowOnly = statement.filter((st) => !(typeof st === 'object' && st !== null && !Array.isArray(st) && String((st as { Effect?: unknown }).Effect).toLowerCase() === 'deny'));
    fc.assert(
      fc.property(fc.array(allowOnly, { maxLength: 8 }), (statements) => {
        const whole = policyPrincipals({ Version: '2012-10-17', Statement: statements });
        const parts = unionPrincipals(statements.map((s) => policyPrincipals({ Statement: [s] })));
        expect(whole).toEqual(parts);
      }),
      { numRuns: 500 },
    );
  });
});

describe('policies inside records, properties', () => {
  it('never throws on any configuration, and finds the same grants whether a policy is an object, JSON text or URL-encoded', () => {
    const base: Omit<ResourceRecord, 'configuration' | 'supplementaryConfiguration'> = {
      recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: 'b', arn: 'arn:aws:s3:::b', resourceName: null,
      awsAccountId: '000000000000', awsRegion: 'us-east-1', tags: {}, resourceCreationTime: null, configurationItemCaptureTime: '2026-11-24T09:00:00Z',
      configurationItemStatus: 'OK', collector: 't', errors: [],
    };
    const ctx = { orgAccounts: new Map(), register: new Map() };
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(statement, { minLength: 1, maxLength: 5 }), (configuration, statements) => {
        recordTrust({ ...base, configuration, supplementaryConfiguration: configuration }, ctx);
        const policy = { Version: '2012-10-17', Statement: statements };
        const as = (p: unknown) => recordTrust({ ...base, configuration: { Policy: p }, supplementaryConfiguration: {} }, ctx);
        const expected = as(policy);
        expect(as(JSON.stringify(policy))).toEqual(expected);
        expect(as(encodeURIComponent(JSON.stringify(policy)))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

