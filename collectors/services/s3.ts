// S3: buckets (listed once per account, each living in its own region) and the account-level public access block.
import {
  GetBucketAclCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  paginateListBuckets,
  S3Client,
  type Bucket,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { clientConfig, s3Config, usingLocalEndpoint, type ClientOptions } from '../../platform/aws.js';
import { detail, isAbsent, resource, type Collector, type CollectorContext } from '../engine.js';

export const s3Client = (o: ClientOptions) => new S3Client(s3Config(o));

/** S3 Control puts the account ID in the host name; a local emulator answers on one fixed endpoint instead. */
export const s3ControlClient = (o: ClientOptions) => {
  const local = usingLocalEndpoint() ? (process.env.AWS_ENDPOINT_URL_S3_CONTROL ?? process.env.AWS_ENDPOINT_URL) : undefined;
  return new S3ControlClient({ ...clientConfig(o), ...(local ? { endpointProvider: () => ({ url: new URL(local) }) } : {}) });
};

/** The bucket's region: ListBuckets gives it on current S3; otherwise GetBucketLocation (empty means us-east-1). */
export async function bucketRegion(bucket: Bucket, client: S3Client): Promise<string> {
  if (bucket.BucketRegion) return bucket.BucketRegion;
  const out = await client.send(new GetBucketLocationCommand({ Bucket: bucket.Name }));
  const loc = out.LocationConstraint as string | undefined;
  return !loc ? 'us-east-1' : loc === 'EU' ? 'eu-west-1' : loc;
}

const bucket = (b: Bucket) => ({ Bucket: b.Name });

export const bucketSpec = resource<S3Client, Bucket>({
  resourceType: 'AWS::S3::Bucket',
  client: s3Client,
  // no page size: moto answers MaxBuckets with a truncated list and no continuation token
  list: async function* (client) {
    for await (const page of paginateListBuckets({ client }, {})) yield* page.Buckets ?? [];
  },
  id: (b) => b.Name ?? '',
  name: 'Name',
  arn: (b, ctx) => `arn:${ctx.partition}:s3:::${b.Name}`,
  created: 'CreationDate',
  region: (b, client) => bucketRegion(b, client),
  details: {
    BucketPolicy: detail('GetBucketPolicy', (c: S3Client, b: Bucket) => c.send(new GetBucketPolicyCommand(bucket(b))), (o) => o.Policy, { policy: true }),
    BucketAcl: detail('GetBucketAcl', (c: S3Client, b: Bucket) => c.send(new GetBucketAclCommand(bucket(b)))),
    PublicAccessBlockConfiguration: detail(
      'GetPublicAccessBlock',
      (c: S3Client, b: Bucket) => c.send(new GetPublicAccessBlockCommand(bucket(b))),
      (o) => o.PublicAccessBlockConfiguration,
    ),
    ServerSideEncryptionConfiguration: detail(
      'GetBucketEncryption',
      (c: S3Client, b: Bucket) => c.send(new GetBucketEncryptionCommand(bucket(b))),
      (o) => o.ServerSideEncryptionConfiguration,
    ),
    BucketVersioningConfiguration: detail('GetBucketVersioning', (c: S3Client, b: Bucket) => c.send(new GetBucketVersioningCommand(bucket(b)))),
    BucketLoggingConfiguration: detail('GetBucketLogging', (c: S3Client, b: Bucket) => c.send(new GetBucketLoggingCommand(bucket(b))), (o) => o.LoggingEnabled ?? null),
    Tags: detail('GetBucketTagging', (c: S3Client, b: Bucket) => c.send(new GetBucketTaggingCommand(bucket(b))), (o) => o.TagSet, { tags: true }),
  },
});

/** One record per account; `{}` when the account has no public access block at all. */
export const accountPublicAccessBlockSpec = resource<S3ControlClient, Record<string, unknown>>({
  resourceType: 'AWS::S3::AccountPublicAccessBlock',
  client: s3ControlClient,
  list: async function* (client, ctx: CollectorContext) {
    try {
      const out = await client.send(new GetAccountPublicAccessBlockCommand({ AccountId: ctx.accountId }));
      yield { ...out.PublicAccessBlockConfiguration };
    } catch (err) {
      if (!isAbsent(err)) throw err;
      yield {};
    }
  },
  id: (_c, ctx) => ctx.accountId,
  name: () => undefined,
  arn: (_c, ctx) => `arn:${ctx.partition}:s3::${ctx.accountId}:account-public-access-block`,
});

export const s3: Collector = { name: 's3', global: true, resources: [bucketSpec, accountPublicAccessBlockSpec] };
