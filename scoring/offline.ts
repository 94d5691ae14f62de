// The offline scoring run: a folder of files in, score records and scorecards out.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { log } from '../platform/log.js';
import { writeScorecards, type ScorecardManifest } from './scorecards/index.js';
import { LatestPerResource, ScoreAccumulator, finishScoring, type ScoringAccount, type ScoringRequirement, type ScoringResult } from './score.js';
import { loadAccounts, loadRegister, loadRequirements, locateInputs, readFindings, readGone, type InputProblem } from './inputs.js';
import type { FindingRecord } from '../core/schemas.js';
import { ScoreTrends, readPreviousScores } from './trends.js';

export interface ScoringRun extends ScoringResult {
  accounts: ScoringAccount[];
  requirements: ScoringRequirement[];
  asOf: string;
  runAt: string;
  /** input entries that were reported and skipped */
  problems: InputProblem[];
  /** earlier runs' scores to show changes against */
  trends?: ScoreTrends;
}

/** Score the inputs of `census score --input DIR`. */
export async function scoreFolder(dir: string, opts: { asOf: string; runAt: string; previous?: string }): Promise<ScoringRun> {
  const files = await locateInputs(dir);
  if (!files.requirements) log.info({ dir }, 'no requirements.json or catalog YAML in the input folder: using the built-in catalog');
  const requirements = loadRequirements(files.requirements);
  const listed = await loadAccounts(files.accounts);
  const problems = listed.problems;
  const gone = await readGone(files.resources, listed.accounts, problems);
  // accounts that left the organization are not scored; their findings are closed
  const accounts = listed.accounts.filter((a) => !a.leftAt);
  const register = await loadRegister(files.exceptions, requirements);
  problems.push(...register.problems);
  // only the deciding observation of each resource is kept while the file streams past
  const latest = new LatestPerResource<FindingRecord>();
  for await (const f of readFindings(files.findings, problems)) latest.add(f);
  const acc = new ScoreAccumulator(requirements, register.entries, opts.asOf, gone);
  for (const f of latest.values()) acc.add(f);
  const result = finishScoring(acc, { accounts, requirements, asOf: opts.asOf, runAt: opts.runAt });
  const trends = opts.previous ? new ScoreTrends(await readPreviousScores(opts.previous, problems), opts.runAt) : undefined;
  return { ...result, accounts, requirements, asOf: opts.asOf, runAt: opts.runAt, problems, ...(trends ? { trends } : {}) };
}

export const toNdjson = (records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Write `scores.ndjson` and the scorecards into `outDir`. */
export async function writeRunOutputs(run: ScoringRun, outDir: string, opts: { workbooks?: boolean } = {}): Promise<{ scoresFile: string; manifest?: ScorecardManifest }> {
  await mkdir(outDir, { recursive: true });
  const scoresFile = join(outDir, 'scores.ndjson');
  await writeFile(scoresFile, toNdjson(run.scores));
  // the closed findings, status kept, with why and since when: the offline twin of closing them in the index
  await writeFile(join(outDir, 'closed-findings.ndjson'), toNdjson(run.closed.map(({ alreadyResolved: _a, documentId: _d, ...f }) => f)));
  if (opts.workbooks === false) return { scoresFile };
  const manifest = await writeScorecards({ ...run, outDir });
  return { scoresFile, manifest };
}

/** Human-readable lines about what was left out or grouped, for the CLI and the job's log. */
export function describeWarnings(run: Pick<ScoringRun, 'warnings' | 'problems'>): string[] {
  const w = run.warnings;
  const lines: string[] = run.problems.map((p) => `skipped ${p.source}${p.at ? ` #${p.at}` : ''}: ${p.reason}`);
  if (w.unmapped) lines.push(`${w.unmapped} finding(s) map to no catalog requirement (external findings) and are not scored`);
  for (const [id, n] of Object.entries(w.unknownRequirements)) lines.push(`${n} finding(s) name requirement ${id}, which the catalog does not have: not scored`);
  if (w.unknownAccounts.length) lines.push(`accounts with findings but missing from the account list (scored under "(no owner)"): ${w.unknownAccounts.join(', ')}`);
  if (w.withoutOwner.length) lines.push(`accounts without an owner tag, grouped under "(no owner)": ${w.withoutOwner.join(', ')}`);
  for (const a of w.ambiguousExceptions) {
    lines.push(`exception ${a.exceptionId} names "${a.resourceId}" (account ${a.accountId}, ${a.requirementId}), which matches ${a.matches.length} resources (${a.matches.join('; ')}): ambiguous, applies to none until it names the ARN`);
  }
  for (const [reason, n] of Object.entries(w.closed)) lines.push(`${n} finding(s) closed (${reason === 'account-left' ? 'the account left the organization' : 'the resource was deleted'}): not scored`);
  if (w.withoutExecutive.length) lines.push(`accounts without an executive tag, grouped under "(no executive)": ${w.withoutExecutive.join(', ')}`);
  return lines;
}
