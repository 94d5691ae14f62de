// One record all the way through, on the real local stack: buckets planted in moto are read by the S3
// collector with @aws-sdk/client-s3, streamed through kinesalite, consumed by the processor, and land in
// the S3 feed (moto) and in OpenSearch. Both copies are compared field by field with what moto holds.
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutBucketTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateOrganizationCommand, CreateAccountCommand, DescribeCreateAccountStatusCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { indexNames, resourceFamily } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureStream } from '../../platform/local-stack.js';
import { parseRecord, type ResourceRecord } from '../../core/schemas.js';
import { KinesisProducer } from '../../collectors/producer.js';
import { runCollection } from '../../collectors/run.js';
import { assumeRole } from '../../collectors/runtime.js';
import { processStream } from '../../processors/consumer.js';
import { documentId } from '../../opensearch/bulk.js';
import { testIndexPrefix } from './processors-helpers.js';

const credentialsFor = (accountId: string) => assumeRole({ accountId, roleName: 'OrganizationAccountAccessRole', sessionName: 'foundation-test' });

describe('one record all the way through (moto → S3 collector → kinesalite → processor → S3 feed + OpenSearch)', () => {
  const name = testIndexPrefix('found'); // its indexes are removed after the file
  const payer = `${Math.floor(Math.random() * 9e11) + 1e11}`;
  let member = '';
  let config: CensusConfig;
  let memberS3: S3Client;
  const buckets = [`${name}-logs`, `${name}-public`];
  const kinesis = new KinesisClient(clientConfig());
  const s3 = new S3Client(s3Config());
  const os = openSearchClient();

  beforeAll(async () => {
    const org = new OrganizationsClient(clientConfig({ credentials: await credentialsFor(payer) }));
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const created = await org.send(new CreateAccountCommand({ AccountName: 'workload', Email: `${name}@example.com` }));
    member = (await org.send(new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus!.Id! }))).CreateAccountStatus!.AccountId!;

    memberS3 = new S3Client(s3Config({ credentials: await credentialsFor(member) }));
    for (const b of buckets) await memberS3.send(new CreateBucketCommand({ Bucket: b }));
    await memberS3.send(
      new PutBucketPolicyCommand({
        Bucket: buckets[1],
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${buckets[1]}/*` }] }),
      }),
    );
    await memberS3.send(new PutBucketTaggingCommand({ Bucket: buckets[0], Tagging: { TagSet: [{ Key: 'team', Value: 'platform' }] } }));

    config = loadConfig({
      payers: payer,
      auditRole: 'OrganizationAccountAccessRole',
      regions: 'us-east-1',
      streamName: `${name}-stream`,
      feedBucket: `${name}-feed`,
      deadLetterBucket: `${name}-dlq`,
      indexPrefix: name,
    });
    await s3.send(new CreateBucketCommand({ Bucket: config.feedBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: config.deadLetterBucket }));
    await ensureStream(config.streamName, 2, kinesis);

    const producer = new KinesisProducer({ streamName: config.streamName, feedBucket: config.feedBucket, deadLetterBucket: config.deadLetterBucket, kinesis });
    await runCollection(config, producer, { collectors: ['s3'], catalog: null });
    await producer.close();
    await processStream(config, { until: 'drained' });
  });

  /** What travelled on the stream, read back from kinesalite itself. */
  async function streamed(): Promise<ResourceRecord[]> {
    const out: ResourceRecord[] = [];
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: config.streamName }))).Shards ?? [];
    for (const shard of shards) {
      let it = (await kinesis.send(new GetShardIteratorCommand({ StreamName: config.streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (let i = 0; it && i < 20; i++) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
        for (const r of page.Records ?? []) {
          const record = parseRecord(JSON.parse(Buffer.from(r.Data!).toString('utf8')));
          if (record.recordType === 'resource') out.push(record);
        }
        if (!page.Records?.length) break;
        it = page.NextShardIterator;
      }
    }
    return out;
  }

  async function feedLines(kind: string): Promise<unknown[]> {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.feedBucket, Prefix: `feed/${kind}/` }));
    const out: unknown[] = [];
    for (const obj of listed.Contents ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: config.feedBucket, Key: obj.Key! }));
      const text = gunzipSync(Buffer.from(await body.Body!.transformToByteArray())).toString('utf8');
      for (const line of text.split('\n').filter(Boolean)) out.push(JSON.parse(line));
    }
    return out;
  }
  const feedRecords = async () => (await feedLines('resource')).map((l) => parseRecord(l) as ResourceRecord);

  it('streams one ResourceRecord per bucket moto holds', async () => {
    const inMoto = (await memberS3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name!).sort();
    expect(inMoto).toEqual([...buckets].sort());
    const onStream = (await streamed()).filter((r) => r.resourceType === 'AWS::S3::Bucket');
    expect(onStream.map((r) => r.resourceId).sort()).toEqual(inMoto);
    for (const r of onStream) expect(r.awsAccountId).toBe(member);
  });

  it('lands the same records in the S3 feed and in OpenSearch, field by field as moto holds them', async () => {
    const inMoto = (await memberS3.send(new ListBucketsCommand({}))).Buckets!;
    const feed = (await feedRecords()).filter((r) => r.resourceType === 'AWS::S3::Bucket');
    expect(feed.map((r) => r.resourceId).sort()).toEqual(inMoto.map((b) => b.Name).sort());

    for (const bucket of inMoto) {
      const fromFeed = feed.find((r) => r.resourceId === bucket.Name)!;
      // the collector's record mirrors moto's own answers
      expect(fromFeed.arn).toBe(`arn:aws:s3:::${bucket.Name}`);
      expect(fromFeed.resourceName).toBe(bucket.Name);
      expect(fromFeed.awsRegion).toBe('us-east-1');
      expect(fromFeed.configuration.Name).toBe(bucket.Name);
      expect(Date.parse(fromFeed.resourceCreationTime!)).toBe(bucket.CreationDate!.getTime());
      expect(fromFeed.account?.accountId).toBe(member);
      expect(fromFeed.account?.inOrganization).toBe(true);

      // OpenSearch holds the same document under the resource's identity, versioned by capture time
      const doc = await os.get({ index: indexNames(name).resourceFamily(fromFeed.resourceType), id: documentId(fromFeed.arn) });
      const source = doc.body._source as Record<string, unknown>;
      expect(doc.body._version).toBe(Date.parse(fromFeed.configurationItemCaptureTime));
      for (const field of ['resourceType', 'resourceId', 'arn', 'resourceName', 'awsAccountId', 'awsRegion', 'configurationItemCaptureTime', 'resourceCreationTime', 'collector', 'tags', 'configuration', 'supplementaryConfiguration', 'trustedAccounts', 'account'] as const) {
        expect(source[field], `${bucket.Name}: ${field}`).toEqual(fromFeed[field]);
      }
    }

    const logs = feed.find((r) => r.resourceId === buckets[0])!;
    expect(logs.tags).toEqual({ team: 'platform' });
    const pub = feed.find((r) => r.resourceId === buckets[1])!;
    expect(pub.trustedAccounts?.map((t) => [t.accountId, t.classification])).toEqual([['999988887777', 'unknown']]);
    expect(resourceFamily(pub.resourceType)).toBe('s3');
  });

  it('writes every finding to the feed twice: as a FindingRecord and as an OCSF Compliance Finding', async () => {
    const findings = (await feedLines('finding')).map((l) => parseRecord(l));
    const ocsf = (await feedLines('ocsf-finding')) as { class_uid: number; finding_info: { uid: string } }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(ocsf.map((o) => o.class_uid)).toEqual(findings.map(() => 2003));
    expect(ocsf.map((o) => o.finding_info.uid).sort()).toEqual(findings.map((f) => (f.recordType === 'finding' ? f.findingId : '')).sort());
  });

  it('dead-letters nothing when every record is valid', async () => {
    const dead = await s3.send(new ListObjectsV2Command({ Bucket: config.deadLetterBucket }));
    expect(dead.KeyCount ?? 0).toBe(0);
  });
});
