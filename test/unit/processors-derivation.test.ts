// The steady-state skip (processors/derivation.ts): a newer copy of a stored resource is not derived again only
// when deriving it again could not give anything else. Table-driven over each input the derivation reads, and a
// property over a corpus: whenever the skip says "same", deriving again gives the stored content hash and the same
// findings; and the outputs over that corpus are pinned to DERIVATION_REVISION.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentTexts, sha256Hex } from '../../core/content.js';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { AccountRecord, ExceptionEntry, FindingRecord, ResourceRecord } from '../../core/schemas.js';
import type { StoredCopy } from '../../opensearch/store.js';
import { DERIVATION_REVISION, derivationOf, derivesStored, sourceBytesHash, sourceHash } from '../../processors/derivation.js';
import { processRecord, type EnrichContext } from '../../processors/pipeline.js';
import { parseTrustRegister, type TrustRegister } from '../../registers/trusted-accounts.js';
import { evaluateRecordsDetailed, loadCatalog, timeSensitiveTypes, type Catalog } from '../../standard/index.js';
import { benchAccounts, benchResources } from '../../bench/data.js';
import { builtinChecks } from '../../standard/checks/index.js';
import type { ResourceCheck } from '../../standard/types.js';
import * as shapes from '../fixtures/standard/aws-shapes.js';
import { bucket, bucketPolicy, ingress, pab, securityGroup } from '../fixtures/standard/aws-shapes.js';

const builtin = (id: string) => builtinChecks.get(id) as ResourceCheck;

const catalog = loadCatalog();
const accounts = benchAccounts(6);
const OWN = accounts[0]!.accountId;
const OTHER = accounts[1]!.accountId;
const register = (csv = '464622532012,Datadog,yes,vendor\n'): TrustRegister => parseTrustRegister(`accountId,name,approved,note\n${csv}`, 'csv', 'test').register;
const accountMap = (list: AccountRecord[] = accounts) => new Map(list.map((a) => [a.accountId, a]));

function context(over: Partial<Omit<EnrichContext, 'derivation'>> = {}, cat: Catalog = catalog): EnrichContext {
  const inputs = { accounts: accountMap(), trustRegister: register(), exceptions: new ExceptionIndex([]), ...over };
  return { ...inputs, derivation: derivationOf(inputs, cat) };
}

const T1 = '2026-11-24T09:00:00.000Z';
const T2 = '2026-11-24T09:30:00.000Z';
const at = <R extends ResourceRecord>(r: R, time: string): R => ({ ...r, configurationItemCaptureTime: time });
const version = (r: ResourceRecord) => Date.parse(r.configurationItemCaptureTime);

/** What the document store keeps of a derived copy, as the OpenSearch store reads it back. */
function storedOf(record: ResourceRecord, ctx: EnrichContext, cat: Catalog = catalog): StoredCopy {
  const out = processRecord(record, ctx, cat, json(record))[0] as ResourceRecord;
  return {
    version: version(record),
    state: { contentHash: out.contentHash, sourceHash: out.sourceHash, sourceBytesHash: out.sourceBytesHash, derivedFrom: out.derivedFrom, identityHash: 'x', configurationItemStatus: out.configurationItemStatus },
  };
}

/** The JSON text a record arrives as (what the collectors put on the stream). */
const json = (r: ResourceRecord) => JSON.stringify(r);
const skips = (r: ResourceRecord, copy: StoredCopy, ctx: EnrichContext, repeated = false, text: string = json(r)) => derivesStored(r, copy, ctx.derivation!, version(r), repeated, text);

/** A copy's findings as change-only landing compares them: status, evidence, exception. */
const findingState = (r: ResourceRecord, ctx: EnrichContext, cat: Catalog = catalog) =>
  processRecord(r, ctx, cat)
    .slice(1)
    .map((f) => {
      const { findingId, status, evidence, exception } = f as FindingRecord;
      return { findingId, status, evidence, exception: exception ?? null };
    });

