// What "changed" means for a resource, in one place: a stable content hash of its normalized state, and the JSON
// diff between two states. Fields that move without anyone changing the resource (last-used times, message
// counts, table sizes, alarm state timestamps) are volatile: they are listed here and left out of both, so an
// unchanged resource hashes the same run after run and lands nowhere (change-only landing).
import * as nodeCrypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { isRedacted, redactValue } from './secrets.js';

/**
 * Keys whose values change on their own, wherever they sit in a resource's configuration. A key listed here never
 * makes a change record and never makes a resource land again; everything else does.
 */
export const VOLATILE_KEYS: ReadonlySet<string> = new Set([
  // IAM: last use of roles, users, passwords and access keys; credential report generation
  'RoleLastUsed',
  'LastUsedDate',
  'PasswordLastUsed',
  'AccessKeyLastUsed',
  'GeneratedTime',
  'password_last_used',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  // SQS depth, DynamoDB size, ECS task counts, snapshot progress
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'ItemCount',
  'TableSizeBytes',
  'runningCount',
  'pendingCount',
  'runningTasksCount',
  'pendingTasksCount',
  'Progress',
  // CloudWatch alarm state bookkeeping (the state itself is kept)
  'StateUpdatedTimestamp',
  'StateTransitionedTimestamp',
  'StateReason',
  'StateReasonData',
]);

/**
 * A short, fixed-size name of a resource identity (first 16 hex of sha256 of the ARN): what an inventory run
 * record lists as seen and what a resource document carries, so a run's evidence stays small (16 bytes a resource).
 */
export function identityHash(identity: string): string {
  return sha256Hex(identity).slice(0, 16);
}

/** The parts of a resource record whose change is a change of the resource. */
export interface ResourceContent {
  configuration: unknown;
  supplementaryConfiguration?: unknown;
  tags?: unknown;
  /** the policy engine's verdict (a changed verdict is a change even when no field moved, e.g. a new vendor list) */
  publicVerdict?: unknown;
  configurationItemStatus?: unknown;
}

/**
 * JSON with sorted keys and volatile keys dropped: equal content, equal text. Written in one pass instead of
 * building the canonical copy and serializing it (the content hash is on the processor's hot path); the text is
 * exactly `JSON.stringify(canonical(value))` for JSON data (test/unit/content-hash.test.ts pins it).
 */
export function canonicalJson(value: unknown, omitTopLevel?: ReadonlySet<string>, written?: CanonicalTexts): string {
  return writeCanonical(value, omitTopLevel, written) ?? (undefined as unknown as string);
}

/** Canonical texts of some top-level fields of an object, already written (`canonicalJson` uses them as they are). */
export type CanonicalTexts = Readonly<Record<string, string>>;

/** An array index key, which a plain object enumerates first in numeric order whatever the insertion order. */
const isIndexKey = (k: string) => {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295;
};

/** Keys as JSON text, remembered: configurations repeat a small vocabulary of keys (bounded, so any input is safe). */
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = JSON.stringify(key);
    if (quotedKeys.size < 10_000 && key.length <= 64) quotedKeys.set(key, q);
  }
  return q;
}

/**
 * The canonical text of one value; undefined where JSON.stringify leaves the value out (undefined, functions, symbols).
 * `omit`: keys of this object (not of nested ones) left out, as if absent.
 */
function writeCanonical(value: unknown, omit?: ReadonlySet<string>, written?: CanonicalTexts): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (writeCanonical(value[i]) ?? 'null');
    return out + ']';
  }
  const keys = Object.keys(value).sort();
  // canonical() builds a plain object from the sorted keys, and a plain object lists index keys first, ascending
  let indexKeys: string[] | undefined;
  for (const k of keys) if (isIndexKey(k)) (indexKeys ??= []).push(k);
  const ordered = indexKeys ? [...indexKeys.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndexKey(k))] : keys;
  let out = '{';
  let first = true;
  for (const key of ordered) {
    // canonical() assigns `out[key]`: __proto__ sets the prototype instead of a key, so it never shows
    if (VOLATILE_KEYS.has(key) || key === '__proto__' || omit?.has(key)) continue;
    const v = (value as Record<string, unknown>)[key];
    const text = written !== undefined && v !== undefined && Object.hasOwn(written, key) ? written[key] : writeCanonical(v);
    if (text === undefined) continue;
    out += (first ? '' : ',') + quotedKey(key) + ':' + text;
    first = false;
  }
  return out + '}';
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      if (VOLATILE_KEYS.has(key)) continue;
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** The content of a record, as the hash and the diff read it. */
export function contentOf(record: ResourceContent): ResourceContent {
  return {
    configuration: record.configuration ?? {},
    supplementaryConfiguration: record.supplementaryConfiguration ?? {},
    tags: record.tags ?? {},
    publicVerdict: record.publicVerdict ?? null,
    configurationItemStatus: record.configurationItemStatus ?? 'OK',
  };
}

