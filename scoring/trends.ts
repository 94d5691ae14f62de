// Score trends: the change of an owner's, account's, executive's or the enterprise score since the
// previous run and since 7 and 30 days ago, from earlier score records (OpenSearch history deployed,
// `census score --previous DIR|FILE` offline). Pure apart from the file reader at the bottom.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ScoreRecord, parseWith } from '../core/schemas.js';
import { readNdjson, type InputProblem } from './inputs.js';

const DAY = 24 * 3600 * 1000;

/** The runs a trend compares with: the latest before this one, and the latest at least 7 and 30 days older. */
export interface TrendRuns {
  previous?: string;
  week?: string;
  month?: string;
}

export function pickTrendRuns(runAts: Iterable<string>, runAt: string): TrendRuns {
  const now = Date.parse(runAt);
  const best = (limit: number, strict: boolean) => {
    let found: { at: number; runAt: string } | undefined;
    for (const r of runAts) {
      const at = Date.parse(r);
      if (Number.isNaN(at) || (strict ? at >= limit : at > limit)) continue;
      if (!found || at > found.at) found = { at, runAt: r };
    }
    return found?.runAt;
  };
  const runs: TrendRuns = {};
  const previous = best(now, true);
  const week = best(now - 7 * DAY, false);
  const month = best(now - 30 * DAY, false);
  if (previous) runs.previous = previous;
  if (week) runs.week = week;
  if (month) runs.month = month;
  return runs;
}

/** The subject a record scores (requirement scopes have no trend). */
export function trendSubject(r: Pick<ScoreRecord, 'scope' | 'accountId' | 'owner' | 'executive'>): string | undefined {
  switch (r.scope) {
    case 'account':
      return `account|${r.accountId}`;
    case 'owner':
      return `owner|${r.owner}`;
    case 'executive':
      return `executive|${r.executive}`;
    case 'enterprise':
      return 'enterprise';
    default:
      return undefined;
  }
}

/** Score change in fractions (0.05 = 5 points); null where there was no score then or none now. */
export interface ScoreChange {
  previous: number | null;
  week: number | null;
  month: number | null;
}

export const NO_CHANGE: ScoreChange = { previous: null, week: null, month: null };

export class ScoreTrends {
  private readonly then = new Map<string, Map<string, number | null>>();
  readonly runs: TrendRuns;

  /** `records`: earlier score records (any runs; only the three compared with are kept). */
  constructor(records: Iterable<ScoreRecord>, runAt: string) {
    const list = [...records].filter((r) => Date.parse(r.runAt) < Date.parse(runAt));
    this.runs = pickTrendRuns(new Set(list.map((r) => r.runAt)), runAt);
    const wanted = new Set(Object.values(this.runs));
    for (const r of list) {
      const subject = trendSubject(r);
      if (!subject || !wanted.has(r.runAt)) continue;
      let byRun = this.then.get(subject);
      if (!byRun) this.then.set(subject, (byRun = new Map()));
      byRun.set(r.runAt, r.score);
    }
  }

  static empty(runAt: string): ScoreTrends {
    return new ScoreTrends([], runAt);
  }

  change(current: Pick<ScoreRecord, 'scope' | 'accountId' | 'owner' | 'executive' | 'score'>): ScoreChange {
    const subject = trendSubject(current);
    const byRun = subject ? this.then.get(subject) : undefined;
    const delta = (run?: string) => {
      const before = run ? byRun?.get(run) : undefined;
      return current.score === null || before === null || before === undefined ? null : Math.round((current.score - before) * 1e12) / 1e12;
    };
    return { previous: delta(this.runs.previous), week: delta(this.runs.week), month: delta(this.runs.month) };
  }
}

/**
 * Earlier score records from a file (NDJSON of ScoreRecords, e.g. an earlier `scores.ndjson`) or every
 * `*.ndjson` under a folder. Lines that are not score records are reported and skipped.
 */
export async function readPreviousScores(path: string, problems: InputProblem[]): Promise<ScoreRecord[]> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`--previous ${path}: ${err.code ?? err.message}`);
  });
  const files: string[] = [];
  if (info.isDirectory()) {
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else if (/^scores.*\.ndjson$/.test(e.name)) files.push(join(dir, e.name));
      }
    };
    await walk(path);
    if (!files.length) throw new Error(`--previous ${path}: no scores*.ndjson file in the folder`);
  } else files.push(path);
  const out: ScoreRecord[] = [];
  for (const file of files.sort()) {
    for await (const r of readNdjson(file, problems, (v) => parseWith(ScoreRecord, v))) if (trendSubject(r)) out.push(r);
  }
  return out;
}
