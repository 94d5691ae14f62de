// The stream's Security Lake output: whenever the processors land resources, OCSF findings or change records in
// the NDJSON feed, the same records go to Security Lake as OCSF (one class per object, partitioned as Security Lake
// documents). Turned on by CENSUS_SECURITY_LAKE=s3://bucket/prefix/ or, for registered custom sources,
// CENSUS_SECURITY_LAKE_SOURCES (see lakeLocationFromEnv). With CENSUS_SECURITY_LAKE_STAGING the events are staged
// in the feed bucket and `census lake compact` merges them into Security Lake-sized objects (feed/lake-staging.ts);
// without it each feed write becomes its own Parquet objects in the lake (small: offline use and tests).
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import { ChangeRecord, ResourceRecord } from '../core/schemas.js';
import { clientConfig, defaultRegion, s3Config } from '../platform/aws.js';
import { changeToOcsf } from './ocsf-change.js';
import { resourceToOcsf } from './ocsf-inventory.js';
import { FEED_KEY_META, stagedObjects } from './lake-staging.js';
import { OCSF_CLASSES } from './ocsf-parquet.js';
import { lakeObjects, shortStem, type LakeObject } from './security-lake.js';
import { wrapSinkWrite, type WritableSink } from './wrap-sink.js';

/** Where one OCSF class goes: a Security Lake custom source's location and the role it gives its provider. */
export interface LakeSource {
  bucket: string;
  /** the source's folder, ending in `/`; partitions go below it */
  prefix: string;
  /** the custom source's provider role, assumed to write (absent: the caller's own credentials) */
  roleArn?: string;
}

export interface LakeLocation {
  /** per OCSF class uid (2003, 5019, 5023) */
  sources: Record<number, LakeSource>;
  homeRegion: string;
  externalId?: string;
  /** where the processors stage events for `census lake compact` (a prefix of the feed bucket); unset: straight to the lake */
  staging?: { bucket: string; prefix: string };
}

function parseS3Uri(uri: string, name: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?(.*)$/.exec(uri.trim());
  if (!m) throw new Error(`${name} "${uri}" is not an s3://bucket/prefix/ location`);
  return { bucket: m[1]!, prefix: m[2] ? (m[2].endsWith('/') ? m[2] : `${m[2]}/`) : '' };
}

/**
 * The location from the environment, or undefined when Security Lake output is off. Either
 * CENSUS_SECURITY_LAKE=s3://bucket/ext/ (one folder per class below it, named by OCSF_CLASSES or
 * CENSUS_SECURITY_LAKE_FINDINGS_SOURCE / _RESOURCES_SOURCE), or CENSUS_SECURITY_LAKE_SOURCES, the JSON
 * `{"2003": {"location": "s3://...", "roleArn": "..."}, "5023": {...}}` of registered custom sources.
 */
export function lakeLocationFromEnv(env: NodeJS.ProcessEnv = process.env): LakeLocation | undefined {
  const homeRegion = env.CENSUS_SECURITY_LAKE_REGION || defaultRegion();
  const externalId = env.CENSUS_SECURITY_LAKE_EXTERNAL_ID || undefined;
  const staging = env.CENSUS_SECURITY_LAKE_STAGING ? parseS3Uri(env.CENSUS_SECURITY_LAKE_STAGING, 'CENSUS_SECURITY_LAKE_STAGING') : undefined;
  if (staging && !staging.prefix) throw new Error(`CENSUS_SECURITY_LAKE_STAGING "${env.CENSUS_SECURITY_LAKE_STAGING}" needs a prefix (e.g. s3://feed-bucket/lake-staging/): the compaction deletes what is under it`);
  if (env.CENSUS_SECURITY_LAKE_SOURCES) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.CENSUS_SECURITY_LAKE_SOURCES);
    } catch (err) {
      throw new Error(`CENSUS_SECURITY_LAKE_SOURCES is not JSON: ${(err as Error).message}`);
    }
    const sources: Record<number, LakeSource> = {};
    for (const [uid, v] of Object.entries(parsed as Record<string, { location?: unknown; roleArn?: unknown }>)) {
      if (!OCSF_CLASSES[Number(uid)]) throw new Error(`CENSUS_SECURITY_LAKE_SOURCES: ${uid} is not an OCSF class Census writes (${Object.keys(OCSF_CLASSES).join(', ')})`);
      if (typeof v?.location !== 'string') throw new Error(`CENSUS_SECURITY_LAKE_SOURCES.${uid}.location: expected an s3:// location`);
      sources[Number(uid)] = { ...parseS3Uri(v.location, `CENSUS_SECURITY_LAKE_SOURCES.${uid}.location`), ...(typeof v.roleArn === 'string' && v.roleArn ? { roleArn: v.roleArn } : {}) };
    }
    return { sources, homeRegion, externalId, ...(staging ? { staging } : {}) };
  }
  if (!env.CENSUS_SECURITY_LAKE) return undefined;
  const root = parseS3Uri(env.CENSUS_SECURITY_LAKE, 'CENSUS_SECURITY_LAKE');
  const names: Record<number, string | undefined> = {
    2003: env.CENSUS_SECURITY_LAKE_FINDINGS_SOURCE,
    5019: env.CENSUS_SECURITY_LAKE_CHANGES_SOURCE,
    5023: env.CENSUS_SECURITY_LAKE_RESOURCES_SOURCE,
  };
  const roleArn = env.CENSUS_SECURITY_LAKE_ROLE_ARN || undefined;
  const sources = Object.fromEntries(
    Object.values(OCSF_CLASSES).map((c) => [c.uid, { bucket: root.bucket, prefix: `${root.prefix}${names[c.uid] || c.sourceName}/`, ...(roleArn ? { roleArn } : {}) }]),
  );
  return { sources, homeRegion, externalId, ...(staging ? { staging } : {}) };
}