/** sha256 (hex, first 32 characters) of the canonical content: stable across runs, key order and volatile fields. */
export function contentHash(record: ResourceContent, written: CanonicalTexts = contentTexts(record)): string {
  // canonicalJson(contentOf(record)), from the content fields' texts: its keys in sorted order
  const status = JSON.stringify(record.configurationItemStatus ?? 'OK');
  const verdict = JSON.stringify(record.publicVerdict ?? null);
  return sha256Hex(`{"configuration":${written.configuration},"configurationItemStatus":${status},"publicVerdict":${verdict},"supplementaryConfiguration":${written.supplementaryConfiguration},"tags":${written.tags}}`).slice(0, 32);
}

/**
 * The canonical texts of a record's three content fields, written once where two hashes read them (the content hash
 * and processors/derivation.ts sourceHash): they are most of a record's bytes.
 */
export function contentTexts(record: Pick<ResourceContent, 'configuration' | 'supplementaryConfiguration' | 'tags'>): CanonicalTexts {
  return {
    configuration: canonicalJson(record.configuration ?? {}),
    supplementaryConfiguration: canonicalJson(record.supplementaryConfiguration ?? {}),
    tags: canonicalJson(record.tags ?? {}),
  };
}

/**
 * sha256 of a text, hex: the one-shot crypto.hash where Node has it (20.12 and later; a Hash object per call costs
 * more than the digest of a short text), else createHash. Read off the namespace so an older Node still loads this.
 */
export const sha256Hex: (text: string) => string =
  typeof nodeCrypto.hash === 'function' ? (text) => nodeCrypto.hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

export interface DiffEntry {
  op: 'add' | 'remove' | 'replace';
  /** JSON Pointer (RFC 6901) into the record: `/configuration/Attributes/Policy` */
  path: string;
  /** canonical JSON text of the old value (absent for add) */
  before?: string;
  /** canonical JSON text of the new value (absent for remove) */
  after?: string;
}

const pointer = (parts: string[]) => parts.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * The differences between two contents, deepest first-differing path per change; arrays are compared as whole
 * values (a reordered list of rules is one `replace`, which is what a reviewer wants to see). Volatile keys ignored.
 */
export function diffContent(before: ResourceContent | undefined, after: ResourceContent, limit = 200): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(canonical(before ? contentOf(before) : {}), canonical(contentOf(after)), [], out, limit);
  return out;
}

function walk(a: unknown, b: unknown, path: string[], out: DiffEntry[], limit: number): void {
  if (out.length >= limit) return;
  const objA = a !== null && typeof a === 'object' && !Array.isArray(a);
  const objB = b !== null && typeof b === 'object' && !Array.isArray(b);
  if (objA && objB) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
      if (!(key in rb)) out.push({ op: 'remove', path: pointer([...path, key]), before: JSON.stringify(ra[key]) });
      else if (!(key in ra)) out.push({ op: 'add', path: pointer([...path, key]), after: JSON.stringify(rb[key]) });
      else walk(ra[key], rb[key], [...path, key], out, limit);
      if (out.length >= limit) return;
    }
    return;
  }
  // one side redacted and the other not: a copy stored before its field was redacted (an upgrade), or a collector
  // that missed one. The raw side is a secret value; the diff shows it only as a marker (length and signal).
  const name = path.at(-1) ?? '';
  const ta = JSON.stringify(isRedacted(b) && !isRedacted(a) && a !== undefined ? redactValue(name, a) : a);
  const tb = JSON.stringify(isRedacted(a) && !isRedacted(b) && b !== undefined ? redactValue(name, b) : b);
  if (ta !== tb) out.push({ op: 'replace', path: pointer(path), before: ta, after: tb });
}

/**
 * Fields of an account or collection-error record that say when it was observed, not what it says: an account
 * whose every other field equals the stored one, or an error that happens again, lands nowhere. Where their
 * presence is still needed, the run record carries it (its `errors`; the account list in S3 holds every account).
 */
export const BOOKKEEPING_FIELDS: Readonly<Record<'account' | 'collection-error', readonly string[]>> = {
  account: ['observedAt', 'schemaVersion'],
  'collection-error': ['observedAt', 'runId', 'schemaVersion'],
};

/** sha256 (hex, first 32 characters) of an account or collection-error record without its bookkeeping fields. */
export function recordContentHash(record: { recordType: 'account' | 'collection-error' } & Record<string, unknown>): string {
  const drop = new Set(BOOKKEEPING_FIELDS[record.recordType]);
  const kept = Object.fromEntries(Object.entries(record).filter(([k]) => !drop.has(k)));
  return sha256Hex(canonicalJson(kept)).slice(0, 32);
}
