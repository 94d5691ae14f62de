// `census collect` through a fault proxy in front of moto: a share of API calls answer ThrottlingException, HTTP 500
// or lose their connection. The SDK's retries (adaptive mode) must absorb them: the records collected through the
// proxy are exactly those collected directly, nothing is lost, doubled or reported as a collection error, and the
// summary counts the retries. Faults hit only an attempt's first try (the SDK's `amz-sdk-request: attempt=1`), so a
// retried call always gets through and the outcome does not depend on chance.
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { localStack, repoRoot } from '../../platform/local-stack.js';
import { parseRecord, type StreamRecord } from '../../core/schemas.js';
import { buildOrg, credentialsFor, type TestOrg } from '../fixtures/collectors/org.js';

const exec = promisify(execFile);
const FAULT_SHARE = 4; // one first attempt in four

/** A proxy to moto that fails a deterministic share of first attempts, in three ways, and counts them. */
function faultProxy(target: string): Promise<{ server: Server; url: string; faults: { throttle: number; server: number; dropped: number }; requests: { n: number } }> {
  const upstream = new URL(target);
  const faults = { throttle: 0, server: 0, dropped: 0 };
  const requests = { n: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.n++;
      const first = /attempt=1\b/.test(String(req.headers['amz-sdk-request'] ?? ''));
      const id = String(req.headers['amz-sdk-invocation-id'] ?? `${req.method} ${req.url} ${requests.n}`);
      const h = createHash('sha256').update(id).digest()[0]!;
      if (first && h % FAULT_SHARE === 0) {
        const kind = (['throttle', 'server', 'dropped'] as const)[Math.floor(h / FAULT_SHARE) % 3]!;
        faults[kind]++;
        if (kind === 'dropped') return req.socket.destroy();
        const json = String(req.headers['content-type'] ?? '').includes('json');
        if (kind === 'throttle') {
          // JSON protocols read the code from x-amzn-ErrorType; query and REST-XML from the body
          res.writeHead(400, { 'x-amzn-ErrorType': 'ThrottlingException', 'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml' });
          return res.end(json ? '{"__type":"ThrottlingException","message":"Rate exceeded"}' : '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>fault</RequestId></ErrorResponse>');
        }
        res.writeHead(500, { 'content-type': json ? 'application/x-amz-json-1.1' : 'text/xml' });
        return res.end(json ? '{"__type":"InternalFailure","message":"injected"}' : '<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>injected</Message></Error><RequestId>fault</RequestId></ErrorResponse>');
      }
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (up: IncomingMessage) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, faults, requests })));
}

describe('census collect through a fault proxy (throttling, 500s, dropped connections)', () => {
  let org: TestOrg;
  let proxy: Awaited<ReturnType<typeof faultProxy>>;
  const dir = mkdtempSync(join(tmpdir(), 'census-faults-collect-'));
  const collect = (endpoint: string, out: string) =>
    exec(
      join(repoRoot, 'node_modules/.bin/tsx'),
      [join(repoRoot, 'bin/census.ts'), 'collect', '--payers', org.payerId, '--audit-role', 'OrganizationAccountAccessRole', '--regions', 'eu-west-1', '--collectors', 's3,sqs,iam,dynamodb,kms', '--out', out],
      { env: { ...process.env, AWS_ENDPOINT_URL: endpoint, CENSUS_LOG_LEVEL: 'error', CENSUS_AWS_MAX_ATTEMPTS: '5' }, maxBuffer: 64 * 1024 * 1024 },
    );
  const resources = (file: string) =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => parseRecord(JSON.parse(l)))
      .filter((r): r is Extract<StreamRecord, { recordType: 'resource' }> => r.recordType === 'resource');
  let direct: { stdout: string };
  let faulty: { stdout: string };

  beforeAll(async () => {
    org = await buildOrg(2);
    for (const m of org.members) {
      const o = { region: 'eu-west-1', credentials: await credentialsFor(m.accountId) };
      await new SQSClient(clientConfig(o)).send(new CreateQueueCommand({ QueueName: `faults-${m.name}` }));
      await new S3Client(s3Config(o)).send(new CreateBucketCommand({ Bucket: `faults-${m.accountId}`, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      await new DynamoDBClient(clientConfig(o)).send(
        new CreateTableCommand({ TableName: 'orders', BillingMode: 'PAY_PER_REQUEST', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }] }),
      );
    }
    proxy = await faultProxy(localStack.moto);
    direct = await collect(localStack.moto, join(dir, 'direct.ndjson'));
    faulty = await collect(proxy.url, join(dir, 'faulty.ndjson'));
  }, 300_000);

  afterAll(() => proxy?.server.close());

  it('injected every kind of fault', () => {
    console.info(`fault proxy: ${proxy.requests.n} requests, faults ${JSON.stringify(proxy.faults)}`);
    // about one first attempt in four (invocation ids are random, so the split varies from run to run)
    expect(proxy.faults.throttle).toBeGreaterThan(0);
    expect(proxy.faults.server).toBeGreaterThan(0);
    expect(proxy.faults.dropped).toBeGreaterThan(0);
    expect(proxy.faults.throttle + proxy.faults.server + proxy.faults.dropped).toBeGreaterThan(proxy.requests.n / 10);
  });

  it('collects exactly the same resources as without faults: nothing lost, nothing doubled', () => {
    const a = resources(join(dir, 'direct.ndjson')).map((r) => `${r.resourceType} ${r.arn}`);
    const b = resources(join(dir, 'faulty.ndjson')).map((r) => `${r.resourceType} ${r.arn}`);
    expect(b.length).toBe(new Set(b).size);
    expect(b.sort()).toEqual(a.sort());
    expect(a.filter((x) => x.startsWith('AWS::DynamoDB::Table')).length).toBe(2);
    // no resource carries a failed detail call the direct run did not have
    const errorsOf = (file: string) => resources(file).flatMap((r) => r.errors.map((e) => `${r.arn} ${e.call}`)).sort();
    expect(errorsOf(join(dir, 'faulty.ndjson'))).toEqual(errorsOf(join(dir, 'direct.ndjson')));
  });

  it('reports no collection error and counts the retries in the summary', () => {
    expect(faulty.stdout).toMatch(/errors: 0 collection errors/);
    expect(direct.stdout).toMatch(/errors: 0 collection errors/);
    const retries = (s: string) => Number(/retries: (\d+)/.exec(s)?.[1] ?? -1);
    // the summary counts the retries of the collectors' own clients (STS and discovery calls are not in it)
    expect(retries(faulty.stdout)).toBeGreaterThan(retries(direct.stdout) + 3);
  });
});
