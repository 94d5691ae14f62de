// Scorecard generation: Census's exceljs streaming writer against openpyxl (write-only) writing the
// workbooks of the same scoring run. Both run as child processes on the same prepared JSON input (the
// findings are scored before, outside the measured window), each reporting its own peak RSS: the
// writer's memory alone. Target: under 300 MiB for 250 accounts and 100,000 findings.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../platform/local-stack.js';
import type { AccountRecord, FindingRecord } from '../../core/schemas.js';
import { scoreFindings } from '../../scoring/score.js';
import { loadCatalog } from '../../standard/index.js';
import { pair, type PairResult, type Sample } from '../measure.js';

export async function scorecardCase(accounts: AccountRecord[], findings: FindingRecord[]): Promise<PairResult> {
  const requirements = loadCatalog().requirements.map((r) => ({ id: r.id, title: r.title, severity: r.severity, weight: r.weight, remediation: r.remediation }));
  const asOf = '2026-11-24';
  const run = scoreFindings({ accounts, requirements, findings, exceptions: [], asOf, runAt: '2026-11-24T00:00:00.000Z' });
  const work = mkdtempSync(join(tmpdir(), 'census-bench-cards-'));
  const input = join(work, 'input.json');
  writeFileSync(input, JSON.stringify({ scores: run.scores, nonCompliant: run.nonCompliant, accounts, requirements, asOf }));
  const python = join(repoRoot, '.stack/venv/bin/python');
  try {
    return await pair(
      `scorecards: ${accounts.length} accounts, ${findings.length.toLocaleString('en-US')} findings`,
      { items: findings.length, unit: 'findings', rounds: 2 },
      {
        label: 'exceljs WorkbookWriter (child process)',
        run: async (): Promise<Sample> => {
          const start = performance.now();
          const res = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/cases/scorecards-writer.ts'), input, join(work, 'exceljs')], { encoding: 'utf8', cwd: repoRoot });
          if (res.status !== 0) throw new Error(`exceljs writer failed: ${res.stderr}`);
          const [loadedKiB, peakKiB] = res.stderr.trim().split('\n').slice(-2).map(Number);
          process.stderr.write(`  exceljs writer: peak ${Math.round(peakKiB! / 1024)} MiB (input loaded: ${Math.round(loadedKiB! / 1024)} MiB)\n`);
          return { seconds: (performance.now() - start) / 1000, peakMiB: peakKiB! / 1024 };
        },
      },
      {
        label: 'openpyxl write-only (child process)',
        run: async (): Promise<Sample> => {
          const start = performance.now();
          const res = spawnSync(python, [join(repoRoot, 'bench/openpyxl_scorecards.py'), input, join(work, 'openpyxl')], { encoding: 'utf8' });
          if (res.status !== 0) throw new Error(`openpyxl baseline failed: ${res.stderr}`);
          const kib = Number(res.stderr.trim().split('\n').at(-1));
          return { seconds: (performance.now() - start) / 1000, peakMiB: kib / 1024 };
        },
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
