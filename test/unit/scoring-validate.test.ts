// Issue 18: `census exceptions validate --findings` names the register entries whose bare id matches
// resources in several regions or of several types (they apply to none), and exits 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../core/schemas.js';
import { repoRoot } from '../../platform/local-stack.js';

const A = '111111111111';
const finding = (resourceId: string, region: string, resourceArn: string | null): FindingRecord => ({
  recordType: 'finding',
  schemaVersion: '1.0',
  findingId: `${resourceId}|${region}`,
  requirementId: 'CSS-DDB-01',
  status: 'FAIL',
  severity: 'medium',
  resourceType: 'AWS::DynamoDB::Table',
  resourceId,
  resourceArn,
  accountId: A,
  region,
  source: 'census',
  evidence: 'e',
  observedAt: '2026-11-24T00:00:00Z',
});

describe('census exceptions validate --findings', () => {
  it('reports a bare id matching tables in two regions as ambiguous; an ARN entry is fine', () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-ambiguous-'));
    const arn = `arn:aws:dynamodb:us-east-1:${A}:table/orders`;
    writeFileSync(join(dir, 'findings.ndjson'), [finding('orders', 'us-east-1', arn), finding('orders', 'eu-west-1', null)].map((f) => JSON.stringify(f)).join('\n') + '\n');
    const register = (rows: string[]) => {
      const file = join(dir, `register-${rows.length}.csv`);
      writeFileSync(file, ['exceptionId,accountId,requirementId,resourceId,reason,approvedBy,expiresAt', ...rows].join('\n') + '\n');
      return file;
    };
    const run = (file: string) =>
      spawnSync(join(repoRoot, 'node_modules/.bin/tsx'), [join(repoRoot, 'bin/census.ts'), 'exceptions', 'validate', file, '--findings', join(dir, 'findings.ndjson'), '--output', 'json'], {
        encoding: 'utf8',
        cwd: repoRoot,
        env: { ...process.env, CENSUS_CONFIG: '' },
        timeout: 60_000,
      });
    const bad = run(register([`EX-1,${A},CSS-DDB-01,orders,accepted,ciso@example.com,2099-01-01`, `EX-2,${A},CSS-DDB-01,${arn},accepted,ciso@example.com,2099-01-01`]));
    expect(bad.status, bad.stderr).toBe(1);
    const report = JSON.parse(bad.stdout) as { ambiguous: { exceptionId: string; matches: string[] }[] };
    expect(report.ambiguous).toEqual([expect.objectContaining({ exceptionId: 'EX-1', matches: ['eu-west-1 AWS::DynamoDB::Table', 'us-east-1 AWS::DynamoDB::Table'] })]);
    expect(bad.stderr).toMatch(/1 ambiguous entries .*EX-1/);
    const good = run(register([`EX-2,${A},CSS-DDB-01,${arn},accepted,ciso@example.com,2099-01-01`]));
    expect(good.status, good.stderr).toBe(0);
    expect(JSON.parse(good.stdout).ambiguous).toEqual([]);
  }, 120_000);
});
