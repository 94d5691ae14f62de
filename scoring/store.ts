// S3 side of a run: scores into the NDJSON feed, scorecards under the run's date.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { s3Keys } from '../core/indexes.js';
import { parseWith, type ScoreRecord } from '../core/schemas.js';
import { toNdjson } from './offline.js';
import { withEventTime } from '../feed/event-time.js';
import { MANIFEST, ScorecardManifest } from './scorecards/index.js';
import { XLSX_CONTENT_TYPE } from './scorecards/sheet.js';

/** The feed object of a run: one key per run, so a retried run overwrites rather than doubles. */
export function scoresFeedKey(runAt: string): string {
  return `${s3Keys.feedPrefix('score', new Date(runAt))}scores-${runAt.replace(/[:.]/g, '')}.ndjson.gz`;
}

export async function writeScoresFeed(s3: S3Client, bucket: string, scores: ScoreRecord[], runAt: string): Promise<string> {
  const key = scoresFeedKey(runAt);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(toNdjson(scores.map(withEventTime))), ContentType: 'application/gzip' }));
  return key;
}

/** Upload the workbooks and the manifest of `dir` under `scorecards/<asOf>/`; returns the manifest's key. */
export async function uploadScorecards(s3: S3Client, bucket: string, dir: string, manifest: ScorecardManifest): Promise<string> {
  const prefix = s3Keys.scorecards(manifest.asOf);
  const files = [manifest.enterprise.file, ...manifest.owners.map((o) => o.file), ...(manifest.unowned ? [manifest.unowned.file] : [])];
  for (const file of files) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + file, Body: await readFile(join(dir, file)), ContentType: XLSX_CONTENT_TYPE }));
  }
  // The manifest goes last: delivery never sees a manifest whose workbooks are not there yet.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: prefix + MANIFEST, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json' }));
  return prefix + MANIFEST;
}

/** Where a run's scorecards are: a local folder, or an S3 bucket under the as-of date. */
export type ScorecardSource = { dir: string } | { s3: S3Client; bucket: string; asOf: string };

async function readBytes(source: ScorecardSource, file: string): Promise<Buffer> {
  if ('dir' in source) return readFile(join(source.dir, file));
  const key = s3Keys.scorecards(source.asOf) + file;
  try {
    const res = await source.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: key }));
    return Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    throw new Error(`cannot read s3://${source.bucket}/${key}: ${(err as Error).name}: ${(err as Error).message}`);
  }
}

export async function readManifest(source: ScorecardSource): Promise<ScorecardManifest> {
  const bytes = await readBytes(source, MANIFEST);
  return parseWith(ScorecardManifest, JSON.parse(bytes.toString('utf8')), 'scorecard manifest');
}

export const readScorecard = readBytes;
