// Endpoints of the local real stack started by scripts/stack.sh (moto, kinesalite, OpenSearch).
import { execFileSync } from 'node:child_process';
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

export function stackDown(): void {
  execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'down'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
