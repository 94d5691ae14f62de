// Inputs the processors read from S3: the account list (cached by ETag) and the risk register.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Config } from '../../platform/aws.js';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord } from '../../core/schemas.js';
import { AccountDirectory } from '../../processors/enrich-account.js';
import { loadExceptionRegister } from '../../registers/exceptions.js';
import { uniqueName } from '../helpers.js';

const s3 = new S3Client(s3Config());
let bucket: string;

const account = (accountId: string, name: string): AccountRecord => ({
  recordType: 'account', schemaVersion: '1.0', accountId, name, email: 'e@example.com', status: 'ACTIVE', payerId: '111111111111', ouPath: 'Root',
  joinedAt: null, tags: {}, owner: null, executive: null, spend: null, observedAt: '2026-11-24T08:00:00Z',
});

beforeAll(async () => {
  bucket = uniqueName('p4-src');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

describe('account list', () => {
  it('is read once, re-read when its ETag changes, and kept when S3 says it is unchanged', async () => {
    const directory = new AccountDirectory(s3, bucket, 0);
    expect((await directory.current()).size).toBe(0); // no list yet: every record is flagged, nothing fails
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: JSON.stringify([account('111111111111', 'prod')]) }));
    expect([...(await directory.current()).values()].map((a) => a.name)).toEqual(['prod']);
    const same = await directory.current();
    expect(await directory.current()).toBe(same); // 304 Not Modified: the cached map itself
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: JSON.stringify([account('111111111111', 'prod'), account('222222222222', 'dev'), { junk: true }]) }),
    );
    expect([...(await directory.current()).keys()].sort()).toEqual(['111111111111', '222222222222']);
  });

  it('does not ask S3 again within its max age', async () => {
    const directory = new AccountDirectory(s3, bucket, 60_000);
    const first = await directory.current(1_000);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: '[]' }));
    expect(await directory.current(2_000)).toBe(first);
    expect((await directory.current(62_000)).size).toBe(0);
  });
});

describe('risk register in S3', () => {
  it('loads an XLSX register from an s3:// URL, skipping broken rows', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('exceptions');
    ws.addRow(['exceptionId', 'accountId', 'requirementId', 'resourceId', 'reason', 'approvedBy', 'expiresAt']);
    ws.addRow(['E1', '111111111111', 'CSS-S3-01', 'arn:aws:s3:::b', 'legacy', 'ciso', '2099-01-01']);
    ws.addRow(['E2', '111111111111', '', 'arn:aws:s3:::c', 'legacy', 'ciso', '2099-01-01']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'config/exceptions.xlsx', Body: Buffer.from(await wb.xlsx.writeBuffer()) }));
    const { entries, problems } = await loadExceptionRegister(`s3://${bucket}/config/exceptions.xlsx`, { s3 });
    expect(entries.map((e) => e.exceptionId)).toEqual(['E1']);
    expect(problems).toEqual([{ row: 3, reason: 'missing requirementId' }]);
    await expect(loadExceptionRegister(`s3://${bucket}/config/missing.csv`, { s3 })).rejects.toThrow(/cannot read s3:\/\/.*missing.csv: NoSuchKey/);
  });
});
