// processRecord (processors/pipeline.ts) builds a resource's enriched copy in one go and skips re-attaching the
// account context its findings already carry; what it returns must be exactly the composition it replaces:
// enrichRecord, withContentHash, the per-record checks and each finding through enrichRecord (same JSON text, key
// order included, which is what lands), for every kind of record and with an exception register that matches.
import { describe, expect, it } from 'vitest';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { withContentHash } from '../../processors/changes.js';
import { enrichRecord, processRecord, type EnrichContext } from '../../processors/pipeline.js';
import type { Storable } from '../../opensearch/ops.js';
import { parseTrustRegister } from '../../registers/trusted-accounts.js';
import { evaluateRecords, loadCatalog } from '../../standard/index.js';
import { benchAccounts, benchResources } from '../../bench/data.js';
import { collectionErrorRecord, findingRecord, inventoryRunRecord, resourceRecord } from '../records.js';

const catalog = loadCatalog();
const accounts = benchAccounts(10);
const known = accounts[0]!.accountId;
const ctx: EnrichContext = {
  accounts: new Map(accounts.map((a) => [a.accountId, a])),
  trustRegister: parseTrustRegister('accountId,name,approved,note\n464622532012,Datadog,yes,vendor\n', 'csv', 'test').register,
  exceptions: new ExceptionIndex([
    { exceptionId: 'EX-1', accountId: known, requirementId: 'CSS-S3-01', resourceId: 'arn:aws:s3:::excepted', reason: 'r', approvedBy: 'a', expiresAt: '2027-01-01' },
  ]),
};

/** The composition processRecord stands for, step by step as the enrich step used to run it. */
function reference(record: Storable): Storable[] {
  let out = enrichRecord(record, ctx);
  if (out.recordType !== 'resource') return [out];
  out = withContentHash(out);
  if (out.configurationItemStatus === 'ResourceDeleted') return [out];
  return [out, ...evaluateRecords(catalog, [out], out.configurationItemCaptureTime).map((f) => enrichRecord(f, ctx))];
}

const bucket = (over: Partial<ResourceRecord>) => resourceRecord({ awsAccountId: known, ...over });
const records: Storable[] = [
  ...benchResources(90, accounts),
  bucket({ arn: 'arn:aws:s3:::excepted', resourceId: 'excepted' }),
  // a replayed, already enriched copy: its enrichment keys sit where they were, before the new ones
  bucket({ public: true, contentHash: 'stale', account: { accountId: known, name: 'old', owner: null, executive: null, payerId: null, ouPath: null, tags: {}, inOrganization: true }, trustedAccounts: [], publicVerdict: 'public' }),
  bucket({ awsAccountId: '999988887777', arn: 'arn:aws:s3:::outside' }),
  bucket({ supplementaryConfiguration: { BucketPolicy: '{"Statement": [' } }),
  bucket({ configurationItemStatus: 'ResourceDeleted' }),
  bucket({ configurationItemStatus: 'ResourceDiscovered', errors: [{ call: 'GetBucketPolicy', code: 'AccessDenied', message: 'no' }] }),
  findingRecord({ accountId: known }),
  findingRecord({ accountId: known, requirementId: 'CSS-S3-01', resourceArn: 'arn:aws:s3:::excepted', resourceId: 'excepted' }) as FindingRecord,
  findingRecord({ exception: { exceptionId: 'gone', reason: 'r', approvedBy: 'a', expiresAt: '2026-01-01', active: false } }),
  inventoryRunRecord(),
  collectionErrorRecord(),
];

describe('processRecord', () => {
  it('returns exactly the enrich step composition, record and findings, key order included', () => {
    let findings = 0;
    for (const r of records) {
      const got = processRecord(structuredClone(r), ctx, catalog);
      const want = reference(structuredClone(r));
      expect(got.map((x) => JSON.stringify(x))).toEqual(want.map((x) => JSON.stringify(x)));
      expect(got).toEqual(want);
      findings += got.length - 1;
    }
    expect(findings).toBeGreaterThan(100);
    const excepted = processRecord(structuredClone(records[90]!), ctx, catalog).find((x) => x.recordType === 'finding' && x.requirementId === 'CSS-S3-01') as FindingRecord | undefined;
    expect(excepted?.exception?.exceptionId).toBe('EX-1');
  });

  it('lands findings and resources with their keys in the order they always had', () => {
    const [resource, finding] = processRecord(structuredClone(records[0]!), ctx, catalog) as [ResourceRecord, FindingRecord];
    expect(Object.keys(finding)).toEqual(['recordType', 'schemaVersion', 'findingId', 'requirementId', 'status', 'severity', 'title', 'resourceType', 'resourceId', 'resourceArn', 'accountId', 'region', 'account', 'source', 'evidence', 'observedAt']);
    expect(Object.keys(resource).slice(-7)).toEqual(['account', 'trustedAccounts', 'publicVerdict', 'publicReason', 'policyStatements', 'public', 'contentHash']);
  });
});
