// The standard over what the real collectors read from moto: proves the checks and the collectors agree on
// where each API response lands (supplementaryConfiguration keys, wrapped or unwrapped outputs).
import {
  PutBucketAclCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  CreateBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../core/aws.js';
import type { ResourceRecord } from '../../core/schemas.js';
import { collectResources } from '../../collectors/engine.js';
import type { Collector, Credentials } from '../../collectors/engine.js';
import { s3 as s3Collector } from '../../collectors/services/s3.js';
import { CallLimiter, collectorContext, newStats } from '../../collectors/runtime.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, loadCatalog } from '../../processors/standard/index.js';
import { uniqueName } from '../helpers.js';

/** Credentials of a fresh moto account (STS-issued keys map to the assumed account). */
async function freshAccount() {
  const accountId = String(randomInt(100000000000, 999999999999));
  const sts = new STSClient(clientConfig());
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/census-audit`, RoleSessionName: 'census-standard-test' }));
  return { accountId, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } };
}

/** Every record a collector reads in one account and region, the way the inventory runs it. */
async function collect(collector: Collector, accountId: string, region: string, credentials: Credentials): Promise<ResourceRecord[]> {
  const ctx = collectorContext({
    accountId, region, partition: 'aws', collector: collector.name, credentials, observedAt: new Date().toISOString(),
    limiter: new CallLimiter({ overall: 8, perAccount: 8, perRegion: 8 }), stats: newStats(),
  });
  const records: ResourceRecord[] = [];
  for (const spec of collector.resources) for await (const r of collectResources(spec, ctx)) records.push(r);
  return records;
}

describe('the standard over collected S3 records (moto)', () => {
  it('judges buckets and the account public access block as the collector records them', async () => {
    const { accountId, credentials } = await freshAccount();
    const s3 = new S3Client(s3Config({ credentials, region: 'us-east-1' }));
    const [open, locked, acl] = ['open', 'locked', 'acl'].map((n) => uniqueName(`css-${n}`));
    for (const b of [open!, locked!, acl!]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutBucketPolicyCommand({
      Bucket: open,
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Anyone', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${open}/*` }] }),
    }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: locked, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: locked, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: locked, ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }));
    await s3.send(new PutBucketAclCommand({ Bucket: acl, ACL: 'public-read' }));

    const records = await collect(s3Collector, accountId, 'global', credentials);
    const observedAt = new Date().toISOString();
    expect(records.filter((r) => r.resourceType === 'AWS::S3::Bucket').map((r) => r.resourceId).sort()).toEqual([acl, locked, open].sort());

    const catalog = loadCatalog();
    const { findings, problems } = evaluateRecordsDetailed(catalog, records, observedAt);
    expect(problems).toEqual([]);
    const status = (req: string, bucket: string) => findings.find((x) => x.requirementId === req && x.resourceId === bucket)?.status;
    expect([status('CSS-S3-01', open!), status('CSS-S3-01', locked!), status('CSS-S3-01', acl!)]).toEqual(['FAIL', 'PASS', 'PASS']);
    expect([status('CSS-S3-02', acl!), status('CSS-S3-02', open!)]).toEqual(['FAIL', 'PASS']);
    expect([status('CSS-S3-03', locked!), status('CSS-S3-03', open!)]).toEqual(['PASS', 'FAIL']);
    expect(status('CSS-S3-05', locked!)).toBe('PASS');
    // the shipped custom rule reads the collector's BucketVersioningConfiguration
    expect([status('CSS-S3-06', locked!), status('CSS-S3-06', open!)]).toEqual(['PASS', 'FAIL']);

    const sweep = evaluateSweepDetailed(catalog, { accountId, regions: ['us-east-1'], resources: records }, observedAt);
    expect(sweep.findings.find((x) => x.requirementId === 'CSS-S3-04')).toMatchObject({ status: 'FAIL', resourceId: accountId, evidence: expect.stringMatching(/no public access block configured/) });
  });
});
