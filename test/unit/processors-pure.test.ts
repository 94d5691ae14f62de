import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AccountRecord, PointerRecord, ResourceRecord } from '../../core/schemas.js';
import { shardOrder } from '../../processors/consumer.js';
import { accountContext, parseAccountList, withAccount } from '../../processors/enrich-account.js';
import { rawRecords } from '../../processors/lambda.js';
import { documentId } from '../../opensearch/bulk.js';
import { unseenQuery } from '../../opensearch/deleted.js';
import { indexMappings } from '../../opensearch/mappings.js';
import { recordIdentity, recordVersion, resourceDocument } from '../../opensearch/ops.js';
import { mergeTrustDocument, trustUpdateOf } from '../../opensearch/trusted-accounts.js';
import { verifyPointed } from '../../processors/pointer.js';
import { feedKey, firehoseChunks, ndjson } from '../../processors/sink-s3.js';
import { decodeRecord } from '../../processors/validate.js';
import { resourceRecord } from '../records.js';

const OWN = '111111111111';
const VENDOR = '999999999999';

const resource = (partial: Partial<ResourceRecord> = {}): ResourceRecord => resourceRecord({ awsAccountId: OWN, ...partial });

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'prod', email: 'e', status: 'ACTIVE', payerId: OWN, ouPath: 'Root',
  joinedAt: null, tags: { cost: 'x' }, owner: 'alice', executive: 'carol', spend: null, observedAt: '2026-11-24T08:00:00Z',
};

describe('decode and validate', () => {
  it('accepts JSON and gzip JSON, and names the reason for everything else', () => {
    const json = Buffer.from(JSON.stringify(resource()));
    expect(decodeRecord(json)).toMatchObject({ ok: true, record: { arn: 'arn:aws:s3:::b' } });
    expect(decodeRecord(gzipSync(json))).toMatchObject({ ok: true });
    expect(decodeRecord(Buffer.from('nope'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid JSON/) });
    expect(decodeRecord(Buffer.from([0x1f, 0x8b, 0, 1]))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid gzip/) });
    const wrong = decodeRecord(Buffer.from(JSON.stringify({ ...resource(), awsAccountId: '12' })));
    expect(wrong).toMatchObject({ ok: false, label: 'resource arn:aws:s3:::b', reason: expect.stringMatching(/awsAccountId: must be a 12-digit/) });
    expect(decodeRecord(Buffer.from('{"recordType":"mystery"}'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^schema: .*recordType/) });
  });

  it('checks pointed-to objects for size, hash and kind', () => {
    const body = Buffer.from(JSON.stringify(resource()));
    const sha256 = createHash('sha256').update(body).digest('hex');
    const pointer: PointerRecord = { recordType: 'pointer', schemaVersion: '1.0', bucket: 'b', key: 'k', bytes: body.length, sha256, pointsTo: 'resource' };
    expect(verifyPointed(pointer, body)).toMatchObject({ ok: true });
    expect(verifyPointed({ ...pointer, pointsTo: 'finding' }, body)).toMatchObject({ ok: false, reason: expect.stringMatching(/holds a resource record, pointer says finding/) });
    expect(verifyPointed({ ...pointer, bytes: 1 }, body)).toMatchObject({ ok: false, reason: expect.stringMatching(/bytes, pointer says 1/) });
    expect(verifyPointed(pointer, Buffer.from('x'))).toMatchObject({ ok: false, reason: expect.stringMatching(/sha256/) });
  });
});

describe('Lambda event', () => {
  it('decodes base64 records with shard, sequence number and arrival time', () => {
    const raws = rawRecords({
      Records: [{ eventID: 'shardId-000000000003:4959', kinesis: { data: Buffer.from('{}').toString('base64'), sequenceNumber: '4959', approximateArrivalTimestamp: 1764000000.5 } }],
    });
    expect(raws).toEqual([{ data: Buffer.from('{}'), shardId: 'shardId-000000000003', sequenceNumber: '4959', arrivalTime: new Date(1764000000500) }]);
  });
});

describe('account enrichment', () => {
  it('attaches the account and flags one missing from the list', () => {
    const accounts = new Map([[OWN, account]]);
    expect(withAccount(resource(), accounts).account).toEqual({ accountId: OWN, name: 'prod', owner: 'alice', executive: 'carol', payerId: OWN, ouPath: 'Root', tags: { cost: 'x' }, inOrganization: true });
    expect(accountContext('222222222222', accounts)).toMatchObject({ accountId: '222222222222', name: null, inOrganization: false });
  });

  it('skips broken account list entries with the reason', () => {
    const { accounts, problems } = parseAccountList([account, { ...account, accountId: 'x' }], 'accounts.json');
    expect([...accounts.keys()]).toEqual([OWN]);
    expect(problems).toEqual([expect.stringMatching(/^accounts.json\[1\]: accountId/)]);
    expect(parseAccountList({}, 'a.json').problems).toEqual(['a.json: expected a JSON array of account records']);
  });
});

