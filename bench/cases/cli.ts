// CLI start-up: CPU seconds (user + system, the child's own, as bash's `time` reports them) of the compiled
// `census --help` and `census policy principals FILE`, beside `aws --version` when the AWS CLI is installed, else
// `node -e 0` (the floor any Node CLI pays). Medians of repeated runs, alternating subject and baseline.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface StartupResult {
  name: string;
  targetSeconds: number;
  subject: number[];
  baseline: { label: string; samples: number[] };
}

/** CPU seconds of one command line, measured by bash around the child only. */
function cpuSeconds(argv: string[]): number {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%3U %3S'; { time ${quoted} >/dev/null 2>&1 ; } 2>&1`], { encoding: 'utf8' });
  const [user, sys] = r.stdout.trim().split(/\s+/).slice(-2).map(Number);
  return user! + sys!;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function cliStartupCases(rounds = 15): StartupResult[] {
  const bin = join(repoRoot, 'dist/bin/census.js');
  // measure the current sources: build first (tsc emits even when someone's work in progress does not typecheck)
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.stderr.write(`npm run build exited ${build.status}: measuring what tsc emitted\n`);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: the build emitted no CLI`);
  const hasAws = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;
  const baseline = hasAws ? { label: 'aws --version', argv: ['aws', '--version'] } : { label: 'node -e 0', argv: [process.execPath, '-e', '0'] };
  const policy = join(mkdtempSync(join(tmpdir(), 'bench-cli-')), 'role-trust.json');
  writeFileSync(policy, JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::464622532012:root', '555555555555'] }, Action: 'sts:AssumeRole' }] }));
  const cases = [
    { name: 'census --help', targetSeconds: 0.15, argv: [process.execPath, bin, '--help'] },
    { name: 'census policy principals FILE', targetSeconds: 0.5, argv: [process.execPath, bin, 'policy', 'principals', policy] },
  ];
  return cases.map((c) => {
    const result: StartupResult = { name: c.name, targetSeconds: c.targetSeconds, subject: [], baseline: { label: baseline.label, samples: [] } };
    cpuSeconds(c.argv); // warm the file cache once; not counted
    for (let i = 0; i < rounds; i++) {
      result.subject.push(cpuSeconds(c.argv));
      result.baseline.samples.push(cpuSeconds(baseline.argv));
    }
    return result;
  });
}

export function formatStartup(results: StartupResult[]): string {
  const rows = [['CLI start-up (CPU s, median)', 'census', 'target', 'met', 'baseline', 'baseline CPU s']];
  for (const r of results) {
    const m = median(r.subject);
    rows.push([r.name, m.toFixed(3), `< ${r.targetSeconds}`, m < r.targetSeconds ? 'yes' : 'NO', r.baseline.label, median(r.baseline.samples).toFixed(3)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
