// Side-by-side measurement: a case and its baseline run alternately (A B A B ...) on the same input,
// so a drifting machine affects both; the table reports medians and the median of per-pair ratios.
export interface Sample {
  seconds: number;
  /** peak resident memory seen during the run, MiB (sampled in-process or reported by a child) */
  peakMiB?: number;
}

export interface PairResult {
  name: string;
  items: number;
  unit: string;
  subject: { label: string; samples: Sample[] };
  baseline: { label: string; samples: Sample[] };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Time one async run and sample this process's RSS while it runs. */
export async function timed(fn: () => Promise<unknown>): Promise<Sample> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const start = performance.now();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return { seconds: (performance.now() - start) / 1000, peakMiB: peak / 2 ** 20 };
}

export async function pair(
  name: string,
  opts: { items: number; unit: string; rounds?: number },
  subject: { label: string; run: () => Promise<Sample | void> },
  baseline: { label: string; run: () => Promise<Sample | void> },
): Promise<PairResult> {
  const result: PairResult = { name, items: opts.items, unit: opts.unit, subject: { label: subject.label, samples: [] }, baseline: { label: baseline.label, samples: [] } };
  const once = async (r: () => Promise<Sample | void>) => {
    let own: Sample | void = undefined;
    const outer = await timed(async () => (own = await r()));
    return own ?? outer;
  };
  for (let i = 0; i < (opts.rounds ?? 3); i++) {
    result.subject.samples.push(await once(subject.run));
    result.baseline.samples.push(await once(baseline.run));
    process.stderr.write(`  ${name}: round ${i + 1} done\n`);
  }
  return result;
}

export function formatTable(results: PairResult[]): string {
  const rows = [['case', 'subject', 'rate (median)', 'baseline', 'rate (median)', 'ratio subject/baseline time', 'peak MiB subject / baseline']];
  for (const r of results) {
    const st = r.subject.samples.map((s) => s.seconds);
    const bt = r.baseline.samples.map((s) => s.seconds);
    const ratios = st.map((t, i) => t / bt[i]!);
    const rate = (secs: number) => `${Math.round(r.items / secs).toLocaleString('en-US')} ${r.unit}/s`;
    const peak = (ss: Sample[]) => (ss.some((s) => s.peakMiB !== undefined) ? Math.round(Math.max(...ss.map((s) => s.peakMiB ?? 0))).toString() : '-');
    rows.push([r.name, r.subject.label, rate(median(st)), r.baseline.label, rate(median(bt)), `${median(ratios).toFixed(2)}x`, `${peak(r.subject.samples)} / ${peak(r.baseline.samples)}`]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}
