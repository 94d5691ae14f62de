// Runs named stages with progress on stderr (count, rate, duration); a failure names its stage.
import { SingleBar, Presets } from 'cli-progress';

export interface StageReport {
  stage: string;
  seconds: number;
  items?: number;
  ratePerSecond?: number;
}

export class StageError extends Error {
  constructor(
    readonly stage: string,
    override readonly cause: unknown,
  ) {
    super(`stage "${stage}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StageError';
  }
}

export interface Progress {
  /** total items, once known */
  total(n: number): void;
  /** items done so far */
  update(done: number): void;
}

export class StageRunner {
  readonly reports: StageReport[] = [];

  constructor(private readonly quiet = false) {}

  /** Run one stage; `fn` reports progress and returns the number of items it handled (if it counts any). */
  async run<T>(stage: string, fn: (progress: Progress) => Promise<T>, count?: (result: T) => number): Promise<T> {
    const started = performance.now();
    let bar: SingleBar | undefined;
    let done = 0;
    const interactive = !this.quiet && process.stderr.isTTY;
    if (!this.quiet) process.stderr.write(`▶ ${stage}\n`);
    const progress: Progress = {
      total: (n) => {
        if (!interactive) return;
        bar ??= new SingleBar({ format: `  {bar} {value}/{total} ({rate}/s)`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        bar.start(n, done, { rate: '0' });
      },
      update: (d) => {
        done = d;
        const secs = (performance.now() - started) / 1000;
        bar?.update(d, { rate: secs > 0 ? (d / secs).toFixed(1) : '0' });
      },
    };
    try {
      const result = await fn(progress);
      bar?.stop();
      const seconds = (performance.now() - started) / 1000;
      const items = count ? count(result) : done || undefined;
      const report: StageReport = { stage, seconds: round(seconds), ...(items !== undefined ? { items, ratePerSecond: round(items / Math.max(seconds, 1e-3)) } : {}) };
      this.reports.push(report);
      if (!this.quiet) {
        process.stderr.write(`  done in ${report.seconds.toFixed(1)} s${items !== undefined ? `: ${items} items, ${report.ratePerSecond}/s` : ''}\n`);
      }
      return result;
    } catch (err) {
      bar?.stop();
      throw new StageError(stage, err);
    }
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
