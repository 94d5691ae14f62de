// Offline parity: `census check FILE` on a `census collect --out` file (resources not yet enriched, account records
// beside them) and the stream path (processBatch: enrichment, then the per-record checks) give the same findings for
// the same records, trust requirements included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCensus } from '../fixtures/cli.js';
import { ExceptionIndex } from '../../core/exceptions.js';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { KNOWN_AWS_ACCOUNTS_PATH } from '../../data/index.js';
import type { BulkOutcome, IndexOp } from '../../opensearch/bulk.js';
import type { DeletionMarker } from '../../opensearch/deleted.js';
import type { DocumentStore, RunState, StoredCopy } from '../../opensearch/store.js';
import { processBatch } from '../../processors/pipeline.js';
import type { FeedKind, FeedSink } from '../../processors/sink-s3.js';
import { loadTrustRegister } from '../../registers/trusted-accounts.js';
import { loadCatalog } from '../../standard/index.js';
import { ORG_ACCOUNT, policyArb } from '../fixtures/policy/generate.js';
import { accountRecord, POLICY_RECORDS } from '../fixtures/policy/records.js';
import * as f from '../fixtures/standard/aws-shapes.js';

/** Just enough of a document store for one batch: every copy is new, no inventory runs. */
class FreshDocuments implements DocumentStore {
  async prepare(): Promise<void> {}
  async stored(keys: { index: string; id: string }[]): Promise<(StoredCopy | undefined)[]> {
    return keys.map(() => undefined);
  }
  async index(ops: IndexOp[]): Promise<BulkOutcome> {
    return { indexed: ops.length, alreadyNewer: 0, conflicts: [], rejected: [], failed: [], requests: 1 };
  }
  async updateTrust(): Promise<void> {}
  async pendingRuns(): Promise<RunState[]> {
    return [];
  }
  async newestApplied(): Promise<Map<string, string>> {
    return new Map();
  }
  async unseen(): Promise<DeletionMarker[]> {
    return [];
  }
  async setRunState(): Promise<void> {}
}

class FindingFeed implements FeedSink {
  readonly findings: FindingRecord[] = [];
  async write(kind: FeedKind, records: object[]): Promise<void> {
    if (kind === 'finding') this.findings.push(...(records as FindingRecord[]));
  }
  async exists(): Promise<boolean> {
    return false;
  }
}

async function streamFindings(records: ResourceRecord[], accounts: ReturnType<typeof accountRecord>[]): Promise<FindingRecord[]> {
  const feed = new FindingFeed();
  const { register } = await loadTrustRegister([KNOWN_AWS_ACCOUNTS_PATH]);
  const raws = records.map((r, i) => ({ data: Buffer.from(JSON.stringify(r)), shardId: 'shardId-0', sequenceNumber: String(i + 1).padStart(8, '0'), arrivalTime: new Date(f.NOW) }));
  const result = await processBatch(raws, {
    s3: undefined as never, opensearch: undefined as never, indexPrefix: 'parity', feedBucket: 'feed', deadLetterBucket: 'dlq', feed,
    accounts: { current: async () => new Map(accounts.map((a) => [a.accountId, a])) },
    trustRegister: register, exceptions: new ExceptionIndex([]), catalog: loadCatalog(),
    documents: new FreshDocuments(), latest: { write: async () => ({ failed: [] }) }, deadLetters: { write: async (e) => e.map((_, i) => `dl/${i}`) },
  });
  expect(result.failures).toEqual([]);
  expect(result.deadLettered).toBe(0);
  return feed.findings;
}

async function offlineFindings(records: ResourceRecord[], accounts: ReturnType<typeof accountRecord>[], accountsFlag = false): Promise<FindingRecord[]> {
  const dir = mkdtempSync(join(tmpdir(), 'census-parity-'));
  const file = join(dir, 'collect.ndjson');
  writeFileSync(file, [...(accountsFlag ? [] : accounts), ...records].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const extra: string[] = [];
  if (accountsFlag) {
    writeFileSync(join(dir, 'accounts.json'), JSON.stringify(accounts));
    extra.push('--accounts', join(dir, 'accounts.json'));
  }
  // exit 1 when some requirement could not be decided (listed on stderr); the findings are still printed
  const { code, stdout } = await runCensus('check', file, '--output', 'ndjson', '--no-sweep', '--observed-at', f.NOW, ...extra);
  expect([0, 1]).toContain(code);
  return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as FindingRecord);
}

const decision = (fs: FindingRecord[]) =>
  new Map(fs.map((x) => [x.findingId, { requirementId: x.requirementId, resource: x.resourceArn, status: x.status, evidence: x.evidence, warning: x.warning ?? false }]));

describe('offline and stream paths', () => {
  it('give the same findings for the same records, trust requirements included', async () => {
    const accounts = [accountRecord(f.ACCOUNT, 'payments-prod'), accountRecord(ORG_ACCOUNT, 'shared-services')];
    const handmade = [
      POLICY_RECORDS['AWS::IAM::Role']!('vendor-and-stranger', [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::464622532012:root', '555566667777', ORG_ACCOUNT] }, Action: 'sts:AssumeRole' }]),
      POLICY_RECORDS['AWS::S3::Bucket']!('office-only', [{ Sid: 'Office', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::office-only/*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }]),
      POLICY_RECORDS['AWS::SQS::Queue']!('from-topic', [{ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:555566667777:t' } } }]),
      POLICY_RECORDS['AWS::OpenSearchService::Domain']!('office-search', [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'es:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } }]),
    ];
    const types = Object.keys(POLICY_RECORDS);
    const generated = fc.sample(policyArb, { seed: 61, numRuns: 60 }).map((p, i) => POLICY_RECORDS[types[i % types.length]!]!(`gen-${i}`, p.Statement));
    const records = [...handmade, ...generated];

    const stream = decision(await streamFindings(records, accounts));
    const offline = decision(await offlineFindings(records, accounts));
    expect(offline.size).toBeGreaterThan(records.length);
    expect(offline).toEqual(stream);

    const byReq = (id: string) => [...offline.values()].filter((d) => d.requirementId === id);
    // the trust requirements run offline too, and classify with the account records of the file and the vendored list
    expect(byReq('CSS-IAM-06').find((d) => d.resource?.endsWith('role/vendor-and-stranger'))).toMatchObject({ status: 'FAIL', evidence: expect.stringMatching(/unknown account 555566667777/) });
    expect(byReq('CSS-IAM-06').find((d) => d.resource?.endsWith('role/vendor-and-stranger'))!.evidence).not.toMatch(/464622532012|222233334444/);
    expect(byReq('CSS-POL-01').find((d) => d.resource?.endsWith('from-topic'))).toMatchObject({ status: 'FAIL' });
    expect(byReq('CSS-S3-01').find((d) => d.resource?.endsWith('office-only'))).toMatchObject({ status: 'FAIL', evidence: expect.stringMatching(/network-restricted/) });
    expect(byReq('CSS-OS-01').find((d) => d.resource?.endsWith('office-search'))).toMatchObject({ status: 'PASS', warning: true });

    // the organization's accounts may come from --accounts (state/accounts.json) instead of the file
    expect(decision(await offlineFindings(records, accounts, true))).toEqual(stream);
  }, 60_000);
});
