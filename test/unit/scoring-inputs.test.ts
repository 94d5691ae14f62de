import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRequirements, locateInputs, parseAccountList, readFindings, type InputProblem } from '../../scoring/inputs.js';

describe('account list', () => {
  it('accepts AccountRecords and the offline shape, reports bad and duplicate entries and keeps the rest', () => {
    const record = {
      recordType: 'account',
      schemaVersion: '1.0',
      accountId: '111111111111',
      name: 'prod',
      email: 'aws@example.com',
      status: 'ACTIVE',
      payerId: '999999999999',
      ouPath: '/Root',
      joinedAt: null,
      tags: { owner: 'alice@example.com' },
      owner: 'alice@example.com',
      executive: null,
      spend: 12.5,
      observedAt: '2026-11-24T00:00:00Z',
    };
    const { accounts, problems } = parseAccountList(
      [record, { accountId: '222222222222', name: 'dev' }, { accountId: '12345' }, { accountId: '222222222222', name: 'again' }, { accountId: '333333333333', spend: -1 }],
      'accounts.json',
    );
    expect(accounts).toEqual([
      { accountId: '111111111111', name: 'prod', owner: 'alice@example.com', executive: null, spend: 12.5 },
      { accountId: '222222222222', name: 'dev', owner: null, executive: null, spend: null },
    ]);
    expect(problems.map((p) => [p.at, p.reason])).toEqual([
      [3, expect.stringMatching(/accountId: must be a 12-digit AWS account ID/)],
      [4, expect.stringMatching(/listed twice/)],
      [5, expect.stringMatching(/spend/)],
    ]);
    expect(() => parseAccountList({ nope: 1 }, 'x.json')).toThrow(/x.json: expected a JSON array/);
  });
});

describe('requirements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scoring-req-'));
  it('reads requirements.json and names the bad entry', () => {
    const ok = join(dir, 'ok.json');
    writeFileSync(ok, JSON.stringify([{ id: 'R1', title: 't', severity: 'high', weight: 5 }]));
    expect(loadRequirements(ok)).toEqual([{ id: 'R1', title: 't', severity: 'high', weight: 5 }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ id: 'R1', weight: 5 }, { id: 'R2', weight: 'heavy' }]));
    expect(() => loadRequirements(bad)).toThrow(/bad.json: requirement #2: weight/);
    const dup = join(dir, 'dup.json');
    writeFileSync(dup, JSON.stringify([{ id: 'R1', weight: 5 }, { id: 'R1', weight: 1 }]));
    expect(() => loadRequirements(dup)).toThrow(/R1 is listed twice/);
    expect(() => loadRequirements(join(dir, 'missing.json'))).toThrow(/cannot read .*missing.json: ENOENT/);
  });
  it('reads the catalog shipped with Census through the standard loader, titles and weights included', () => {
    const reqs = loadRequirements();
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.title).not.toBe('');
      expect(r.weight).toBeGreaterThan(0);
    }
  });
});

describe('findings file and input folder', () => {
  it('streams findings and reports broken lines by number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoring-f-'));
    const file = join(dir, 'findings.ndjson');
    const good = {
      recordType: 'finding',
      schemaVersion: '1.0',
      findingId: 'f1',
      requirementId: 'R1',
      status: 'PASS',
      severity: 'low',
      resourceType: 'AWS::S3::Bucket',
      resourceId: 'b',
      resourceArn: null,
      accountId: '111111111111',
      region: 'us-east-1',
      source: 'census',
      evidence: 'ok',
      observedAt: '2026-11-24T00:00:00Z',
    };
    writeFileSync(file, `${JSON.stringify(good)}\n\n{not json\n${JSON.stringify({ ...good, status: 'MAYBE' })}\n`);
    const problems: InputProblem[] = [];
    const read = [];
    for await (const f of readFindings(file, problems)) read.push(f);
    expect(read).toHaveLength(1);
    expect(problems.map((p) => [p.at, p.reason])).toEqual([
      [3, expect.stringMatching(/not valid JSON/)],
      [4, expect.stringMatching(/finding f1: status/)],
    ]);
  });

  it('names the files a folder is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scoring-dir-'));
    await expect(locateInputs(dir)).rejects.toThrow(/has no accounts.json and no findings.ndjson/);
    await expect(locateInputs(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
    writeFileSync(join(dir, 'accounts.json'), '[]');
    writeFileSync(join(dir, 'findings.ndjson'), '');
    writeFileSync(join(dir, 'exceptions.xlsx'), '');
    expect(await locateInputs(dir)).toEqual({ accounts: join(dir, 'accounts.json'), findings: join(dir, 'findings.ndjson'), exceptions: join(dir, 'exceptions.xlsx') });
  });
});
