// Steady-state skip: once a resource is stored, what the processor derives from it (account context, trusted
// accounts, policy verdict, content hash, findings and their exceptions) is a function of two things only: the record
// as collected, and the inputs the enrichment reads beside it. Both are fingerprinted on the stored document
// (`sourceHash`, `derivedFrom`). A newer copy with the same two fingerprints derives exactly what is stored, so the
// processor need not derive it again: it is recognised by one hash and lands nowhere, which is what change-only
// landing would have decided after deriving everything (test/unit/processors-derivation.test.ts holds the two equal).
//
// What `derivedFrom` covers, and why each:
// - the derivation revision and the catalog: changed enrichment code, a new check or a new rule changes what
//   unchanged records derive;
// - the account directory: the account context copied onto the record and its findings, and the org membership and
//   names the trust analysis classifies principals by (one renamed account re-derives everything once);
// - the trusted-accounts register: vendor names and approvals;
// - the exception register, per account, with how many of its expiry days have ended at the copy's capture time.
// What it cannot cover is the clock and volatile fields: types judged by a check that reads either
// (standard timeSensitiveTypes) are always derived again.
import { canonicalJson, sha256Hex, VOLATILE_KEYS, type CanonicalTexts } from '../core/content.js';
import type { ExceptionIndex } from '../core/exceptions.js';
import type { AccountRecord, ResourceRecord } from '../core/schemas.js';
import type { StoredCopy } from '../opensearch/store.js';
import { accountContext } from './enrich-account.js';
import type { TrustRegister } from '../registers/trusted-accounts.js';
import { timeSensitiveTypes, type Catalog } from '../standard/index.js';

/**
 * The revision of what the processor derives from a record. A change to the enrichment or a built-in check that
 * changes any output must raise it, so the first run after the release derives every record again once:
 * test/unit/processors-derivation.test.ts pins the outputs over a corpus to this number and fails until it is raised.
 */
export const DERIVATION_REVISION = 1;

/** What the enrichment and checks of one batch read beside the records. */
export interface Derivation {
  /** derivation revision, catalog, accounts and trusted-accounts register, hashed */
  readonly base: string;
  readonly exceptions: ExceptionIndex;
  /** types whose findings can change while their record does not: never skipped */
  readonly timeSensitive: ReadonlySet<string>;
}

const hashes = new WeakMap<object, string>();
/** A hash of an input, once per object (the account map, the register and the catalog are reused batch after batch). */
function hashOnce(input: object, text: () => string): string {
  let h = hashes.get(input);
  if (h === undefined) {
    h = sha256Hex(text()).slice(0, 16);
    hashes.set(input, h);
  }
  return h;
}

export function derivationOf(inputs: { accounts: ReadonlyMap<string, AccountRecord>; trustRegister: TrustRegister; exceptions: ExceptionIndex }, catalog: Catalog): Derivation {
  // what the enrichment reads of each account: the context it copies (the name is also what trust classifies by).
  // Not the whole account record: its observation time, status or spend move without changing any output.
  const accounts = hashOnce(inputs.accounts, () => canonicalJson([...inputs.accounts.keys()].sort().map((id) => accountContext(id, inputs.accounts))));
  const register = hashOnce(inputs.trustRegister, () => canonicalJson([...inputs.trustRegister].sort(([a], [b]) => a.localeCompare(b))));
  const standard = hashOnce(catalog, () => canonicalJson({ version: catalog.version, requirements: catalog.requirements }));
  return { base: sha256Hex(`${DERIVATION_REVISION}|${standard}|${accounts}|${register}`).slice(0, 16), exceptions: inputs.exceptions, timeSensitive: timeSensitiveTypes(catalog) };
}

/** Fields of a record that say when, by which run and why it was captured, not what was captured. */
const CAPTURE_FIELDS: ReadonlySet<string> = new Set(['configurationItemCaptureTime', 'runId', 'trigger']);

/** The record as collected, hashed: everything but when, by which run and after which event it was captured. */
export function sourceHash(record: ResourceRecord, written?: CanonicalTexts): string {
  return sha256Hex(canonicalJson(record, CAPTURE_FIELDS, written)).slice(0, 32);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CAPTURE_TIME = 'configurationItemCaptureTime';
const RUN_ID = 'runId';

/** Whether the quote at `q` is escaped (an odd number of backslashes before it). */
function escaped(text: string, q: number): boolean {
  let slashes = 0;
  while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
  return slashes % 2 === 1;
}

/** The index of the first non-blank character from `i` on. */
function skipBlank(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
  return i;
}

/**
 * The record's JSON text (already parsed, so well formed) as `sourceBytesHash` reads it: without the string values of
 * its own `configurationItemCaptureTime` and `runId`, nor the values of volatile keys (`volatileSpans`).
 */
function hashedText(text: string): string {
  return cut(text, [...captureSpans(text), ...volatileSpans(text)].sort((a, b) => a[0] - b[0]));
}

/**
 * The spans of the string values of the record's own `configurationItemCaptureTime` and `runId`: keys of the
 * top-level object only, never a nested key of the same name such as a tag. The text is scanned from its end,
 * skipping whole strings and counting nesting, and the scan stops once both are found: a collector writes them after
 * the configuration, so only the record's last few fields are read. A key given twice counts as JSON.parse reads it
 * (the last); another shape (escaped key, non-string value) gives no span, and its value stays hashed.
 */
function captureSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  let time = false;
  let run = false;
  let depth = 0;
  for (let i = text.length - 1; i >= 0 && !(time && run); i--) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // the closing quote of a string: find its opening one
      let open = text.lastIndexOf('"', i - 1);
      while (open > 0 && escaped(text, open)) open = text.lastIndexOf('"', open - 1);
      if (open < 0) break;
      const length = i - open - 1;
      if (depth === 1 && (length === CAPTURE_TIME.length || length === RUN_ID.length)) {
        const after = skipBlank(text, i + 1);
        const key = text.charCodeAt(after) === 0x3a /* : */ ? text.slice(open + 1, i) : '';
        const isTime = key === CAPTURE_TIME && !time;
        const isRun = key === RUN_ID && !run;
        const v = isTime || isRun ? skipBlank(text, after + 1) : -1;
        if (v >= 0 && text.charCodeAt(v) === QUOTE) {
          const close = stringClose(text, v);
          if (isTime) time = true;
          else run = true;
          spans.push([v, close + 1]);
        }
      }
      i = open;
    } else if (c === 0x7d || c === 0x5d) depth++;
    else if (c === 0x7b || c === 0x5b) {
      if (--depth === 0) break;
    }
  }
  return spans;
}

