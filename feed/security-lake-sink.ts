// The stream's Security Lake output: whenever the processors land resources or OCSF findings in the NDJSON
// feed, the same records go to the Security Lake location as OCSF Parquet (one class per object, partitioned
// as Security Lake documents). Turned on by CENSUS_SECURITY_LAKE=s3://bucket/prefix/.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import { ResourceRecord } from '../core/schemas.js';
import { clientConfig, defaultRegion, s3Config } from '../platform/aws.js';
import { resourceToOcsf } from './ocsf-inventory.js';
import { lakeObjects, shortStem, type LakeObject } from './security-lake.js';

export interface LakeLocation {
  bucket: string;
  /** ends with `/`; the source folders go under it (`ext/` in a Security Lake bucket) */
  prefix: string;
  homeRegion: string;
  /** Security Lake's custom-source provider role, assumed to write (absent: the caller's own credentials) */
  roleArn?: string;
  externalId?: string;
  sourceNames?: Record<number, string>;
}

export function parseLakeLocation(uri: string, homeRegion = defaultRegion()): LakeLocation {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?(.*)$/.exec(uri.trim());
  if (!m) throw new Error(`CENSUS_SECURITY_LAKE "${uri}" is not an s3://bucket/prefix/ location`);
  const prefix = m[2] ? (m[2].endsWith('/') ? m[2] : `${m[2]}/`) : '';
  return { bucket: m[1]!, prefix, homeRegion };
}

/** The location from the environment, or undefined when Security Lake output is off. */
export function lakeLocationFromEnv(env: NodeJS.ProcessEnv = process.env): LakeLocation | undefined {
  if (!env.CENSUS_SECURITY_LAKE) return undefined;
  const loc = parseLakeLocation(env.CENSUS_SECURITY_LAKE, env.CENSUS_SECURITY_LAKE_REGION || defaultRegion());
  const names: Record<number, string> = {};
  if (env.CENSUS_SECURITY_LAKE_FINDINGS_SOURCE) names[2003] = env.CENSUS_SECURITY_LAKE_FINDINGS_SOURCE;
  if (env.CENSUS_SECURITY_LAKE_RESOURCES_SOURCE) names[5023] = env.CENSUS_SECURITY_LAKE_RESOURCES_SOURCE;
  return { ...loc, roleArn: env.CENSUS_SECURITY_LAKE_ROLE_ARN || undefined, externalId: env.CENSUS_SECURITY_LAKE_EXTERNAL_ID || undefined, sourceNames: names };
}

/** OCSF events for one feed kind, or undefined for kinds Security Lake does not take. */
export function lakeEvents(kind: string, records: object[]): Record<string, unknown>[] | undefined {
  if (kind === 'ocsf-finding') return records as Record<string, unknown>[];
  if (kind === 'resource') return records.map((r) => resourceToOcsf(ResourceRecord.parse(r)));
  return undefined;
}

function assumedCredentials(roleArn: string, externalId: string | undefined): AwsCredentialIdentityProvider {
  const sts = new STSClient(clientConfig());
  let current: AwsCredentialIdentity | undefined;
  return async () => {
    if (!current || (current.expiration && current.expiration.getTime() - Date.now() < 5 * 60_000)) {
      const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'census-security-lake', ExternalId: externalId }));
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`AssumeRole ${roleArn} returned no credentials`);
      current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    }
    return current;
  };
}

export class SecurityLakeWriter {
  private readonly s3: S3Client;

  constructor(
    readonly location: LakeLocation,
    s3?: S3Client,
  ) {
    this.s3 = s3 && !location.roleArn ? s3 : new S3Client(s3Config(location.roleArn ? { credentials: assumedCredentials(location.roleArn, location.externalId) } : {}));
  }

  /**
   * Write one feed object's records as Security Lake objects named after `name` (the feed object's own name or
   * stream range): the same name gives the same keys, so a replayed batch overwrites instead of duplicating.
   */
  async write(kind: string, records: object[], name: string): Promise<LakeObject[]> {
    const events = lakeEvents(kind, records);
    if (!events?.length) return [];
    const { bucket, prefix, homeRegion, sourceNames } = this.location;
    const objects = lakeObjects(events, { root: prefix, homeRegion, sourceNames, stem: shortStem(kind, name) });
    const limit = pLimit(8);
    await Promise.all(
      objects.map((o) =>
        limit(() => this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: o.key, Body: o.body, ContentType: 'application/vnd.apache.parquet' }))),
      ),
    );
    return objects;
  }
}

/**
 * The feed sink with Security Lake output added: Parquet first, then the feed object, so a feed object that
 * exists (which a replay may take as "delivered") always has its Security Lake copy. Every other method is the
 * inner sink's own.
 */
export function withSecurityLake<T extends { write(kind: never, records: object[], where: never): Promise<void> }>(inner: T, writer: SecurityLakeWriter | undefined): T {
  if (!writer) return inner;
  const wrapped = Object.create(inner) as T;
  const write = inner.write.bind(inner) as (kind: string, records: object[], where: unknown) => Promise<void>;
  (wrapped as unknown as { write: typeof write }).write = async (kind, records, where) => {
    await writer.write(kind, records, typeof where === 'string' ? where : JSON.stringify(where));
    await write(kind, records, where);
  };
  return wrapped;
}

/** The writer CENSUS_SECURITY_LAKE asks for, or undefined when it is unset. */
export function securityLakeWriterFromEnv(s3?: S3Client, env: NodeJS.ProcessEnv = process.env): SecurityLakeWriter | undefined {
  const location = lakeLocationFromEnv(env);
  return location && new SecurityLakeWriter(location, s3);
}
