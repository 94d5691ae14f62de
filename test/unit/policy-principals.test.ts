// `census policy principals`: per-statement verdicts and reasons, as JSON and as a table, exit 0.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCensus as run } from '../fixtures/cli.js';
import { parsePolicyText, principalsReport } from '../../policy/report.js';

const VENDOR = '464622532012';
const policy = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Office', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } },
    { Sid: 'Vendor', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${VENDOR}:root` }, Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' },
    { Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { StringLike: { 'aws:PrincipalOrgID': 'o-*' } } },
  ],
};
const ctx = { orgAccounts: new Map(), register: new Map([[VENDOR, { accountId: VENDOR, name: 'Datadog', approved: null, note: null, source: 't' }]]) };

describe('principals report', () => {
  it('gives every statement its verdict, reason and deciding condition, and the policy the most open one', () => {
    const r = principalsReport(policy, 'p.json', ctx);
    expect(r.verdict).toBe('public');
    expect(r.public).toBe(true);
    expect(r.statements.map((s) => [s.sid, s.verdict])).toEqual([
      ['Office', 'network-restricted'],
      ['Vendor', 'account-restricted'],
      ['Open', 'public'],
    ]);
    expect(r.statements[0]).toMatchObject({ networks: ['203.0.113.0/24'], condition: 'IpAddress aws:SourceIp "203.0.113.0/24"' });
    expect(r.statements[2]!.reason).toMatch(/wildcard in the organization \(o-\*\)/);
    expect(r.accounts).toEqual([{ accountId: VENDOR, via: 'principal', classification: 'known', name: 'Datadog', approved: null }]);
  });

  it('reads policies inside a larger document, and says when one cannot be read', () => {
    const r = principalsReport({ Policy: JSON.stringify(policy), Broken: '{"Statement": [' }, 'x.json', ctx);
    expect(r.policies.map((p) => [p.path, p.verdict])).toEqual([
      ['Policy', 'public'],
      ['Broken', 'undecided'],
    ]);
    expect(() => principalsReport({ hello: 'world' }, 'none.json', ctx)).toThrow(/none.json: no policy document found/);
  });

  it('decodes URL-encoded and double-encoded files, and names the file it cannot read', () => {
    expect(parsePolicyText(encodeURIComponent(encodeURIComponent(JSON.stringify(policy))), 'f')).toEqual(policy);
    expect(parsePolicyText(JSON.stringify(JSON.stringify(policy)), 'f')).toEqual(policy);
    expect(() => parsePolicyText('{"Statement": [', 'bad.json')).toThrow(/bad.json: not a JSON \(or URL-encoded JSON\) policy document/);
  });
});

describe('census policy principals', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'census-principals-')), 'policy.json');
  writeFileSync(file, JSON.stringify(policy));

  it('prints the per-statement verdicts as JSON and exits 0', async () => {
    const r = await run('policy', 'principals', file, '--output', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verdict).toBe('public');
    expect(report.statements.map((s: { verdict: string }) => s.verdict)).toEqual(['network-restricted', 'account-restricted', 'public']);
  });

  it('prints a readable table with one row per statement and its reason, and exits 0', async () => {
    const r = await run('policy', 'principals', file);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`${file}: 1 policy, PUBLIC`);
    expect(lines.find((l) => l.startsWith('(document)  Office'))).toMatch(/network-restricted .*IpAddress aws:SourceIp .*caller's IP must be in 203\.0\.113\.0\/24/);
    expect(lines.find((l) => l.startsWith('(document)  Open'))).toMatch(/public .*StringLike aws:PrincipalOrgID/);
    expect(r.stdout).toMatch(/464622532012 +known +Datadog/);
  });
});
