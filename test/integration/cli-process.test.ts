// The CLI as a child process, as a shell runs it: a closed pipe, and collect's exit 3 against an unreachable endpoint.
// (No stack needed; here rather than in the unit project because each case starts a full Node process.)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../../', import.meta.url).pathname;
const tsx = join(repoRoot, 'node_modules/.bin/tsx');
const entry = join(repoRoot, 'bin/census.ts');

describe('census as a child process', () => {
  it('collect exits 3 when discovery cannot reach AWS', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'census-collect-')), 'records.ndjson');
    // no caller identity at all: discovery stops before any payer
    const unreachable = spawnSync(tsx, [entry, 'collect', '--payers', '111111111111', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1', CENSUS_AWS_MAX_ATTEMPTS: '1', CENSUS_CONFIG: '' },
      timeout: 60_000,
    });
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(/^census: discovery failed for payer\(s\) 111111111111: .*ECONNREFUSED/m);
    expect(unreachable.stderr).not.toMatch(/NodeVersionSupportWarning/);
  }, 60_000);

  it('ends quietly when the reader of its output goes away (EPIPE)', async () => {
    const child = spawn(tsx, [entry, 'requirements', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // like `| head -1`: read the first chunk, then close the pipe
    await new Promise<void>((resolve) => child.stdout.once('data', () => (child.stdout.destroy(), resolve())));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  }, 60_000);

});
