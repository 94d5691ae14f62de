// One place where every AWS SDK v3 client gets its settings: adaptive retries, an HTTP/1.1 handler
// (kinesalite and moto's Kinesis fail on the default HTTP/2 one), and emulator-friendly S3 options.
// Endpoints come from the SDK's standard configuration (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { loadedSettings } from './config.js';

export interface ClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
const requestHandler = new NodeHttpHandler({ httpAgent, httpsAgent, connectionTimeout: 5_000, requestTimeout: 60_000 });

/** True when an emulator endpoint is configured (moto, kinesalite). */
export function usingLocalEndpoint(): boolean {
  return Boolean(process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3);
}

export function defaultRegion(): string {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** Settings shared by every client: pass to any `new XxxClient(clientConfig(...))`. */
export function clientConfig(opts: ClientOptions = {}) {
  return {
    region: opts.region ?? defaultRegion(),
    credentials: opts.credentials,
    retryMode: 'adaptive' as const,
    maxAttempts: opts.maxAttempts ?? loadedSettings().awsMaxAttempts,
    requestHandler,
  };
}

/** S3 needs path-style addressing and no optional checksums against local emulators. */
export function s3Config(opts: ClientOptions = {}) {
  const local = usingLocalEndpoint();
  return {
    ...clientConfig(opts),
    forcePathStyle: local || undefined,
    requestChecksumCalculation: local ? ('WHEN_REQUIRED' as const) : undefined,
    responseChecksumValidation: local ? ('WHEN_REQUIRED' as const) : undefined,
  };
}

export { decodePolicyDocument } from '../policy/decode.js';