/** OCSF events for one feed kind, or undefined for kinds Security Lake does not take. */
export function lakeEvents(kind: string, records: object[]): Record<string, unknown>[] | undefined {
  if (kind === 'ocsf-finding') return records as Record<string, unknown>[];
  if (kind === 'resource') return records.map((r) => resourceToOcsf(ResourceRecord.parse(r)));
  if (kind === 'change') return records.map((r) => changeToOcsf(ChangeRecord.parse(r)));
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
  private readonly clients = new Map<string, S3Client>();

  constructor(
    readonly location: LakeLocation,
    private readonly s3?: S3Client,
  ) {}

  /** one client per provider role (each custom source has its own); the caller's own without a role */
  client(roleArn: string | undefined): S3Client {
    const key = roleArn ?? '';
    let c = this.clients.get(key);
    if (!c) {
      c = roleArn ? new S3Client(s3Config({ credentials: assumedCredentials(roleArn, this.location.externalId) })) : (this.s3 ?? new S3Client(s3Config()));
      this.clients.set(key, c);
    }
    return c;
  }

  /** the folder of each class's source, as lakeObjects takes it */
  sourceRoots(): Record<number, string> {
    return Object.fromEntries(Object.entries(this.location.sources).map(([uid, s]) => [uid, s.prefix]));
  }

  /**
   * Write one feed object's records for Security Lake, named after `name` (the feed object's key): the same name
   * gives the same keys, so a replayed batch overwrites instead of duplicating. Staged (gzip NDJSON, carrying the
   * feed key, for the compaction) when the location has a staging prefix, else Parquet straight into the lake.
   */
  async write(kind: string, records: object[], name: string): Promise<{ bucket: string; key: string; rows: number }[]> {
    const events = lakeEvents(kind, records);
    if (!events?.length) return [];
    const { sources, homeRegion, staging } = this.location;
    const wanted = events.filter((e) => sources[e.class_uid as number]);
    const stem = shortStem(kind, name);
    if (staging) {
      const staged = stagedObjects(wanted, { prefix: staging.prefix, homeRegion, stem });
      const s3 = this.client(undefined);
      const limit = pLimit(8);
      return Promise.all(
        staged.map((o) =>
          limit(async () => {
            await s3.send(new PutObjectCommand({ Bucket: staging.bucket, Key: o.key, Body: o.body, ContentType: 'application/gzip', Metadata: { [FEED_KEY_META]: name } }));
            return { bucket: staging.bucket, key: o.key, rows: o.rows };
          }),
        ),
      );
    }
    return this.putLake(lakeObjects(wanted, { homeRegion, sourceRoots: this.sourceRoots(), stem }));
  }

  /** Parquet objects into their sources' folders, each with its source's provider role. */
  async putLake(objects: LakeObject[]): Promise<{ bucket: string; key: string; rows: number; bytes: number }[]> {
    const { sources } = this.location;
    const limit = pLimit(8);
    return Promise.all(
      objects.map((o) =>
        limit(async () => {
          const source = sources[o.classUid]!;
          await this.client(source.roleArn).send(new PutObjectCommand({ Bucket: source.bucket, Key: o.key, Body: o.body, ContentType: 'application/vnd.apache.parquet' }));
          return { bucket: source.bucket, key: o.key, rows: o.rows, bytes: o.body.length };
        }),
      ),
    );
  }
}

/**
 * The feed sink with Security Lake output added: Parquet first, then the feed object, so a feed object that
 * exists (which a replay may take as "delivered") always has its Security Lake copy. Every other method is the
 * inner sink's own.
 */
export function withSecurityLake<T extends WritableSink>(inner: T, writer: SecurityLakeWriter | undefined): T {
  if (!writer) return inner;
  return wrapSinkWrite(inner, (write) => async (kind, records, where) => {
    await writer.write(kind, records, typeof where === 'string' ? where : JSON.stringify(where));
    await write(kind, records, where);
  });
}

/** The writer CENSUS_SECURITY_LAKE asks for, or undefined when it is unset. */
export function securityLakeWriterFromEnv(s3?: S3Client, env: NodeJS.ProcessEnv = process.env): SecurityLakeWriter | undefined {
  const location = lakeLocationFromEnv(env);
  return location && new SecurityLakeWriter(location, s3);
}
