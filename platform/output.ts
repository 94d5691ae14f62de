// What every command shares at the edge of the CLI: the one output flag, tables, usage errors.
// Imports nothing heavier than commander, since every command's registration loads it.
import { InvalidArgumentError, Option } from 'commander';

/** A mistake in how the command was called (exit 2), as opposed to a failure while running it (exit 1). */
export class UsageError extends Error {}

/** A run that finished but did not do its job (exit 3), e.g. a collection that inventoried nothing. */
export class IncompleteError extends Error {}

export type OutputFormat = 'table' | 'json' | 'ndjson';

/** `--output table|json|ndjson`, the same on every command that prints data (table unless asked). */
export const outputOption = (formats: readonly OutputFormat[] = ['table', 'json', 'ndjson']) =>
  new Option('--output <format>', `output format: ${formats.join(', ')}`).choices([...formats]).default('table');

/** An older per-command switch kept working for scripts, hidden from help; `--output` is the documented flag. */
export const legacyJsonOption = () => new Option('--json', 'same as --output json').hideHelp();

/** The chosen format, with a hidden legacy `--json` mapped onto it. */
export function outputOf(opts: { output?: string; json?: boolean }): OutputFormat {
  if (opts.json) return 'json';
  return (opts.output ?? 'table') as OutputFormat;
}

/** Fixed-width columns for people; long cells are cut so a row stays on one line. */
export function formatTable(header: string[], rows: string[][], maxWidth = 60): string {
  const cut = (s: string) => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = [header, ...rows].map((r) => r.map(cut));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export const ndjson = (items: unknown[]) => items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');

/**
 * Print data in the chosen format: JSON as one document, NDJSON one item per line (`items` of the document, or the
 * document itself), a table through `table` (people's view of the same data).
 */
export function printData(format: OutputFormat, data: unknown, table: () => string, items?: unknown[]): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  else if (format === 'ndjson') process.stdout.write(ndjson(items ?? (Array.isArray(data) ? data : [data])));
  else process.stdout.write(`${table()}\n`);
}

/** Argument parsers that turn a malformed flag value into a usage error (exit 2) naming the value. */
export const parse = {
  positiveInt(v: string): number {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${v}" is not a positive whole number`);
    return n;
  },
  day(v: string): string {
    const d = new Date(`${v}T00:00:00.000Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) throw new InvalidArgumentError(`"${v}" is not a calendar date (YYYY-MM-DD)`);
    return v;
  },
  timestamp(v: string): string {
    const d = new Date(v);
    if (!v.trim() || Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${v}" is not an ISO timestamp`);
    return d.toISOString();
  },
  /** comma-separated 12-digit account IDs */
  accountIds(v: string): string {
    const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = ids.find((id) => !/^\d{12}$/.test(id));
    if (!ids.length || bad !== undefined) throw new InvalidArgumentError(`"${bad ?? v}" is not a 12-digit account ID`);
    return ids.join(',');
  },
  s3Url(v: string): string {
    if (!/^s3:\/\/[^/]+\/.+$/.test(v)) throw new InvalidArgumentError(`"${v}" is not an s3://bucket/key URL`);
    return v;
  },
  httpUrl(v: string): string {
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      // fall through to the usage error
    }
    throw new InvalidArgumentError(`"${v}" is not an http(s) URL`);
  },
};

/** The exit codes every command shares, for its --help. */
export const EXIT_CODES = 'Exit status: 0 success, 1 error while running, 2 usage error (bad command, flag or value)';
