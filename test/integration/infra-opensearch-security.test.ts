// The deploy-time FGAC mapping function speaks the CloudFormation custom resource protocol: whatever happens,
// CloudFormation gets an answer with a reason (a custom resource that never answers hangs the stack for an hour).
// The local OpenSearch has no security plugin, so its REST API refuses the role requests, which is the failure path.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStack } from '../../platform/local-stack.js';
import { onEvent } from '../../infra/lambda/opensearch-security.js';
import { uniqueName } from '../helpers.js';

let server: Server;
let responseUrl: string;
const responses: { method: string; contentType: string | undefined; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      responses.push({ method: req.method ?? '', contentType: req.headers['content-type'], body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/presigned`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const event = (RequestType: 'Create' | 'Update' | 'Delete', indexPrefix: string) => ({
  RequestType,
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:us-east-1:999999999999:stack/Census/guid',
  RequestId: uniqueName('request'),
  LogicalResourceId: 'SearchSecurityRoleMapping',
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: `${localStack.opensearch}/${indexPrefix}` }),
  ResourceProperties: {
    DomainEndpoint: localStack.opensearch,
    IndexPrefix: indexPrefix,
    ProcessorRoleArns: ['arn:aws:iam::999999999999:role/census-processor'],
    ScoringRoleArns: ['arn:aws:iam::999999999999:role/census-scoring'],
    AdminRoleArns: ['arn:aws:iam::999999999999:role/census-opensearch-security'],
  },
});

describe('OpenSearch role mapping custom resource', () => {
  it('answers FAILED with the refused request as the reason when the security API rejects it', async () => {
    const prefix = uniqueName('infra');
    const e = event('Create', prefix);
    await onEvent(e);
    const answer = responses.at(-1)!;
    expect(answer.method).toBe('PUT');
    expect(answer.contentType).toBe('');
    expect(answer.body).toMatchObject({
      Status: 'FAILED',
      RequestId: e.RequestId,
      StackId: e.StackId,
      LogicalResourceId: 'SearchSecurityRoleMapping',
      PhysicalResourceId: `${localStack.opensearch}/${prefix}`,
    });
    expect(answer.body.Reason).toMatch(new RegExp(`PUT /_plugins/_security/api/roles/${prefix}_processor: 400 .*no handler found`));
  });

  it('answers SUCCESS on Delete even when cleanup fails, so the stack can always be deleted', async () => {
    const prefix = uniqueName('infra');
    await onEvent(event('Delete', prefix));
    const answer = responses.at(-1)!;
    expect(answer.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${localStack.opensearch}/${prefix}` });
    expect(answer.body.Reason).toMatch(/rolesmapping/);
  });
});
