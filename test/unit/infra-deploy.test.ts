// What a first deployment to a real AWS organization needs, asserted on the synthesized templates: the stack
// creates (and creates again after a failed attempt), runs at scale without overlapping itself, and works in
// every partition. Each assertion names the fix it guards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackNames } from '../../infra/lib/app.js';
import { partitionOfArn } from '../../collectors/runtime.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const repoRoot = new URL('../../', import.meta.url).pathname;
let outdir: string;
let census: Json;
let auditRole: Json;

const resources = (t: Json, type?: string): [string, Json][] =>
  Object.entries(t.Resources as Record<string, Json>).filter(([, r]) => !type || r.Type === type);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'census-deploy-'));
  const { app } = buildApp({ outdir, context: { payerAccountIds: '111111111111', securityAccountId: '999999999999' } });
  const assembly = app.synth();
  census = assembly.getStackByName(stackNames.census).template as Json;
  auditRole = assembly.getStackByName(stackNames.auditRole).template as Json;
}, 180_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the stack creates on the first try', () => {
  it('creates the OpenSearch domain only after the CloudWatch Logs resource policy it publishes to', () => {
    const [[policyId]] = resources(census, 'AWS::Logs::ResourcePolicy') as [[string, Json]];
    const [[, domain]] = resources(census, 'AWS::OpenSearchService::Domain') as [[string, Json]];
    expect(domain.DependsOn).toContain(policyId);
  });
});

describe('a failed first deploy does not block the retry', () => {
  it('retains nothing on create rollback: no resource has DeletionPolicy Retain', () => {
    const retained = resources(census).filter(([, r]) => r.DeletionPolicy === 'Retain');
    expect(retained.map(([id, r]) => `${r.Type} ${id}`)).toEqual([]);
    expect(resources(auditRole).filter(([, r]) => r.DeletionPolicy === 'Retain')).toEqual([]);
  });

  it('keeps the evidence when the stack is deleted or a resource replaced: key, buckets, stream, domain, every named log group', () => {
    const kept = (type: string) => resources(census, type).map(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy]);
    for (const type of ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Kinesis::Stream', 'AWS::OpenSearchService::Domain', 'AWS::Logs::LogGroup']) {
      const policies = kept(type);
      expect(policies.length, type).toBeGreaterThan(0);
      for (const p of policies) expect(p, type).toEqual(['RetainExceptOnCreate', 'Retain']);
    }
    // every log group is named (the retry collides on the name), so each one is covered above
    for (const [id, r] of resources(census, 'AWS::Logs::LogGroup')) expect(r.Properties.LogGroupName, id).toBeDefined();
  });

  it('the README teardown names everything the stack keeps', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const teardown = readme.slice(readme.indexOf('### Teardown'));
    for (const what of ['KMS key', 'buckets', 'OpenSearch domain', 'log group', 'Kinesis stream']) expect(teardown, what).toContain(what);
  });
});

describe('every partition', () => {
  it('builds no ARN with a literal `aws` partition in either template', () => {
    expect(JSON.stringify(census)).not.toMatch(/arn:aws:/);
    expect(JSON.stringify(auditRole)).not.toMatch(/arn:aws:/);
  });

  it('collectors, discovery and inventory take the partition from the caller, never a literal `aws`', () => {
    for (const file of ['collectors/runtime.ts', 'collectors/discovery.ts', 'collectors/inventory.ts', 'collectors/engine.ts']) {
      const code = readFileSync(join(repoRoot, file), 'utf8');
      expect(code, file).not.toMatch(/arn:aws:|partition \?\? 'aws'|\?\? 'aws'\)/);
    }
    expect(partitionOfArn('arn:aws-us-gov:sts::123456789012:assumed-role/census-collector/x')).toBe('aws-us-gov');
    expect(partitionOfArn('arn:aws-cn:iam::123456789012:user/x')).toBe('aws-cn');
    expect(partitionOfArn('arn:aws:iam::123456789012:root')).toBe('aws');
    expect(() => partitionOfArn('not-an-arn')).toThrow(/caller identity ARN "not-an-arn"/);
  });
});
