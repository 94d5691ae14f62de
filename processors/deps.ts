// Build the processing dependencies from the Census configuration: one place for the Lambda handler,
// the local consumer and the CLI.
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, s3Config } from '../platform/aws.js';
import { trustRegisterSources, type CensusConfig } from '../platform/config.js';
import { ExceptionIndex } from '../core/exceptions.js';
import { log } from '../platform/log.js';
import { openSearchClient } from '../platform/opensearch.js';
import { loadCatalog } from '../standard/index.js';
import { AccountDirectory } from './enrich-account.js';
import { loadExceptionRegister } from '../registers/exceptions.js';
import type { ProcessorDeps } from './pipeline.js';
import { FirehoseFeedSink, S3FeedSink } from './sink-s3.js';
import { loadTrustRegister } from '../registers/trusted-accounts.js';
import { securityLakeWriterFromEnv, withSecurityLake } from '../feed/security-lake-sink.js';

export interface DepsOptions {
  /** Firehose delivery stream for the feed (AWS); unset: write the feed straight to the feed bucket */
  deliveryStream?: string;
  accountListMaxAgeMs?: number;
  refresh?: boolean;
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
    feed: deliveryStream ? new FirehoseFeedSink(new FirehoseClient(clientConfig()), deliveryStream) : new S3FeedSink(s3, config.feedBucket),
    accounts: new AccountDirectory(s3, config.feedBucket, opts.accountListMaxAgeMs),
    trustRegister: trust.register,
    exceptions,
    catalog,
    refresh: opts.refresh,
  };
  // CENSUS_SECURITY_LAKE adds OCSF Parquet copies of resources and findings beside the feed (feed/security-lake-sink.ts)
  deps.feed = withSecurityLake(deps.feed, securityLakeWriterFromEnv(s3));
  return deps;
}
