// The CLI commands as people run them: a real child process, real files, exit codes and output.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { s3Keys } from '../../core/indexes.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';
import { ensureStream, repoRoot } from '../../platform/local-stack.js';

const run = promisify(execFile);
const fixtures = join(repoRoot, 'test/fixtures/processors');

async function census(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return censusWith({}, ...args);
}

async function censusWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('census policy principals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p4cli-'));
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::464622532012:root', '555555555555'] }, Action: 'sts:AssumeRole' }] };

  it('prints the accounts a URL-encoded trust policy grants, classified by the vendored known-accounts list with no flag', async () => {
    const file = join(dir, 'trust.txt');
    writeFileSync(file, encodeURIComponent(JSON.stringify(trust)));
    const { code, stdout } = await census('policy', 'principals', file, '--output', 'json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.public).toBe(false);
    expect(report.accounts).toEqual([
      { accountId: '464622532012', via: 'principal', classification: 'known', name: 'Datadog', approved: null },
      { accountId: '555555555555', via: 'principal', classification: 'unknown', name: null, approved: null },
    ]);
  });

  it('finds the policies inside a larger document and flags a public one', async () => {
    const file = join(dir, 'bucket.json');
    writeFileSync(file, JSON.stringify({ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }] }) }));
    const { code, stdout } = await census('policy', 'principals', file, '--output', 'json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ public: true, policies: [{ path: 'Policy', public: true }] });
  });

  it('exits 1 with a clear error for unreadable input', async () => {
    const missing = await census('policy', 'principals', join(dir, 'missing.json'));
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/cannot read .*missing.json: ENOENT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"Statement": [');
    expect((await census('policy', 'principals', bad)).stderr).toMatch(/bad.json: not a JSON \(or URL-encoded JSON\) policy document/);
    const none = join(dir, 'none.json');
    writeFileSync(none, '{"hello": "world"}');
    expect((await census('policy', 'principals', none)).stderr).toMatch(/none.json: no policy document found/);
  });
});

describe('census exceptions validate', () => {
  it('reports broken rows by number and exits 1', async () => {
    const { code, stdout, stderr } = await census('exceptions', 'validate', join(fixtures, 'register-broken.csv'), '--as-of', '2026-11-24', '--output', 'json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ valid: 2, broken: 5, expired: ['EX-6'] });
    expect(report.problems.map((p: { row: number }) => p.row)).toEqual([3, 4, 5, 6, 8]);
    expect(stderr).toMatch(/5 broken rows \(skipped; the 2 valid entries still apply\)/);
  });

  it('exits 0 for a clean register and names an unreadable one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p4cli-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify([{ exceptionId: 'E1', accountId: '111111111111', requirementId: 'CSS-S3-01', resourceId: 'b', reason: 'r', approvedBy: 'ciso', expiresAt: '2099-01-01' }]));
    const ok = await census('exceptions', 'validate', good);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/1 valid entries, 0 broken rows/);
    const broken = join(dir, 'broken.xlsx');
    writeFileSync(broken, 'not a workbook');
    const res = await census('exceptions', 'validate', broken);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/broken.xlsx: not a readable XLSX workbook/);
  });
});

describe('census process', () => {
  const cliPrefix = testIndexPrefix('p4cli');
  it('drains the local stream into S3 and OpenSearch and prints what it did', async () => {
    const s3 = new S3Client(s3Config());
    const kinesis = new KinesisClient(clientConfig());
    const bucket = uniqueName('p4-clip');
    const stream = uniqueName('p4-clis');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: '[]' }));
    await ensureStream(stream, 1, kinesis);
    const account = {
      recordType: 'account', schemaVersion: '1.0', accountId: '111111111111', name: 'prod', email: 'e@example.com', status: 'ACTIVE', payerId: '111111111111',
      ouPath: 'Root', joinedAt: null, tags: {}, owner: null, executive: null, spend: null, observedAt: '2026-11-24T08:00:00Z',
    };
    await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [account, 'not json'].map((r) => ({ Data: Buffer.from(typeof r === 'string' ? r : JSON.stringify(r)), PartitionKey: 'k' })) }));
    const env = { CENSUS_FEED_BUCKET: bucket, CENSUS_DEAD_LETTER_BUCKET: bucket, CENSUS_INDEX_PREFIX: cliPrefix, CENSUS_LOG_LEVEL: 'silent' };
    const res = await censusWith(env, 'process', '--stream', stream, '--until', 'drained', '--output', 'json');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ shards: 1, received: 2, landed: 1, deadLettered: 1 });
    expect(res.stderr).toMatch(/shardId-000000000000: 2 records, 1 landed, 0 unchanged \(0 without deriving again\), 1 dead-lettered, 0 to retry/);
  });
});

