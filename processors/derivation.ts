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
import { createHash } from 'node:crypto';
import { canonicalJson, sha256Hex, type CanonicalTexts } from '../core/content.js';
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
const CAPTURE_KEYS: readonly Buffer[] = ['configurationItemCaptureTime', 'runId'].map((k) => Buffer.from(k));

/** The index of the quote closing the string that opens at `open` (-1 if it never closes). */
function stringEnd(json: Buffer, open: number): number {
  let q = json.indexOf(QUOTE, open + 1);
  while (q >= 0) {
    let slashes = 0;
    while (json[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    q = json.indexOf(QUOTE, q + 1);
  }
  return -1;
}

/**
 * The spans of the string values of the record's own `configurationItemCaptureTime` and `runId` in its JSON text:
 * keys of the top-level object only (a scan that skips strings and counts nesting), never a nested key of the same
 * name, such as a tag. Another shape (escaped key, non-string value) gives no span: the value then stays hashed.
 */
function captureSpans(json: Buffer): [number, number][] {
  const spans: [number, number][] = [];
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === QUOTE) {
      const end = stringEnd(json, i);
      if (end < 0) return spans;
      let next = end + 1;
      while (json[next] === 0x20 || json[next] === 0x0a || json[next] === 0x0d || json[next] === 0x09) next++;
      if (depth === 1 && json[next] === 0x3a /* : */ && CAPTURE_KEYS.some((k) => k.length === end - i - 1 && json.compare(k, 0, k.length, i + 1, end) === 0)) {
        let v = next + 1;
        while (json[v] === 0x20 || json[v] === 0x0a || json[v] === 0x0d || json[v] === 0x09) v++;
        if (json[v] === QUOTE) {
          const close = stringEnd(json, v);
          if (close < 0) return spans;
          spans.push([v, close + 1]);
          i = close;
          continue;
        }
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return spans;
}

/**
 * The JSON text a record was read from, hashed without the values of its own capture time and run id: a record sent
 * again byte for byte by the next run is recognised by one SHA-256 of its bytes, without walking its content. Equal
 * hashes mean equal records but for those two values. Any other difference (a volatile field that moved, a trigger,
 * another key order) only makes the hashes differ, and `sourceHash` decides.
 */
export function sourceBytesHash(json: Buffer): string {
  const hash = createHash('sha256');
  let from = 0;
  for (const [start, end] of captureSpans(json)) {
    hash.update(json.subarray(from, start));
    from = end;
  }
  return hash.update(json.subarray(from)).digest('hex').slice(0, 32);
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
export function derivesStored(record: ResourceRecord, stored: StoredCopy | undefined, d: Derivation, version: number, repeated: boolean, json?: Buffer): boolean {
  const state = stored?.state;
  if (!state?.derivedFrom || !state.sourceHash || !state.identityHash || repeated) return false;
  if (stored!.version >= version || d.timeSensitive.has(record.resourceType)) return false;
  if ((state.configurationItemStatus ?? 'OK') !== record.configurationItemStatus) return false;
  if (state.derivedFrom !== derivedFrom(record, d)) return false;
  // the same bytes (the common case), else the same content once volatile fields and key order are set aside
  if (json && state.sourceBytesHash && state.sourceBytesHash === sourceBytesHash(json)) return true;
  return state.sourceHash === sourceHash(record);
}
