// Properties of evaluation over arbitrary input: a malformed record never breaks the batch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FindingRecord, type ResourceRecord } from '../../core/schemas.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, loadCatalog } from '../../standard/index.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const catalog = loadCatalog();
const types = [...new Set(catalog.requirements.flatMap((r) => r.resourceTypes))];
const json = fc.jsonValue({ maxDepth: 4 });
// keys the checks read, so the generator reaches the interesting branches
const keys = ['BucketPolicy', 'BucketAcl', 'PublicAccessBlockConfiguration', 'ServerSideEncryptionConfiguration', 'AccessKeys', 'AccessKeyLastUsed',
  'LoginProfile', 'MFADevices', 'FlowLogs', 'KeyPolicy', 'KeyRotationEnabled', 'Policy', 'ResourcePolicy', 'RepositoryPolicy', 'TrailStatus',
  'IpPermissions', 'MetadataOptions', 'State', 'StorageEncrypted', 'PubliclyAccessible', 'SSEDescription', 'AccessPolicies', 'VPCOptions',
  'KeyManager', 'KeyState', 'RotationEnabled', 'LogFileValidationEnabled', 'IsMultiRegionTrail', 'Status', 'Content', 'Report', 'EbsEncryptionByDefault',
  'Statement', 'Grants', 'Rules', 'type', 'status'];
const obj = fc.dictionary(fc.constantFrom(...keys), fc.oneof(json, fc.dictionary(fc.constantFrom(...keys), json, { maxKeys: 4 })), { maxKeys: 8 });

const record = fc.record({ type: fc.constantFrom(...types), configuration: obj, supplementaryConfiguration: obj, region: fc.constantFrom('us-east-1', 'eu-west-1', 'global') }).map(
  ({ type, configuration, supplementaryConfiguration, region }): ResourceRecord => ({
    ...f.resource(type, 'r-1', `arn:aws:test:${region}:${f.ACCOUNT}:thing/r-1`, configuration as Record<string, unknown>, supplementaryConfiguration as Record<string, unknown>),
    awsRegion: region,
  }),
);

describe('evaluation over arbitrary records', () => {
  it('never throws: each requirement gives a valid finding, nothing, or a named problem', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        const { findings, problems } = evaluateRecordsDetailed(catalog, records, f.NOW);
        for (const x of findings) FindingRecord.parse(x);
        // a check may refuse data it cannot use (CheckError), never crash on it
        for (const p of problems) expect(p, p.message).not.toHaveProperty('unexpected');
        const sweep = evaluateSweepDetailed(catalog, { accountId: f.ACCOUNT, regions: ['us-east-1', 'eu-west-1'], resources: records }, f.NOW);
        for (const x of sweep.findings) FindingRecord.parse(x);
        for (const p of sweep.problems) expect(p, p.message).not.toHaveProperty('unexpected');
      }),
      { numRuns: 600 },
    );
  });

  it('is independent of record order and deterministic', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 5 }), (records) => {
        const a = evaluateRecordsDetailed(catalog, records, f.NOW).findings;
        const b = evaluateRecordsDetailed(catalog, [...records].reverse(), f.NOW).findings;
        const key = (x: FindingRecord) => `${x.findingId}|${x.status}|${x.evidence}`;
        expect(b.map(key).sort()).toEqual(a.map(key).sort());
      }),
      { numRuns: 100 },
    );
  });
});
