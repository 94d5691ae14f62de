// Issue 18: a failing resource deleted between two complete inventories stops counting from the next
// scoring run — through the real processors (deletion markers in OpenSearch) and the deployed job.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { identityHash } from '../../core/content.js';
import { indexNames, s3Keys } from '../../core/indexes.js';
import type { AccountRecord, FindingRecord, InventoryRunRecord, ResourceRecord, ScoreRecord } from '../../core/schemas.js';
import { s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { runScoringJob, scoreFromStack } from '../../scoring/job.js';
import { writeScorecards } from '../../scoring/scorecards/index.js';
import { uniqueName } from '../helpers.js';
import { kinesisEvents, testIndexPrefix } from './processors-helpers.js';

const OWN = '121212121212';
/** an account the organization once listed (it is in the accounts index) and no longer does */
const DEPARTED = '343434343434';
const prefix = testIndexPrefix('s18del');
const s3 = new S3Client(s3Config());
const os = openSearchClient();
let deps: ProcessorDeps;
let config: CensusConfig;

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'web-prod', email: 'w@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice@example.com', executive: 'carol@example.com', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};
const publicPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-public/*' }] };

function bucket(name: string, capturedAt: string, runId: string, policy?: object, awsAccountId = OWN): ResourceRecord {
  return {
    recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: name, arn: `arn:aws:s3:::${name}`, resourceName: name,
    awsAccountId, awsRegion: 'us-east-1', configuration: { name }, tags: {}, resourceCreationTime: null,
    supplementaryConfiguration: policy ? { BucketPolicy: { policyText: JSON.stringify(policy) } } : {},
    configurationItemCaptureTime: capturedAt, configurationItemStatus: 'OK', collector: 's3', runId, errors: [],
  };
}
/** A complete run as the collectors write it: what it saw, as identity hashes of the ARNs. */
const run = (runId: string, startedAt: string, finishedAt: string, names: string[]): InventoryRunRecord => ({
  recordType: 'inventory-run', schemaVersion: '1.0', runId, accountId: OWN, collectors: ['s3'], complete: true,
  scopes: [{ collector: 's3', region: 'global', complete: true, resourceCount: names.length }],
  seen: names.map((n) => identityHash(`arn:aws:s3:::${n}`)).sort(), errors: [], startedAt, finishedAt,
});

const event = kinesisEvents({ arrival: '2026-11-24T10:00:00Z', firstSequence: 5000 });

beforeAll(async () => {
  const feedBucket = uniqueName('s18-feed');
  const scorecardBucket = uniqueName('s18-cards');
  for (const b of [feedBucket, scorecardBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
  config = loadConfig({ feedBucket, deadLetterBucket: feedBucket, scorecardBucket, indexPrefix: prefix }, {});
  deps = await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 });
});

const cellOf = (scores: ScoreRecord[]) => scores.find((s) => s.scope === 'account-requirement' && s.accountId === OWN && s.requirementId === 'CSS-S3-01')!;
const accountScore = (scores: ScoreRecord[]) => scores.find((s) => s.scope === 'account' && s.accountId === OWN)!.score!;

describe('a failing resource deleted between two inventories', () => {
  it('stops counting from the next scoring run; its finding is closed with status kept', async () => {
    // inventory 1: one public bucket (FAIL CSS-S3-01) and two private ones
    await handleEvent(
      event([
        account,
        { ...account, accountId: DEPARTED, name: 'old-acquisition' },
        bucket('b-public', '2026-11-24T08:00:00Z', 'run-1', publicPolicy),
        bucket('b-one', '2026-11-24T08:00:00Z', 'run-1'),
        bucket('b-two', '2026-11-24T08:00:00Z', 'run-1'),
        bucket('b-departed', '2026-11-24T08:00:00Z', 'run-1', publicPolicy, DEPARTED),
      ]),
      deps,
    );
    await handleEvent(event([run('run-1', '2026-11-24T07:59:00Z', '2026-11-24T08:01:00Z', ['b-public', 'b-one', 'b-two'])]), deps);
    const first = await scoreFromStack(config, { asOf: '2026-11-24', runAt: '2026-11-24T08:30:00.000Z' }, { s3, opensearch: os });
    expect(cellOf(first.scores)).toMatchObject({ total: 3, failing: 1 });
    expect(first.nonCompliant.map((f) => f.resourceId)).toContain('b-public');
    // the departed account (in the accounts index, not in state/accounts.json): its findings are closed, it is not scored
    expect(first.closed.filter((c) => c.accountId === DEPARTED).map((c) => c.resolved.reason)).toEqual(expect.arrayContaining(['account-left']));
    expect(first.closed.filter((c) => c.accountId === DEPARTED).every((c) => c.resolved.reason === 'account-left')).toBe(true);
    expect(first.scores.some((s) => s.accountId === DEPARTED)).toBe(false);

    // inventory 2: the public bucket is gone; the complete run marks it ResourceDeleted
    await handleEvent(event([bucket('b-one', '2026-11-24T09:00:00Z', 'run-2'), bucket('b-two', '2026-11-24T09:00:00Z', 'run-2')]), deps);
    await handleEvent(event([run('run-2', '2026-11-24T08:59:00Z', '2026-11-24T09:01:00Z', ['b-one', 'b-two'])]), deps);
    const summary = await runScoringJob(config, { asOf: '2026-11-24', runAt: '2026-11-24T09:30:00.000Z', workbooks: false }, { s3, opensearch: os });
    expect(summary.closed).toBeGreaterThanOrEqual(1);
    const second = await scoreFromStack(config, { asOf: '2026-11-24', runAt: '2026-11-24T09:31:00.000Z' }, { s3, opensearch: os });
    expect(cellOf(second.scores)).toMatchObject({ total: 2, failing: 0, score: 1 });
    expect(accountScore(second.scores)).toBeGreaterThan(accountScore(first.scores));
    expect(second.nonCompliant.map((f) => f.resourceId)).not.toContain('b-public');

    // the finding document: closed, resolved by deletion at the run's finish, status as last observed
    const hits = await os.search({ index: indexNames(prefix).findings, body: { query: { bool: { filter: [{ term: { resourceId: 'b-public' } }, { term: { requirementId: 'CSS-S3-01' } }] } } } as never });
    const docs = (hits.body.hits.hits as { _source: FindingRecord }[]).map((h) => h._source);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ status: 'FAIL', resolved: { reason: 'resource-deleted', at: '2026-11-24T09:01:00Z' } });

    // and no workbook lists it
    const out = mkdtempSync(join(tmpdir(), 's18-cards-'));
    const manifest = await writeScorecards({ ...second, outDir: out });
    for (const file of [manifest.enterprise.file, ...manifest.owners.map((o) => o.file)]) {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(readFileSync(join(out, file)) as unknown as ArrayBuffer);
      wb.eachSheet((ws) => ws.eachRow((row) => expect(JSON.stringify(row.values)).not.toContain('b-public')));
    }
  });
});
