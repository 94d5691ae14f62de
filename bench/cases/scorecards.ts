// Scorecard generation: Census's exceljs streaming writer against openpyxl (write-only) writing the same workbooks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../platform/local-stack.js';
import type { AccountRecord, FindingRecord } from '../../core/schemas.js';
import { scoreFindings } from '../../scoring/score.js';
import { writeScorecards } from '../../scoring/scorecards/index.js';
import { loadCatalog } from '../../standard/index.js';
import { pair, type PairResult, type Sample } from '../measure.js';

export async function scorecardCase(accounts: AccountRecord[], findings: FindingRecord[]): Promise<PairResult> {
  const requirements = loadCatalog().requirements.map((r) => ({ id: r.id, title: r.title, severity: r.severity, weight: r.weight }));
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
        label: 'exceljs WorkbookWriter',
        run: async () => {
          await writeScorecards({ scores: run.scores, nonCompliant: run.nonCompliant, accounts, requirements, asOf, runAt: '2026-11-24T00:00:00.000Z', outDir: join(work, 'exceljs') });
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
