// Logs go to stderr, so stdout stays free for command output (tables, JSON). People at a terminal get plain lines
// (`warn  message key=value`); machines get pino's JSON lines: with --log-format json, inside Lambda (CloudWatch
// parses JSON), or when CENSUS_LOG_FORMAT=json and stderr is not a terminal. bin/census.ts applies the flags and
// the configuration through configureLog; the defaults below only look at where the process runs.
import { pino, type Logger } from 'pino';

export type LogFormat = 'plain' | 'json';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** One pino JSON line as a person reads it: level, message, then the fields as key=value. */
export function plainLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const fields = Object.entries(o)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`);
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  return `${level} ${String(o.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

/** Where the process runs decides the default: JSON in Lambda, plain elsewhere. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  return env.AWS_LAMBDA_FUNCTION_NAME ? 'json' : 'plain';
}

/**
 * The format for these settings: an explicit --log-format wins; Lambda is always JSON; CENSUS_LOG_FORMAT=json
 * applies when stderr is not a terminal (a person at a terminal still gets plain text).
 */
export function chooseLogFormat(opts: { flag?: LogFormat; configured?: LogFormat; stderrIsTty: boolean; inLambda: boolean }): LogFormat {
  if (opts.flag) return opts.flag;
  if (opts.inLambda) return 'json';
  if (opts.configured === 'json' && !opts.stderrIsTty) return 'json';
  return 'plain';
}

let format: LogFormat = defaultLogFormat();

const destination = {
  write(line: string): void {
    process.stderr.write(format === 'json' ? line : plainLine(line));
  },
};

export const log: Logger = pino({ name: 'census', level: process.env.VITEST ? 'silent' : 'info' }, destination);

/** Apply the CLI's or handler's settings (see bin/census.ts). */
export function configureLog(settings: { format?: LogFormat; level?: LogLevel }): void {
  if (settings.format) format = settings.format;
  if (settings.level) log.level = settings.level;
}

export const logFormat = () => format;