describe('feed objects', () => {
  it('names objects by kind, hour and the copies they hold (in any order), so writing the same copies again overwrites', () => {
    const at = new Date('2026-11-24T10:59:59Z');
    const key = feedKey('finding', at, [{ identity: 'f1', version: 1 }, { identity: 'f2', version: 2 }]);
    expect(key).toMatch(/^feed\/finding\/dt=2026-11-24\/hour=10\/[0-9a-f]{40}\.ndjson\.gz$/);
    expect(feedKey('finding', at, [{ identity: 'f2', version: 2 }, { identity: 'f1', version: 1 }])).toBe(key);
    expect(feedKey('finding', at, [{ identity: 'f1', version: 1 }, { identity: 'f2', version: 3 }])).not.toBe(key);
    expect(ndjson([{ a: 1 }, { b: '\n' }]).toString()).toBe('{"a":1}\n{"b":"\\n"}\n');
  });

  it('splits Firehose batches at 500 records and 4 MiB', () => {
    const small = Array.from({ length: 1201 }, () => Buffer.alloc(10));
    expect(firehoseChunks(small).map((c) => c.length)).toEqual([500, 500, 201]);
    const big = Array.from({ length: 9 }, () => Buffer.alloc(1000 * 1024));
    const chunks = firehoseChunks(big);
    expect(chunks.every((c) => c.reduce((n, b) => n + b.length, 0) <= 4 * 1024 * 1024)).toBe(true);
    expect(chunks.flat()).toHaveLength(9);
    expect(() => firehoseChunks([Buffer.alloc(1000 * 1024 + 1)])).toThrow(/exceeds Firehose's 1,000 KiB record limit/);
  });
});

describe('OpenSearch documents', () => {
  it('derives ids and versions from identity and capture time', () => {
    const r = resource({ tags: { owner: 'alice' }, configuration: { a: 1 } });
    expect(recordIdentity(r)).toBe('arn:aws:s3:::b');
    expect(recordVersion(r)).toBe(Date.parse('2026-11-24T09:00:00Z'));
    expect(resourceDocument(r)).toMatchObject({ tagPairs: ['owner=alice'], configurationText: expect.stringContaining('"a":1') });
    expect(documentId('x'.repeat(600))).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('maps free-form configuration as stored-only and finding keys as keywords', () => {
    expect(indexMappings.resources.configuration).toEqual({ type: 'object', enabled: false });
    expect(indexMappings.resources.tags).toEqual({ type: 'flat_object' });
    expect(indexMappings.resources.configurationItemCaptureTime).toEqual({ type: 'date' });
    for (const f of ['accountId', 'requirementId', 'resourceId', 'resourceArn', 'status', 'severity']) expect(indexMappings.findings[f]).toMatchObject({ type: 'keyword' });
    expect(indexMappings.findings.exception).toMatchObject({ properties: { active: { type: 'boolean' }, expiresAt: { type: 'date' } } });
  });

  it('selects the unseen resources of the complete scopes of a run, one clause per collector', () => {
    const base = { recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r', accountId: OWN, complete: false, startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:05:00Z' } as const;
    const scopes = [
      { collector: 'iam', region: 'global', complete: true, resourceCount: 1 },
      { collector: 'ec2', region: 'eu-west-1', complete: true, resourceCount: 0 },
      { collector: 'ec2', region: 'us-east-1', complete: true, resourceCount: 0 },
      { collector: 'ec2', region: 'eu-north-1', complete: false, resourceCount: 0 },
      { collector: 'kms', region: 'eu-west-1', complete: false, resourceCount: 0 },
    ];
    const q = unseenQuery({ ...base, scopes, seen: ['0123456789abcdef'] })!;
    expect(q.bool.filter).toContainEqual({ range: { configurationItemCaptureTime: { lt: '2026-11-24T09:00:00Z' } } });
    expect(q.bool.must_not).toContainEqual({ term: { runId: 'r' } });
    expect(q.bool.must_not).toContainEqual({ terms: { identityHash: ['0123456789abcdef'] } });
    // global collectors (S3 lists buckets of every region once) are scoped by account and collector only; the
    // failed region (eu-north-1) and the failed collector (kms) are in no clause
    expect(JSON.stringify(q.bool.filter)).toContain('{"bool":{"minimum_should_match":1,"should":[{"bool":{"filter":[{"term":{"collector":"iam"}}]}},{"bool":{"filter":[{"term":{"collector":"ec2"}},{"terms":{"awsRegion":["eu-west-1","us-east-1"]}}]}}]}}');
    // nothing to delete: no complete scope, or no evidence
    expect(unseenQuery({ ...base, scopes: scopes.filter((x) => !x.complete), seen: [] })).toBeUndefined();
    expect(unseenQuery({ ...base, scopes })).toBeUndefined();
    // the earlier shape: its one scope
    const legacy = unseenQuery({ ...base, region: 'eu-west-1', collector: 'ec2', complete: true, resourceCount: 0, seen: [] })!;
    expect(JSON.stringify(legacy)).toContain('{"terms":{"awsRegion":["eu-west-1"]}}');
  });

  it('splits a large `seen` list into terms clauses OpenSearch accepts (at most 65,536 values each)', () => {
    const seen = Array.from({ length: 120_000 }, (_, i) => i.toString(16).padStart(16, '0'));
    const q = unseenQuery({ recordType: 'inventory-run', schemaVersion: '1.0', runId: 'r', accountId: OWN, complete: true, scopes: [{ collector: 'iam', region: 'global', complete: true, resourceCount: 120_000 }], seen, startedAt: '2026-11-24T09:00:00Z', finishedAt: '2026-11-24T09:05:00Z' })!;
    const clauses = q.bool.must_not.filter((c) => 'terms' in c) as { terms: { identityHash: string[] } }[];
    expect(clauses.map((c) => c.terms.identityHash.length)).toEqual([50_000, 50_000, 20_000]);
    expect(clauses.flatMap((c) => c.terms.identityHash)).toEqual(seen);
  });
});

describe('trusted-accounts documents', () => {
  const trusting = (at: string, trusts: boolean, arn = 'arn:aws:s3:::b') =>
    trustUpdateOf(
      resource({
        arn,
        configurationItemCaptureTime: at,
        trustedAccounts: trusts ? [{ accountId: VENDOR, classification: 'known', name: 'Acme', approved: true, policy: 'p', via: 'principal' }] : [],
      }),
    );

  it('lists trusting resources, ignores older copies and disappears when nothing trusts the account', () => {
    const doc = mergeTrustDocument(VENDOR, undefined, [trusting('2026-11-24T09:00:00Z', true), trusting('2026-11-24T09:00:00Z', true, 'arn:aws:s3:::c')]);
    expect(doc).toMatchObject({ accountId: VENDOR, classification: 'known', resourceCount: 2, trustingAccountIds: [OWN], updatedAt: '2026-11-24T09:00:00.000Z' });
    expect(mergeTrustDocument(VENDOR, doc, [trusting('2026-11-24T08:00:00Z', false)])).toEqual(doc);
    const dropped = mergeTrustDocument(VENDOR, doc, [trusting('2026-11-24T10:00:00Z', false)]);
    expect(dropped?.resources.map((r) => r.arn)).toEqual(['arn:aws:s3:::c']);
    expect(mergeTrustDocument(VENDOR, dropped, [trusting('2026-11-24T10:00:00Z', false, 'arn:aws:s3:::c')])).toBeUndefined();
    // a deleted resource trusts nobody
    const deleted = trustUpdateOf({ ...resource({ trustedAccounts: [{ accountId: VENDOR, classification: 'known', name: null, approved: null, policy: 'p', via: 'principal' }] }), configurationItemStatus: 'ResourceDeleted' });
    expect(deleted.byAccount.size).toBe(0);
  });
});

describe('shard order', () => {
  it('reads parents before their children, whatever the order of listing and of the IDs', () => {
    // IDs chosen so that neither the listing order nor the ID order puts parents first: a sort by ID, or no
    // ordering at all, reads a child before its parent and fails here
    const shard = (ShardId: string, ParentShardId?: string, AdjacentParentShardId?: string) => ({ ShardId, ParentShardId, AdjacentParentShardId, HashKeyRange: undefined, SequenceNumberRange: undefined });
    const listed = [
      shard('shardId-1', 'shardId-7', 'shardId-8'), // merge of 7 and 8
      shard('shardId-0', 'shardId-1'), // split of 1: a grandchild of 7 and 8
      shard('shardId-8', 'shardId-9'),
      shard('shardId-7'),
      shard('shardId-9'),
      shard('shardId-5', 'shardId-gone'), // its parent expired from the stream: readable at once
    ];
    const order = shardOrder(listed).map((s) => s.ShardId!);
    expect([...order].sort()).toEqual(listed.map((s) => s.ShardId).sort());
    const before = (parent: string, child: string) => expect(order.indexOf(parent), `${parent} before ${child} in ${order.join(' ')}`).toBeLessThan(order.indexOf(child));
    before('shardId-7', 'shardId-1');
    before('shardId-8', 'shardId-1');
    before('shardId-9', 'shardId-8');
    before('shardId-1', 'shardId-0');
  });
});
