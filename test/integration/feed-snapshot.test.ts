// Issue 14: the feed offers changes by default and a full snapshot once a day (feed/snapshot/dt=...). Through the
// real processors, OpenSearch, moto S3 and the deployed scoring job: the snapshot lists what the scores count.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord, ResourceRecord, ScoreRecord } from '../../core/schemas.js';
import { snapshotManifestKey, writeDailySnapshot, type SnapshotManifest } from '../../feed/snapshot.js';
import { s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import type { ProcessorDeps } from '../../processors/pipeline.js';
import { currentStateOf, runScoringJob, scoreFromStack } from '../../scoring/job.js';
import { uniqueName } from '../helpers.js';
import { kinesisEvents, testIndexPrefix } from './processors-helpers.js';

const OWN = '565656565656';
/** in the accounts index from an earlier listing, no longer in the organization's account list */
const DEPARTED = '787878787878';
const prefix = testIndexPrefix('snap');
const s3 = new S3Client(s3Config());
const os = openSearchClient();
let deps: ProcessorDeps;
let config: CensusConfig;

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'snap-prod', email: 's@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice@example.com', executive: 'carol@example.com', spend: 10, observedAt: '2026-11-24T08:00:00Z',
};
const publicPolicy = (name: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/*` }] });

function bucket(name: string, capturedAt: string, opts: { policy?: boolean; accountId?: string; status?: ResourceRecord['configurationItemStatus'] } = {}): ResourceRecord {
  return {
    recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: name, arn: `arn:aws:s3:::${name}`, resourceName: name,
    awsAccountId: opts.accountId ?? OWN, awsRegion: 'us-east-1', configuration: opts.status === 'ResourceDeleted' ? {} : { name }, tags: {}, resourceCreationTime: null,
    supplementaryConfiguration: opts.policy ? { BucketPolicy: { policyText: JSON.stringify(publicPolicy(name)) } } : {},
    configurationItemCaptureTime: capturedAt, configurationItemStatus: opts.status ?? 'OK', collector: 's3', runId: 'run-1', errors: [],
  };
}

const event = kinesisEvents({ arrival: '2026-11-24T08:00:00Z', firstSequence: 9000 });

async function readObject(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: config.feedBucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** the manifest and every line of the parts it lists, checking each part's recorded size and hash */
async function readSnapshot(day: string): Promise<{ manifest: SnapshotManifest; lines: Record<string, unknown>[] }> {
  const manifest = JSON.parse((await readObject(snapshotManifestKey(day))).toString('utf8')) as SnapshotManifest;
  const lines: Record<string, unknown>[] = [];
  for (const part of manifest.parts) {
    const body = await readObject(part.key);
    expect(body.length).toBe(part.bytes);
    expect(createHash('sha256').update(body).digest('hex')).toBe(part.sha256);
    const text = gunzipSync(body).toString('utf8').trim().split('\n');
    expect(text).toHaveLength(part.lines);
    lines.push(...text.map((l) => JSON.parse(l) as Record<string, unknown>));
  }
  return { manifest, lines };
}

async function keysUnder(day: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: config.feedBucket, Prefix: s3Keys.snapshotPrefix(day) }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** findings the scores count for an account: the sum of its account × requirement cells */
const scoredFindings = (scores: ScoreRecord[], accountId: string) =>
  scores.filter((s) => s.scope === 'account-requirement' && s.accountId === accountId).reduce((n, s) => n + (s.total ?? 0), 0);

beforeAll(async () => {
  const feedBucket = uniqueName('snap-feed');
  const scorecardBucket = uniqueName('snap-cards');
  for (const b of [feedBucket, scorecardBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
  config = loadConfig({ feedBucket, deadLetterBucket: feedBucket, scorecardBucket, indexPrefix: prefix }, {});
  deps = await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 });
  await handleEvent(
    event([
      account,
      { ...account, accountId: DEPARTED, name: 'old-acquisition' },
      bucket('s-public', '2026-11-24T08:00:00Z', { policy: true }),
      bucket('s-one', '2026-11-24T08:00:00Z'),
      bucket('s-two', '2026-11-24T08:00:00Z'),
      bucket('s-departed', '2026-11-24T08:00:00Z', { policy: true, accountId: DEPARTED }),
    ]),
    deps,
  );
});

describe('the daily feed snapshot', () => {
  it('lists every current account, resource and open finding once, as the scores count them; written once a day', async () => {
    const summary = await runScoringJob(config, { asOf: '2026-11-24', runAt: '2026-11-24T08:30:00.000Z', workbooks: false }, { s3, opensearch: os });
    expect(summary.snapshotKey).toBe(snapshotManifestKey('2026-11-24'));
    const { manifest, lines } = await readSnapshot('2026-11-24');
    const of = (type: string) => lines.filter((l) => l.recordType === type);
    expect(of('account').map((a) => a.accountId)).toEqual([OWN]);
    expect(of('resource').map((r) => r.arn).sort()).toEqual(['arn:aws:s3:::s-one', 'arn:aws:s3:::s-public', 'arn:aws:s3:::s-two']);
    const findings = of('finding');
    expect(findings.length).toBeGreaterThan(3);
    expect(findings.every((f) => f.accountId === OWN)).toBe(true);
    expect(new Set(findings.map((f) => f.findingId)).size).toBe(findings.length);
    // the same picture as the scores of the same run
    const scored = await scoreFromStack(config, { asOf: '2026-11-24', runAt: '2026-11-24T08:31:00.000Z' }, { s3, opensearch: os });
    expect(findings.length).toBe(scoredFindings(scored.scores, OWN));
    expect(manifest.counts).toEqual({ account: 1, resource: 3, finding: findings.length });
    // feed lines: one event time, when the snapshot was taken, no store bookkeeping
    for (const l of lines) {
      expect(l.snapshotAt).toBe('2026-11-24T08:30:00.000Z');
      expect(typeof l.eventTime).toBe('string');
      for (const k of ['feedKey', 'configurationText', 'tagPairs', 'identityHash']) expect(l).not.toHaveProperty(k);
    }

    // the next hourly run of the same day leaves it alone
    const again = await runScoringJob(config, { asOf: '2026-11-24', runAt: '2026-11-24T09:30:00.000Z', workbooks: false }, { s3, opensearch: os });
    expect(again.snapshotKey).toBeUndefined();
    expect((await readSnapshot('2026-11-24')).manifest.snapshotAt).toBe('2026-11-24T08:30:00.000Z');
  });

  it('after a resource is deleted, the next day lists neither it nor its findings; a rewrite removes parts it no longer lists', async () => {
    // the public bucket goes (a deletion marker, as the event path or a complete run lands it)
    await handleEvent(event([bucket('s-public', '2026-11-25T07:00:00Z', { status: 'ResourceDeleted' })]), deps);
    const run = await scoreFromStack(config, { asOf: '2026-11-25', runAt: '2026-11-25T08:30:00.000Z' }, { s3, opensearch: os });
    // an earlier attempt of the day in small parts, as if it had been cut short after its manifest
    const small = await writeDailySnapshot(s3, os, { bucket: config.feedBucket, indexPrefix: prefix, day: '2026-11-25', snapshotAt: '2026-11-25T08:00:00.000Z', current: currentStateOf(run), maxLinesPerPart: 1 });
    expect(small.written && small.manifest.parts.length).toBeGreaterThan(4);
    // written before the job closed anything: the index still shows the gone bucket's findings open, the run does not
    const early = await readSnapshot('2026-11-25');
    expect(early.lines.filter((l) => l.recordType === 'finding').some((f) => f.resourceArn === 'arn:aws:s3:::s-public')).toBe(false);
    expect(early.manifest.counts.finding).toBe(scoredFindings(run.scores, OWN));

    const summary = await runScoringJob(config, { asOf: '2026-11-25', runAt: '2026-11-25T08:30:00.000Z', workbooks: false, snapshot: 'force' }, { s3, opensearch: os });
    expect(summary.closed).toBeGreaterThanOrEqual(1);
    const { manifest, lines } = await readSnapshot('2026-11-25');
    expect(lines.filter((l) => l.recordType === 'resource').map((r) => r.arn).sort()).toEqual(['arn:aws:s3:::s-one', 'arn:aws:s3:::s-two']);
    expect(lines.filter((l) => l.recordType === 'finding').some((f) => f.resourceArn === 'arn:aws:s3:::s-public')).toBe(false);
    const scored = await scoreFromStack(config, { asOf: '2026-11-25', runAt: '2026-11-25T08:31:00.000Z' }, { s3, opensearch: os });
    expect(manifest.counts.finding).toBe(scoredFindings(scored.scores, OWN));
    // only the parts the manifest lists are left: no line of the earlier attempt can be read twice
    expect(await keysUnder('2026-11-25')).toEqual([...manifest.parts.map((p) => p.key), snapshotManifestKey('2026-11-25')].sort());
    // the day before keeps its own snapshot
    expect((await readSnapshot('2026-11-24')).manifest.counts.resource).toBe(3);
  });
});