const publicBucket = { ...bucket('shared', { BucketPolicy: bucketPolicy([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }]), ...pab(false) }), awsAccountId: OWN };
const vendorBucket = { ...bucket('vendor', { BucketPolicy: bucketPolicy([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::vendor/*' }]), ...pab(true) }), awsAccountId: OWN };
const sshGroup = { ...securityGroup('sg-1', [ingress('tcp', 22, 22, '10.0.0.0/8')]), awsAccountId: OWN };
const keyUser: ResourceRecord = {
  ...bucket('u'),
  resourceType: 'AWS::IAM::User',
  resourceId: 'AIDAUSER',
  arn: `arn:aws:iam::${OWN}:user/u`,
  awsAccountId: OWN,
  awsRegion: 'global',
  collector: 'iam',
  configuration: { UserName: 'u' },
  supplementaryConfiguration: { AccessKeys: [{ AccessKeyId: 'AKIAEXAMPLE', Status: 'Active', CreateDate: '2026-08-26T09:10:00Z' }] },
};

const exception = (over: Partial<ExceptionEntry> = {}): ExceptionEntry => ({
  exceptionId: 'EX-1', accountId: OWN, requirementId: 'CSS-S3-01', resourceId: publicBucket.arn, reason: 'accepted', approvedBy: 'ciso@corp.example', expiresAt: '2027-01-31', ...over,
});

describe('derivesStored: a newer copy skips derivation only when nothing it reads moved', () => {
  const base = context();
  const stored = storedOf(at(publicBucket, T1), base);
  const renamed = accounts.map((a) => (a.accountId === OTHER ? { ...a, name: 'renamed' } : a));
  const otherCatalog: Catalog = { ...catalog, requirements: catalog.requirements.map((r) => (r.id === 'CSS-S3-01' ? { ...r, severity: 'low' as const } : r)) };
  const cases: [string, ResourceRecord, EnrichContext, StoredCopy, boolean, boolean?][] = [
    ['the same record, captured later', at(publicBucket, T2), base, stored, true],
    ['the same record, captured later by another run', { ...at(publicBucket, T2), runId: 'run-2' }, base, stored, true],
    ['a later capture that only moved volatile fields and its trigger', { ...at(publicBucket, T2), configuration: { ...publicBucket.configuration, RoleLastUsed: { LastUsedDate: T2 } }, trigger: { eventName: 'PutBucketTagging' } }, base, stored, true],
    ['the same inputs rebuilt (a new account map and register with the same content, a new observation time and spend)', at(publicBucket, T2), context({ accounts: accountMap(accounts.map((a) => ({ ...a, observedAt: T2, spend: 1234 }))), trustRegister: register() }), stored, true],
    ['an account owner changed (the context copied onto records and findings)', at(publicBucket, T2), context({ accounts: accountMap(accounts.map((a) => (a.accountId === OWN ? { ...a, owner: 'new-owner@corp.example' } : a))) }), stored, false],
    ['a changed policy', { ...at(publicBucket, T2), supplementaryConfiguration: { ...publicBucket.supplementaryConfiguration, ...pab(true) } }, base, stored, false],
    ['a changed tag', { ...at(publicBucket, T2), tags: { team: 'payments' } }, base, stored, false],
    ['a new collection error', { ...at(publicBucket, T2), errors: [{ call: 'GetBucketPolicy', code: 'AccessDenied', message: 'denied' }] }, base, stored, false],
    ['another account of the organization renamed (trust names it)', at(publicBucket, T2), context({ accounts: accountMap(renamed) }), stored, false],
    ['an edited trusted-accounts register', at(publicBucket, T2), context({ trustRegister: register(`${OTHER},Partner,yes,now a vendor\n`) }), stored, false],
    ['an exception added for the account', at(publicBucket, T2), context({ exceptions: new ExceptionIndex([exception()]) }), stored, false],
    ['an exception added for another account only', at(publicBucket, T2), context({ exceptions: new ExceptionIndex([exception({ accountId: OTHER })]) }), stored, true],
    ['another catalog', at(publicBucket, T2), context({}, otherCatalog), stored, false],
    ['a deletion marker stored, the resource back', at(publicBucket, T2), base, { ...stored, state: { ...stored.state, configurationItemStatus: 'ResourceDeleted' } }, false],
    ['a stored copy without fingerprints (written before them)', at(publicBucket, T2), base, { ...stored, state: { ...stored.state, derivedFrom: undefined } }, false],
    ['a stored copy as new as this one (a replay: its feed is still checked)', at(publicBucket, T1), base, stored, false],
    ['another copy of the same resource in the batch', at(publicBucket, T2), base, stored, false, true],
  ];
  it.each(cases)('%s', (_name, record, ctx, copy, expected, repeated = false) => {
    expect(skips(record, copy, ctx, repeated)).toBe(expected);
    // the same answer without the bytes (a record whose text is not at hand is judged by its content alone)
    expect(derivesStored(record, copy, ctx.derivation!, version(record), repeated)).toBe(expected);
  });

  it('the bytes decide first; other bytes with the same content (key order, a volatile field) still skip', () => {
    const later = at(publicBucket, T2);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(later).reverse()));
    expect(skips(later, stored, base, false, reordered)).toBe(true);
    // a stored copy whose bytes hash is another: the content decides
    expect(skips(later, { ...stored, state: { ...stored.state, sourceBytesHash: 'other' } }, base)).toBe(true);
    // bytes equal but for the capture time: skipped even where the content hash would not be asked
    expect(skips(later, { ...stored, state: { ...stored.state, sourceHash: 'not-asked' } }, base)).toBe(true);
  });

  it('a nested key named like the capture time ahead of the record\'s own: its change is still seen', () => {
    // the text's first "configurationItemCaptureTime" is a tag's, so the bytes hash leaves that tag out
    const tagged = (value: string, time: string): ResourceRecord => {
      const tags = { configurationItemCaptureTime: value };
      // tags first in the text (a key keeps the place it was first given)
      return Object.assign({ tags }, at(publicBucket, time), { tags });
    };
    const copy = storedOf(tagged('a', T1), base);
    expect(skips(tagged('b', T2), copy, base)).toBe(false);
    expect(skips(tagged('a', T2), copy, base)).toBe(true);
  });

  it('an exception whose expiry day ends between the stored copy and the newer one: derived again', () => {
    const ctx = context({ exceptions: new ExceptionIndex([exception({ expiresAt: '2026-11-24' })]) });
    const before = storedOf(at(publicBucket, '2026-11-24T23:00:00.000Z'), ctx);
    expect(skips(at(publicBucket, '2026-11-24T23:30:00.000Z'), before, ctx)).toBe(true);
    const after = at(publicBucket, '2026-11-25T00:00:00.000Z');
    expect(skips(after, before, ctx)).toBe(false);
    // and deriving again is what tells the difference: the exception went inactive
    expect(findingState(after, ctx).find((f) => f.exception)?.exception).toMatchObject({ exceptionId: 'EX-1', active: false });
  });

  it('a type judged by the clock (access-key age) is always derived again', () => {
    const ctx = context();
    const copy = storedOf(at(keyUser, T1), ctx);
    expect(timeSensitiveTypes(catalog).has('AWS::IAM::User')).toBe(true);
    expect(skips(at(keyUser, T2), copy, ctx)).toBe(false);
    // the same key, 89 days old at one capture and 91 at a later one: the finding flips without any field moving
    const day90 = findingState(at(keyUser, '2026-11-24T09:00:00.000Z'), ctx).map((f) => f.status);
    const day91 = findingState(at(keyUser, '2026-11-26T09:00:00.000Z'), ctx).map((f) => f.status);
    expect(day90).not.toEqual(day91);
  });
});

describe('sourceBytesHash: the JSON text without the record\'s own capture time and run id', () => {
  const text = (o: object) => JSON.stringify(o);
  const CAPTURE = new Set(['configurationItemCaptureTime', 'runId']);

  it('equal for the next run of an unchanged record, whatever its run id and capture time', () => {
    const one = { ...at(publicBucket, T1), runId: 'run-1' };
    const two = { ...at(publicBucket, T2), runId: 'run-2' };
    expect(sourceBytesHash(text(two))).toBe(sourceBytesHash(text(one)));
    expect(sourceBytesHash(text({ ...two, tags: { team: 'y' } }))).not.toBe(sourceBytesHash(text(one)));
  });

  it('leaves out volatile values wherever they sit, and nothing after them', () => {
    const role = (used: object | string | number, path = '/') => ({ ...at(publicBucket, T1), configuration: { RoleName: 'r', RoleLastUsed: used, Path: path }, runId: 'run-1' });
    expect(sourceBytesHash(text(role({ LastUsedDate: T2, Region: 'us-east-1' })))).toBe(sourceBytesHash(text(role({}))));
    expect(sourceBytesHash(text(role('x')))).toBe(sourceBytesHash(text(role(12))));
    // a value with brackets and quotes in its strings ends where it ends: what follows is still hashed
    expect(sourceBytesHash(text(role({ a: ['}', '"'] }, '/x/')))).not.toBe(sourceBytesHash(text(role({ a: ['}', '"'] }))));
  });

  it('never leaves out a nested key of the same name, nor text inside a string that looks like one', () => {
    const tagged = (value: string, runId: string) => {
      const tags = { runId: value, configurationItemCaptureTime: value };
      return Object.assign({ tags }, at(publicBucket, T1), { tags, runId });
    };
    expect(sourceBytesHash(text(tagged('a', 'run-1')))).not.toBe(sourceBytesHash(text(tagged('b', 'run-1'))));
    const quoted = (v: string) => ({ ...at(publicBucket, T1), resourceName: 'x\\' + '","runId":"' + v, runId: 'run-1' });
    expect(sourceBytesHash(text(quoted('a')))).not.toBe(sourceBytesHash(text(quoted('b'))));
  });

  // arbitrary JSON with the key names anywhere: equal hashes only for records equal but for the two top-level values and
  // volatile values, which is what equal source hashes mean (canonical text without those)
  const key = fc.constantFrom('runId', 'configurationItemCaptureTime', 'a', 'b', 'tags', '"', '\\', 'ItemCount', 'RoleLastUsed', 'LastUsedDate');
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 8 }), fc.constantFrom('"runId":"x"', '\\"', 'runId'), fc.integer(), fc.constant(null), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
  })).v;
  const record = fc.dictionary(key, value, { maxKeys: 6 });

  it('equal hashes mean records equal but for the top-level capture time and run id and volatile values (property)', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        if (sourceBytesHash(text(a)) === sourceBytesHash(text(b))) expect(canonicalJson(b, CAPTURE)).toBe(canonicalJson(a, CAPTURE));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(record, fc.string(), fc.string(), (a, t, r) => {
        const b = { ...a, ...(typeof a.configurationItemCaptureTime === 'string' ? { configurationItemCaptureTime: t } : {}), ...(typeof a.runId === 'string' ? { runId: r } : {}) };
        expect(sourceBytesHash(text(b))).toBe(sourceBytesHash(text(a)));
        // and another nested value is seen
        const c = { ...a, tags: { runId: `${r}!` }, runId: r };
        const d = { ...a, tags: { runId: `${r}?` }, runId: r };
        expect(sourceBytesHash(text(c))).not.toBe(sourceBytesHash(text(d)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('what the skip leans on', () => {
  it('a custom rule reading a volatile field makes its type time-sensitive; the built-in catalog only IAM users', () => {
    const custom: Catalog = {
      ...catalog,
      requirements: [...catalog.requirements, { ...catalog.requirements.find((r) => r.resourceTypes.includes('AWS::IAM::Role'))!, id: 'CUSTOM-1', check: undefined, condition: { path: 'configuration.RoleLastUsed.LastUsedDate', op: 'exists' } }],
    };
    expect([...timeSensitiveTypes(catalog)]).toEqual(['AWS::IAM::User']);
    expect(timeSensitiveTypes(custom).has('AWS::IAM::Role')).toBe(true);
  });

  it('a check that reads the clock without declaring it gets none: a problem, never a result', () => {
    const req = catalog.requirements.find((r) => r.check === 'iam_access_key_rotated_90d')!;
    // the registry is shared: the declaration is taken away for this test and put back
    const check = builtin('iam_access_key_rotated_90d');
    const declared = check.clock;
    try {
      delete check.clock;
      const { findings, problems } = evaluateRecordsDetailed(catalog, [at(keyUser, T1)], T1);
      expect(findings.filter((f) => f.requirementId === req.id)).toEqual([]);
      expect(problems).toContainEqual(expect.objectContaining({ requirementId: req.id, unexpected: true, message: expect.stringMatching(/reads the clock without declaring/) }));
    } finally {
      check.clock = declared;
    }
  });
});

describe('skipping is exactly what deriving again decides', () => {
  // the bench's records, and one or two of each shape the standard's fixtures build (every check family)
  const corpus: ResourceRecord[] = [
    ...benchResources(120, accounts),
    publicBucket,
    vendorBucket,
    sshGroup,
    keyUser,
    shapes.queue('q', [shapes.publicStatement('sqs:SendMessage')]),
    shapes.topic('t', [shapes.orgPinnedStatement('sns:Publish')]),
    shapes.repository('r', undefined),
    shapes.lambdaFunction('f', [shapes.publicStatement('lambda:InvokeFunction')]),
    shapes.secret('s', false),
    shapes.kmsKey('k', { rotation: false }),
    shapes.opensearchDomain('d', { vpc: false, statements: [shapes.publicStatement('es:ESHttpGet')] }),
    shapes.dbInstance('db', { encrypted: false, public: true }),
    shapes.table('tbl', true),
    shapes.trail('tr', { multiRegion: true, validation: false }),
    shapes.instance('i-1', 'optional'),
    shapes.vpc('vpc-1', []),
    shapes.ebsDefaults('us-east-1', false),
    shapes.accountPab(true),
    shapes.iamUser('u2', { AccessKeys: [shapes.accessKey('u2', 'AKIA2', 120)], AccessKeyLastUsed: { AKIA2: shapes.lastUsed(3) } }),
  ];
  const perturbations = ['none', 'volatile', 'config', 'accounts', 'register', 'exception-here', 'exception-elsewhere', 'later-day'] as const;

  it('whenever the fingerprints agree, the content hash and every finding agree too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), fc.constantFrom(...perturbations), fc.integer({ min: 1, max: 400 }), (i, p, minutes) => {
        const record = at(corpus[i]!, T1);
        const before = context();
        const copy = storedOf(record, before);
        const time = new Date(Date.parse(T1) + minutes * 60_000 * (p === 'later-day' ? 100 : 1)).toISOString();
        let next: ResourceRecord = at(record, time);
        let ctx = before;
        if (p === 'volatile') next = { ...next, configuration: { ...(next.configuration as object), RoleLastUsed: { LastUsedDate: time } } };
        if (p === 'config') next = { ...next, configuration: { ...(next.configuration as object), Changed: minutes } };
        if (p === 'accounts') ctx = context({ accounts: accountMap(accounts.map((a, k) => (k === minutes % accounts.length ? { ...a, owner: 'someone@corp.example' } : a))) });
        if (p === 'register') ctx = context({ trustRegister: register(`${accounts[minutes % accounts.length]!.accountId},Partner,yes,x\n`) });
        const entry = exception({ accountId: record.awsAccountId, resourceId: record.arn, requirementId: findingState(record, before)[0]?.findingId ? (processRecord(record, before, catalog)[1] as FindingRecord).requirementId : 'CSS-S3-01', expiresAt: '2026-11-25' });
        if (p === 'exception-here') ctx = context({ exceptions: new ExceptionIndex([entry]) });
        if (p === 'exception-elsewhere') ctx = context({ exceptions: new ExceptionIndex([{ ...entry, accountId: accounts.find((a) => a.accountId !== record.awsAccountId)!.accountId }]) });
        if (!skips(next, copy, ctx)) return;
        const again = processRecord(next, ctx, catalog)[0] as ResourceRecord;
        expect(again.contentHash).toBe(copy.state!.contentHash);
        expect(findingState(next, ctx)).toEqual(findingState(record, before));
      }),
      { numRuns: 400 },
    );
  });

  it('the source hash written from the content texts (as the enrich step does) is the one written from the record alone', () => {
    for (const r of corpus) expect(sourceHash(r, contentTexts(r))).toBe(sourceHash(r));
  });

  it(`the outputs over the corpus are pinned to DERIVATION_REVISION ${DERIVATION_REVISION}: a change to them must raise it`, () => {
    const ctx = context({ exceptions: new ExceptionIndex([exception()]) });
    const text = corpus.map((r) => JSON.stringify(processRecord(at(r, T1), { ...ctx, derivation: undefined }, catalog))).join('\n');
    const digest = sha256Hex(text).slice(0, 16);
    // the digest of each revision; a new revision adds its line
    const pinned: Record<number, string> = { 1: 'f572cee2b72ac3ce' };
    expect({ revision: DERIVATION_REVISION, digest }, 'the derived outputs changed: raise DERIVATION_REVISION in processors/derivation.ts and pin the new digest here').toEqual({ revision: DERIVATION_REVISION, digest: pinned[DERIVATION_REVISION] });
  });
});
