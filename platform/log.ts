import { destination, pino } from 'pino';

/** Structured logs on stderr, so stdout stays free for command output (JSON, tables). */
export const log = pino(
  { name: 'census', level: process.env.CENSUS_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') },
  destination(2),
);
