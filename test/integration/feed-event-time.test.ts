// Feed lines as a SIEM reads them from S3 (moto): one top-level eventTime in every record line, and one content
// type for every feed object, scores included.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { s3Keys } from '../../core/indexes.js';
import type { AccountRecord, ResourceRecord, ScoreRecord } from '../../core/schemas.js';
import { s3Config } from '../../platform/aws.js';
import { loadConfig } from '../../platform/config.js';
import { processorDeps } from '../../processors/deps.js';
import { handleEvent } from '../../processors/lambda.js';
import { writeScoresFeed } from '../../scoring/store.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';

const OWN = '111111111111';
const s3 = new S3Client(s3Config());
const prefix = testIndexPrefix('feedtime');
const feedBucket = uniqueName('time-feed');
const deadLetterBucket = uniqueName('time-dlq');

const account: AccountRecord = {
  recordType: 'account', schemaVersion: '1.0', accountId: OWN, name: 'prod', email: 'p@example.com', status: 'ACTIVE', payerId: OWN,
  ouPath: 'Root/Prod', joinedAt: null, tags: {}, owner: 'alice', executive: 'carol', spend: 10, observedAt: '2026-11-24T08:00:00.000Z',
};
const resource: ResourceRecord = {
  recordType: 'resource', schemaVersion: '1.0', resourceType: 'AWS::S3::Bucket', resourceId: 'tb', arn: 'arn:aws:s3:::tb', resourceName: 'tb',
  awsAccountId: OWN, awsRegion: 'us-east-1', configuration: { name: 'tb' }, tags: {}, resourceCreationTime: null, supplementaryConfiguration: {},
  configurationItemCaptureTime: '2026-11-24T09:00:00.000Z', configurationItemStatus: 'OK', collector: 's3', runId: 'run-1', errors: [],
};

async function objects(under: string): Promise<{ key: string; contentType?: string; lines: Record<string, unknown>[] }[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: feedBucket, Prefix: under }));
  return Promise.all(
    (res.Contents ?? []).map(async (o) => {
      const head = await s3.send(new HeadObjectCommand({ Bucket: feedBucket, Key: o.Key! }));
      const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: feedBucket, Key: o.Key! }))).Body!.transformToByteArray());
      const lines = gunzipSync(body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      return { key: o.Key!, contentType: head.ContentType, lines };
    }),
  );
}

beforeAll(async () => {
  for (const b of [feedBucket, deadLetterBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify([account]) }));
});

describe('one event time and one content type in the feed (moto + OpenSearch)', () => {
  it('processor lines: eventTime beside each kind\'s own time; OCSF lines keep OCSF time', async () => {
    const deps = await processorDeps(loadConfig({ feedBucket, deadLetterBucket, indexPrefix: prefix }, {}), { refresh: true, accountListMaxAgeMs: 0 });
    const data = (r: object) => Buffer.from(JSON.stringify(r)).toString('base64');
    const res = await handleEvent(
      {
        Records: [account, resource].map((r, i) => ({
          eventID: `shardId-000000000000:${i}`,
          kinesis: { data: data(r), sequenceNumber: String(7000 + i).padStart(20, '0'), approximateArrivalTimestamp: Date.parse('2026-11-24T10:00:00Z') / 1000 },
        })),
      },
      deps,
    );
    expect(res.batchItemFailures).toEqual([]);
    const all = await objects('feed/');
    const lines = (kind: string) => all.filter((o) => o.key.startsWith(`feed/${kind}/`)).flatMap((o) => o.lines);
    expect(lines('account')).toEqual([expect.objectContaining({ eventTime: account.observedAt, observedAt: account.observedAt })]);
    expect(lines('resource')).toEqual([expect.objectContaining({ eventTime: resource.configurationItemCaptureTime, configurationItemCaptureTime: resource.configurationItemCaptureTime })]);
    expect(lines('finding').length).toBeGreaterThan(0);
    for (const f of lines('finding')) expect(f.eventTime).toBe(f.observedAt);
    for (const o of lines('ocsf-finding')) {
      expect(o.eventTime).toBeUndefined();
      expect(o.time).toBe(Date.parse(o.time_dt as string));
    }
    for (const o of all) expect(o.contentType).toBe('application/gzip');
  });

  it('scores: the same eventTime (their runAt) and the same content type as the rest of the feed', async () => {
    const score: ScoreRecord = { recordType: 'score', schemaVersion: '1.0', scoreId: 's1', scope: 'enterprise', score: 0.75, asOf: '2026-11-24', runAt: '2026-11-24T11:00:00.000Z' };
    const key = await writeScoresFeed(s3, feedBucket, [score], score.runAt);
    const [o] = (await objects('feed/score/')).filter((x) => x.key === key);
    expect(o!.contentType).toBe('application/gzip');
    expect(o!.lines).toEqual([{ ...score, eventTime: score.runAt }]);
  });
});
