import { describe, expect, it } from 'vitest';
import { parseRecord, SchemaError, SCHEMA_VERSION, jsonSchemas } from '../../core/schemas.js';
import { ExceptionIndex, isExceptionActive } from '../../core/exceptions.js';
import { loadConfig } from '../../platform/config.js';

const bucket = {
  recordType: 'resource',
  schemaVersion: SCHEMA_VERSION,
  resourceType: 'AWS::S3::Bucket',
  resourceId: 'logs',
  arn: 'arn:aws:s3:::logs',
  resourceName: 'logs',
  awsAccountId: '111122223333',
  awsRegion: 'us-east-1',
  configuration: { Name: 'logs' },
  resourceCreationTime: null,
  configurationItemCaptureTime: '2026-11-24T10:00:00.000Z',
  collector: 's3',
};

describe('record contract', () => {
  it('accepts a valid resource record and fills defaults', () => {
    const r = parseRecord(bucket);
    expect(r.recordType).toBe('resource');
    if (r.recordType === 'resource') {
      expect(r.errors).toEqual([]);
      expect(r.configurationItemStatus).toBe('OK');
    }
  });

  it('names the record and the field on a violation', () => {
    const bad = { ...bucket, awsAccountId: '12', configurationItemCaptureTime: 'yesterday' };
    expect(() => parseRecord(bad)).toThrow(SchemaError);
    try {
      parseRecord(bad);
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('resource arn:aws:s3:::logs');
      expect(msg).toContain('awsAccountId');
      expect(msg).toContain('configurationItemCaptureTime');
    }
  });

  it('rejects an unknown recordType', () => {
    expect(() => parseRecord({ recordType: 'mystery', schemaVersion: SCHEMA_VERSION })).toThrow(/recordType/);
  });

  it('exports a JSON Schema per kind', () => {
    const schemas = jsonSchemas() as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemas)).toContain('FindingRecord');
    expect(schemas.ResourceRecord?.properties).toHaveProperty('supplementaryConfiguration');
  });
});

describe('exception matching', () => {
  const entries = [
    { exceptionId: 'EX-1', accountId: '111122223333', requirementId: 'CSS-S3-01', resourceId: 'arn:aws:s3:::logs', reason: 'r', approvedBy: 'ciso', expiresAt: '2026-11-30' },
  ];
  it('is active through the end of the expiry day (UTC)', () => {
    expect(isExceptionActive(entries[0]!, new Date('2026-11-30T23:59:59Z'))).toBe(true);
    expect(isExceptionActive(entries[0]!, new Date('2026-12-01T00:00:00Z'))).toBe(false);
  });
  it('matches by ARN or short id and reports expiry', () => {
    const idx = new ExceptionIndex(entries);
    const f = { accountId: '111122223333', requirementId: 'CSS-S3-01', resourceId: 'logs', resourceArn: 'arn:aws:s3:::logs' };
    expect(idx.match(f, new Date('2026-11-24'))?.active).toBe(true);
    expect(idx.match(f, new Date('2026-12-24'))?.active).toBe(false);
    expect(idx.match({ ...f, requirementId: 'CSS-S3-02' }, new Date('2026-11-24'))).toBeUndefined();
  });
});

describe('configuration', () => {
  it('takes flags over environment over file', () => {
    const cfg = loadConfig({ auditRole: 'FromFlag' }, { CENSUS_AUDIT_ROLE: 'FromEnv', CENSUS_PAYERS: '111122223333,444455556666' });
    expect(cfg.auditRole).toBe('FromFlag');
    expect(cfg.payers).toEqual(['111122223333', '444455556666']);
  });
});
