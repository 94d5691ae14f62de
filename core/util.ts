// Small pure helpers shared by every area (one home each).

/** Wait `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Exponential backoff with full jitter: a random wait up to base * 2^(attempt-1), capped at maxMs. */
export function backoffWithJitter(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1)));
}
