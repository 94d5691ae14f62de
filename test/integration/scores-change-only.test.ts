// Issue 14: change-only landing leaves the scoring job's results unchanged. The same three inventories (the second
// with changes and a deletion, the third unchanged) go through two processors on the real stack, one landing only
// what changed and one rewriting every copy; after each inventory both are scored with the same clock and compared.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchAccounts, benchResources } from '../../bench/data.js';
import { s3Keys } from '../../core/indexes.js';
import type { ResourceRecord, ScoreRecord } from '../../core/schemas.js';
import { s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { processorDeps } from '../../processors/deps.js';
import { processBatch, type BatchResult, type ProcessorDeps } from '../../processors/pipeline.js';
import type { RawRecord } from '../../processors/validate.js';
import { scoreFromStack } from '../../scoring/job.js';
import { uniqueName } from '../helpers.js';
import { testIndexPrefix } from './processors-helpers.js';

const s3 = new S3Client(s3Config());
const os = openSearchClient();
const accounts = benchAccounts(4, 11);
const first = benchResources(60, accounts, 12);

interface Side {
  name: string;
  config: CensusConfig;
  deps: ProcessorDeps;
}
let changeOnly: Side;
let rewriteAll: Side;

async function side(name: string, onlyChanges: boolean): Promise<Side> {
  const feedBucket = uniqueName(`sco-${name}`);
  await s3.send(new CreateBucketCommand({ Bucket: feedBucket }));
  await s3.send(new PutObjectCommand({ Bucket: feedBucket, Key: s3Keys.accounts, Body: JSON.stringify(accounts) }));
  const config = loadConfig({ feedBucket, deadLetterBucket: feedBucket, scorecardBucket: feedBucket, indexPrefix: testIndexPrefix(`sco${name}`) }, {});
  const deps = { ...(await processorDeps(config, { refresh: true, accountListMaxAgeMs: 0 })), changeOnly: onlyChanges };
  return { name, config, deps };
}

let seq = 100;
const stream = (payloads: object[], at: string): RawRecord[] =>
  payloads.map((p) => ({ shardId: 'shardId-000000000000', sequenceNumber: String(++seq).padStart(20, '0'), arrivalTime: new Date(at), data: Buffer.from(JSON.stringify(p)) }));

/** one inventory into both processors, in batches as the stream delivers them */
async function inventory(records: object[], at: string): Promise<Record<string, BatchResult[]>> {
  const out: Record<string, BatchResult[]> = {};
  for (const s of [changeOnly, rewriteAll]) {
    out[s.name] = [];
    for (let i = 0; i < records.length; i += 25) {
      const result = await processBatch(stream(records.slice(i, i + 25), at), s.deps);
      expect(result.failures).toEqual([]);
      expect(result.deadLettered).toBe(0);
      out[s.name]!.push(result);
    }
  }
  return out;
}

async function scores(s: Side, runAt: string): Promise<{ scores: ScoreRecord[]; failing: string[] }> {
  const run = await scoreFromStack(s.config, { asOf: runAt.slice(0, 10), runAt }, { s3, opensearch: os });
  return {
    scores: [...run.scores].sort((a, b) => a.scoreId.localeCompare(b.scoreId)),
    failing: run.nonCompliant.map((f) => `${f.accountId} ${f.requirementId} ${f.resourceArn ?? f.resourceId}`).sort(),
  };
}

const at = (r: ResourceRecord, time: string): ResourceRecord => ({ ...r, configurationItemCaptureTime: time });

beforeAll(async () => {
  changeOnly = await side('only', true);
  rewriteAll = await side('all', false);
});

describe('scores with and without change-only landing', () => {
  it('are equal after each of three inventories: the first, one with changes and a deletion, one unchanged', async () => {
    const T1 = '2026-11-24T00:00:00.000Z';
    const T2 = '2026-11-24T01:00:00.000Z';
    const T3 = '2026-11-24T02:00:00.000Z';
    await inventory([...accounts, ...first], T1);
    const one = await scores(changeOnly, '2026-11-24T00:30:00.000Z');
    expect(one.failing.length).toBeGreaterThan(0);
    expect(await scores(rewriteAll, '2026-11-24T00:30:00.000Z')).toEqual(one);

    // the second inventory: a private bucket made public, a security group opened to SSH, a role deleted
    const bucket = first.find((r) => r.resourceType === 'AWS::S3::Bucket' && !String(r.supplementaryConfiguration.BucketPolicy).includes('"*"'))!;
    const group = first.find((r) => r.resourceType === 'AWS::EC2::SecurityGroup' && JSON.stringify(r.configuration).includes('443'))!;
    const role = first.find((r) => r.resourceType === 'AWS::IAM::Role')!;
    const second = first.flatMap((r): ResourceRecord[] => {
      if (r === role) return [{ ...at(r, T2), configurationItemStatus: 'ResourceDeleted', configuration: {}, supplementaryConfiguration: {} }];
      if (r === bucket) {
        const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${r.arn}/*` }] };
        return [{ ...at(r, T2), supplementaryConfiguration: { ...r.supplementaryConfiguration, BucketPolicy: JSON.stringify(policy), PublicAccessBlockConfiguration: {} } }];
      }
      if (r === group) return [{ ...at(r, T2), configuration: { ...r.configuration, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [] }] } }];
      return [at(r, T2)];
    });
    const landed = await inventory(second, T2);
    // the two processors did land differently: one skipped the unchanged copies, the other wrote them all again
    const unchanged = (side: Side) => landed[side.name]!.reduce((n, b) => n + b.unchanged, 0);
    const recalled = (side: Side, of = landed) => of[side.name]!.reduce((n, b) => n + b.recalled, 0);
    expect(unchanged(changeOnly)).toBeGreaterThan(50);
    expect(unchanged(rewriteAll)).toBe(0);
    // most unchanged resources were recognised by their fingerprints, without deriving their findings again
    expect(recalled(changeOnly)).toBeGreaterThan(20);
    expect(recalled(rewriteAll)).toBe(0);
    const two = await scores(changeOnly, '2026-11-24T01:30:00.000Z');
    expect(two).not.toEqual({ ...one, scores: two.scores });
    expect(two.failing.some((f) => f.endsWith(bucket.arn))).toBe(true);
    expect(two.failing.some((f) => f.endsWith(role.arn))).toBe(false);
    expect(await scores(rewriteAll, '2026-11-24T01:30:00.000Z')).toEqual(two);

    // the third: nothing changed
    const third = await inventory(second.filter((r) => r !== second.find((x) => x.configurationItemStatus === 'ResourceDeleted')).map((r) => at(r, T3)), T3);
    // every resource but IAM users (judged by key age, so always derived again) was recalled
    expect(recalled(changeOnly, third)).toBe(second.filter((r) => r.configurationItemStatus !== 'ResourceDeleted' && r.resourceType !== 'AWS::IAM::User').length);
    const three = await scores(changeOnly, '2026-11-24T02:30:00.000Z');
    expect(await scores(rewriteAll, '2026-11-24T02:30:00.000Z')).toEqual(three);
  });
});
