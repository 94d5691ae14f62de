// Build the processing dependencies from the Census configuration: one place for the Lambda handler,
// the local consumer and the CLI.
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { stat } from 'node:fs/promises';
import { clientConfig, s3Config } from '../platform/aws.js';
import { trustRegisterSources, type CensusConfig } from '../platform/config.js';
import { ExceptionIndex } from '../core/exceptions.js';
import { log } from '../platform/log.js';
import { openSearchClient } from '../platform/opensearch.js';
import { loadCatalog } from '../standard/index.js';
import { AccountDirectory } from './enrich-account.js';
import { loadExceptionRegister } from '../registers/exceptions.js';
import type { ProcessorDeps } from './pipeline.js';
import type { DecodeLimits } from './validate.js';
import { FirehoseFeedSink, S3FeedSink } from './sink-s3.js';
import { loadTrustRegister } from '../registers/trusted-accounts.js';
import { withFeedEventTime } from '../feed/event-time.js';
import { securityLakeWriterFromEnv, withSecurityLake } from '../feed/security-lake-sink.js';

export interface DepsOptions {
  /** Firehose delivery stream for the feed (AWS); unset: write the feed straight to the feed bucket */
  deliveryStream?: string;
  accountListMaxAgeMs?: number;
  refresh?: boolean;
  /** gzip inflation limit (default 8 MiB) and time bounds (default 2006-01-01 to an hour past now) of incoming records */
  limits?: DecodeLimits;
}

export async function processorDeps(config: CensusConfig, opts: DepsOptions = {}): Promise<ProcessorDeps> {
  const s3 = new S3Client(s3Config());
  const catalog = loadCatalog(config.catalog);
  const deliveryStream = opts.deliveryStream ?? config.feedDeliveryStream;
  const trust = await loadTrustRegister(trustRegisterSources(config), s3);
  for (const p of trust.problems) log.warn(p, 'trusted-accounts register: row skipped');
  let exceptions = new ExceptionIndex([]);
  if (config.exceptions) {
    const register = await loadExceptionRegister(config.exceptions, { knownRequirementIds: catalog.requirements.map((r) => r.id), s3 });
    for (const p of register.problems) log.warn({ source: config.exceptions, ...p }, 'risk register: row skipped');
    exceptions = new ExceptionIndex(register.entries);
  }
  const deps: ProcessorDeps = {
    s3,
    opensearch: openSearchClient(config),
    indexPrefix: config.indexPrefix,
    feedBucket: config.feedBucket,
    deadLetterBucket: config.deadLetterBucket,
    feed: deliveryStream
      ? new FirehoseFeedSink(new FirehoseClient(clientConfig()), deliveryStream, { s3, bucket: config.feedBucket })
      : new S3FeedSink(s3, config.feedBucket),
    accounts: new AccountDirectory(s3, config.feedBucket, opts.accountListMaxAgeMs),
    trustRegister: trust.register,
    exceptions,
    catalog,
    refresh: opts.refresh,
    limits: opts.limits,
  };
  // every record line gets the one `eventTime` (feed/event-time.ts); CENSUS_SECURITY_LAKE adds OCSF copies of
  // resources, findings and changes for Security Lake, staged before the feed object (feed/security-lake-sink.ts)
  deps.feed = withSecurityLake(withFeedEventTime(deps.feed), securityLakeWriterFromEnv(s3));
  return deps;
}

/**
 * A version tag of a register source without reading it: the S3 ETag (HeadObject) or a local file's size and
 * modification time. A source that cannot be asked gets a tag that never matches, so it is read again.
 */
export async function sourceTag(source: string, s3: S3Client): Promise<string> {
  try {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
    if (m) return `${source}@${(await s3.send(new HeadObjectCommand({ Bucket: m[1]!, Key: m[2]! }))).ETag ?? ''}`;
    const st = await stat(source);
    return `${source}@${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return `${source}@unreadable:${(err as Error).name}:${Date.now()}`;
  }
}

/** Every register and catalog source the processing dependencies are built from, tagged. */
export async function registerFingerprint(config: CensusConfig, s3: S3Client): Promise<string> {
  const sources = [...trustRegisterSources(config), ...(config.exceptions ? [config.exceptions] : []), ...(config.catalog ? [config.catalog] : [])];
  return (await Promise.all(sources.map((s) => sourceTag(s, s3)))).join('\n');
}

/**
 * The processing dependencies of a long-lived process (a warm Lambda container, the local consumer), shared
 * by both: built once; after `ttlMs` the register sources are asked for their tags (ETag, file size and time)
 * and the dependencies are rebuilt only when one changed. A failed build is forgotten, so the next call tries
 * again; a failed look at the tags keeps the current dependencies.
 */
export class DepsCache {
  private current: Promise<ProcessorDeps> | undefined;
  private tags: string | undefined;
  private checkedAt = 0;
  /** how many times the dependencies (and so the registers) were built */
  builds = 0;

  constructor(
    private readonly build: () => Promise<ProcessorDeps>,
    private readonly fingerprint: () => Promise<string>,
    private readonly ttlMs: number,
  ) {}

  async get(now = Date.now()): Promise<ProcessorDeps> {
    if (this.current && now - this.checkedAt <= this.ttlMs) return this.current;
    if (this.current) {
      let tags: string;
      try {
        tags = await this.fingerprint();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'registers: could not check for changes, keeping the loaded ones');
        this.checkedAt = now;
        return this.current;
      }
      this.checkedAt = now;
      if (tags === this.tags) return this.current;
      log.info('registers changed: reloading them');
    }
    this.checkedAt = now;
    const tags = await this.fingerprint().catch(() => undefined);
    this.builds++;
    const built = this.build();
    this.current = built;
    built.then(
      () => (this.tags = tags),
      () => {
        if (this.current === built) this.current = undefined;
      },
    );
    return built;
  }
}