/** The text without the spans (sorted, not overlapping). */
function cut(text: string, spans: [number, number][]): string {
  if (!spans.length) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    out += text.slice(from, start);
    from = end;
  }
  return out + text.slice(from);
}

/** `"<volatile key>":` as it can only stand in JSON text: a key (inside a string value its quotes are escaped). */
const VOLATILE_KEY = new RegExp(`"(?:${[...VOLATILE_KEYS].join('|')})"\\s*:`, 'g');

/**
 * The values of volatile keys (core/content.ts), wherever they sit: the content hash and `sourceHash` leave them out,
 * so a role used since the last run is still recognised by its bytes. A value is a string, a number or literal, or an
 * object or array read to its matching bracket (strings skipped); a volatile key inside one is part of it.
 */
function volatileSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  VOLATILE_KEY.lastIndex = 0;
  for (let m = VOLATILE_KEY.exec(text); m; m = VOLATILE_KEY.exec(text)) {
    const start = skipBlank(text, m.index + m[0].length);
    const end = valueEnd(text, start);
    spans.push([start, end]);
    VOLATILE_KEY.lastIndex = end;
  }
  return spans;
}

/** The index just past the JSON value that starts at `start` (in well-formed text). */
function valueEnd(text: string, start: number): number {
  const c = text.charCodeAt(start);
  if (c === QUOTE) return stringClose(text, start) + 1;
  if (c !== 0x7b && c !== 0x5b) {
    // a number, true, false or null: up to the next delimiter
    let i = start;
    for (let d = text.charCodeAt(i); i < text.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09; d = text.charCodeAt(++i));
    return i;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) i = stringClose(text, i);
    else if (d === 0x7b || d === 0x5b) depth++;
    else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1;
  }
  return text.length;
}

/** The index of the quote closing the string that opens at `open`. */
function stringClose(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close > 0 && escaped(text, close)) close = text.indexOf('"', close + 1);
  return close < 0 ? text.length : close;
}

/**
 * The JSON text a record was read from, hashed without the values of its own capture time and run id and of every
 * volatile key: a record sent again by the next run, the same but for those, is recognised by one SHA-256 of its
 * text, without walking its content. Equal hashes mean records equal but for those values, which is what equal
 * `sourceHash`es mean too. Any other difference (a trigger, another key order) only makes the hashes differ, and
 * `sourceHash` decides.
 */
export function sourceBytesHash(json: string): string {
  return sha256Hex(hashedText(json)).slice(0, 32);
}

/** The fingerprint of the inputs beside the record, for one copy of it. */
export function derivedFrom(record: ResourceRecord, d: Derivation): string {
  const exceptions = d.exceptions.empty ? '' : d.exceptions.stateAt(record.awsAccountId, new Date(record.configurationItemCaptureTime));
  return exceptions ? `${d.base}:${exceptions}` : d.base;
}

/**
 * Whether a copy derives exactly what the store holds for it: a newer copy (an older one is refused later, an equal
 * one is a replay whose feed is still checked) of the same existence, from the same source and the same inputs.
 * `repeated`: the batch holds another copy of the identity, which decides what is written: never skip then.
 */
export function derivesStored(record: ResourceRecord, stored: StoredCopy | undefined, d: Derivation, version: number, repeated: boolean, json?: string): boolean {
  const state = stored?.state;
  if (!state?.derivedFrom || !state.sourceHash || !state.identityHash || repeated) return false;
  if (stored!.version >= version || d.timeSensitive.has(record.resourceType)) return false;
  if ((state.configurationItemStatus ?? 'OK') !== record.configurationItemStatus) return false;
  if (state.derivedFrom !== derivedFrom(record, d)) return false;
  // the same bytes (the common case), else the same content once volatile fields and key order are set aside
  if (json && state.sourceBytesHash && state.sourceBytesHash === sourceBytesHash(json)) return true;
  return state.sourceHash === sourceHash(record);
}
