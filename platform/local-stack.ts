// Endpoints of the local real stack started by scripts/stack.sh (moto, kinesalite, OpenSearch).
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { clientConfig } from './aws.js';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export const localStack = {
  moto: `http://127.0.0.1:${process.env.CENSUS_MOTO_PORT ?? 5055}`,
  kinesis: `http://127.0.0.1:${process.env.CENSUS_KINESIS_PORT ?? 4567}`,
  opensearch: `http://127.0.0.1:${process.env.CENSUS_OPENSEARCH_PORT ?? 9250}`,
};

/** Point the SDK's standard endpoint variables at the local stack (moto for all, kinesalite for Kinesis). */
export function useLocalStack(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_ENDPOINT_URL = localStack.moto;
  env.AWS_ENDPOINT_URL_KINESIS = localStack.kinesis;
  env.AWS_ACCESS_KEY_ID ??= 'testing';
  env.AWS_SECRET_ACCESS_KEY ??= 'testing';
  env.AWS_REGION ??= 'us-east-1';
  env.CENSUS_OPENSEARCH_URL ??= localStack.opensearch;
  delete env.MOTO_ACCOUNT_ID;
}

/** Start moto, kinesalite and OpenSearch if they are not running (idempotent). */
export function stackUp(): void {
  execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export function stackStatus(): void {
  execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'status'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export function stackDown(): void {
  execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'down'], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Create a Kinesis stream on the local stack if it is missing and wait until it is ACTIVE (in AWS, infra/ creates it). */
export async function ensureStream(name: string, shards: number, kinesis = new KinesisClient(clientConfig())): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
  }
  for (let i = 0; i < 100; i++) {
    const s = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** Create a bucket on the local stack unless it exists already. */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
  }
}
