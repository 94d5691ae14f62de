// `census collect` as a person runs it, against moto: progress per account on stderr, summary on stdout,
// records as NDJSON with --out.
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig } from '../../platform/aws.js';
import { parseRecord, type StreamRecord } from '../../core/schemas.js';
import { repoRoot } from '../../platform/local-stack.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';

const run = promisify(execFile);
const census = (args: string[]) =>
  run(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), ...args], {
    env: { ...process.env, CENSUS_LOG_LEVEL: 'error', CENSUS_AWS_MAX_ATTEMPTS: '2' },
    maxBuffer: 64 * 1024 * 1024,
  });

describe('census collect', () => {
  let org: TestOrg;
  let queueUrl: string;
  beforeAll(async () => {
    org = await buildOrg(2);
    const sqs = new SQSClient(clientConfig({ region: 'eu-west-1', credentials: await credentialsFor(org.members[1]!.accountId) }));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'cli-orders' }))).QueueUrl!;
  });

  it('documents its configuration in --help', async () => {
    const { stdout } = await census(['collect', '--help']);
    for (const flag of ['--payers', '--audit-role', '--regions', '--out', '--stream', '--concurrency', 'CENSUS_PAYERS', 'Example']) expect(stdout).toContain(flag);
  });

  it('writes NDJSON with --out, prints progress per account and a summary', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'census-collect-')), 'records.ndjson');
    const { stdout, stderr } = await census([
      'collect',
      '--payers',
      org.payerId,
      '--audit-role',
      'CensusAudit',
      '--regions',
      'eu-west-1',
      '--collectors',
      's3,sqs,iam',
      '--out',
      out,
    ]);
    expect(stderr).toContain(`discovered 4 accounts in 1 organization(s), 3 active to inventory`);
    for (const id of [org.payerId, ...org.members.map((m) => m.accountId)]) expect(stderr).toMatch(new RegExp(`\\[\\d/3\\] ${id}: \\d+ resources in 1 regions`));
    expect(stderr).toContain(`records to ${out}`);
    expect(stdout).toMatch(/4 accounts \(3 active, 1 not active\), 3 inventoried in 1 regions/);
    expect(stdout).toMatch(/AWS::SQS::Queue\s+1/);
    expect(stdout).toMatch(/AWS::IAM::CredentialReport\s+3/);
    expect(stdout).toMatch(/errors: 0 collection errors/);
    expect(stdout).toMatch(/retries: \d+/);
    const records: StreamRecord[] = readFileSync(out, 'utf8').trim().split('\n').map((l) => parseRecord(JSON.parse(l)));
    const queue = records.find((r) => r.recordType === 'resource' && r.resourceType === 'AWS::SQS::Queue');
    expect(queue).toMatchObject({ resourceId: queueUrl, awsAccountId: org.members[1]!.accountId, awsRegion: 'eu-west-1' });
    expect(records.filter((r) => r.recordType === 'account')).toHaveLength(4);
  });

  it('exits 2 with a clear message when no payer is configured', async () => {
    const err = await census(['collect', '--out', '/dev/null']).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toMatch(/^census: no payer accounts configured: pass --payers .*\nsee 'census collect --help'\n$/);
  });

  it('exits 3 when the payer organization holds no account, with the summary still on stdout', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'census-collect-')), 'records.ndjson');
    // no organization is managed from this account: discovery finds no account
    const err = await census(['collect', '--payers', '999999999999', '--regions', 'eu-west-1', '--collectors', 's3', '--out', out, '--output', 'json']).catch(
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(err).toMatchObject({ code: 3 });
    const { stdout, stderr } = err as { stdout: string; stderr: string };
    expect(JSON.parse(stdout).accounts.total).toBe(0);
    expect(stderr).toMatch(/\ncensus: no account found in the payer organizations\n$/);
  });
});
