// A fresh clone stands on its own: cloned alone into an empty folder (nothing beside it to lean on), its unit tests
// pass and `census policy principals` names Datadog's account a known vendor with no flag, from the vendored list.
// node_modules is linked from this checkout, since `npm ci` would fetch the same packages again.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../../', import.meta.url).pathname;

describe('a clone of the repository', () => {
  const parent = mkdtempSync(join(tmpdir(), 'census-clone-'));
  const clone = join(parent, 'census');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, clone]);
  symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');

  it('has nothing beside it, and no file of it points outside the repository', () => {
    expect(readdirSync(parent)).toEqual(['census']);
    // the sibling folder this workplace keeps beside the repository, spelled so this file does not name it
    const sibling = ['..', 'shared'].join('/');
    const outside = spawnSync('git', ['grep', '-n', '-I', '-F', sibling], { cwd: clone, encoding: 'utf8' });
    // git grep exits 1 when nothing matches
    expect(outside.stdout).toBe('');
    expect(outside.status).toBe(1);
  });

  it('classifies a role trusting Datadog as a known vendor with no flag', () => {
    const role = join(parent, 'role-trust.json');
    writeFileSync(role, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::464622532012:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'x' } } }] }));
    const out = execFileSync(join(clone, 'node_modules/.bin/tsx'), [join(clone, 'bin/census.ts'), 'policy', 'principals', role, '--output', 'json'], {
      cwd: parent,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    });
    expect(JSON.parse(out).accounts).toEqual([expect.objectContaining({ accountId: '464622532012', classification: 'known', name: 'Datadog' })]);
  });

  it('passes its unit tests', () => {
    const run = spawnSync(join(clone, 'node_modules/.bin/vitest'), ['run', '--project', 'unit', '--reporter', 'dot'], {
      cwd: clone,
      encoding: 'utf8',
      // only what a new user's shell has: no CENSUS_* or AWS_* settings from this run
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', NO_COLOR: '1' },
      timeout: 900_000,
    });
    // eslint-disable-next-line no-control-regex -- the reporter's colour codes
    const text = (run.stdout + run.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    expect(text).toMatch(/Test Files\s+\d+ passed \(\d+\)/);
    expect(text).not.toMatch(/Test Files\s+\d+ failed/);
    expect(run.status, text.slice(-3000)).toBe(0);
  }, 900_000);
});
