// No secret stored: every value that can hold a secret is replaced, at collection time, by a marker with its
// length, a salted hash and the "looks like a secret" signal (core/secrets.ts). Two layers:
//  - declared: a collector spec names its secret-bearing fields in `secrets` (Lambda environment variables, ECS
//    container environment, CloudFormation parameters and outputs, user data ...), applied by the engine;
//  - documented: every field an AWS API marks as sensitive in its model (the SDK's `@sensitive` trait, the one
//    the SDK itself hides from its logs) is replaced in the API response itself, by a client middleware, before
//    any collector sees it.
import { isRecord } from '../core/util.js';
import { isRedacted, isReference, redactValue } from '../core/secrets.js';

type Obj = Record<string, unknown>;

/**
 * A field that can hold a secret, as a path from the record: `configuration.Environment.Variables.*` (every value
 * of a map, named by its key), `configuration.Parameters[].ParameterValue` (a field of every array element).
 */
export interface SecretField {
  path: string;
  /** the sibling key that names each value (`ParameterKey`, ECS `name`); default: the map key or the field name */
  nameKey?: string;
  /** the value is base64 (user data): the decoded bytes are measured, hashed and scanned */
  base64?: boolean;
  /** keep values that only point at a secret store (a Secrets Manager or SSM ARN): they are not the secret */
  keepReferences?: boolean;
}

export type SecretDecl = string | SecretField;

/** Replace every declared field of the record in place; returns how many values were redacted. */
export function redactFields(record: { configuration: Obj; supplementaryConfiguration: Obj }, decls: SecretDecl[], salt?: string): number {
  let count = 0;
  for (const decl of decls) {
    const field = typeof decl === 'string' ? { path: decl } : decl;
    const segs = field.path.split('.');
    const replace = (holder: Obj | unknown[], key: string | number, name: string, parent: Obj): void => {
      const value = (holder as Record<string | number, unknown>)[key];
      if (value === null || value === undefined || isRedacted(value)) return;
      if (field.keepReferences && typeof value === 'string' && isReference(value)) return;
      const label = field.nameKey && typeof parent[field.nameKey] === 'string' ? (parent[field.nameKey] as string) : name;
      (holder as Record<string | number, unknown>)[key] = redactValue(label, value, { salt, base64: field.base64 });
      count++;
    };
    const walk = (node: unknown, i: number): void => {
      if (!isRecord(node)) return;
      const raw = segs[i]!;
      const each = raw.endsWith('[]');
      const key = each ? raw.slice(0, -2) : raw;
      const last = i === segs.length - 1;
      for (const k of key === '*' ? Object.keys(node) : [key]) {
        if (each) {
          const list = node[k];
          if (!Array.isArray(list)) continue;
          list.forEach((el, j) => (last ? replace(list, j, k, node) : walk(el, i + 1)));
        } else if (last) replace(node, k, k, node);
        else walk(node[k], i + 1);
      }
    };
    walk(record, 0);
  }
  return count;
}

// --- documented-sensitive fields ----------------------------------------------------------------

/** What the SDK's log filter puts in place of a field its model marks sensitive (@smithy/core SENSITIVE_STRING). */
const SENSITIVE = '***SensitiveInformation***';

/** Keys that name an entry of a sensitive list or map (`{name, value}` pairs): kept, since names are not secrets. */
const NAME_KEYS = new Set(['name', 'Name', 'key', 'Key', 'ParameterKey', 'OutputKey', 'HeaderName']);

function replacement(value: unknown, name: string, salt: string | undefined): unknown {
  if (value === null || value === undefined || isRedacted(value)) return value;
  if (value instanceof Uint8Array) return redactValue(name, Buffer.from(value).toString('base64'), { salt, base64: true });
  if (Array.isArray(value)) return value.map((v) => replacement(v, name, salt));
  // a sensitive map (Lambda marks environment variable *names* sensitive too) or list of pairs (ECS marks the
  // whole environment list): keep the keys and the names, which say what is configured, and redact the values
  if (isRecord(value) && !(value instanceof Date)) {
    const entryName = Object.entries(value).find(([k, v]) => NAME_KEYS.has(k) && typeof v === 'string')?.[1] as string | undefined;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, NAME_KEYS.has(k) && typeof v === 'string' ? v : replacement(v, entryName ?? k, salt)]),
    );
  }
  return redactValue(name, value, { salt, base64: name === 'UserData' });
}

/** Walk the response beside its log-filtered copy and replace what the filter hid. */
function redactSensitive(original: unknown, filtered: unknown, name: string, salt: string | undefined): unknown {
  if (filtered === SENSITIVE && original !== SENSITIVE) return replacement(original, name, salt);
  if (Array.isArray(original) && Array.isArray(filtered)) {
    for (let j = 0; j < original.length; j++) original[j] = redactSensitive(original[j], filtered[j], name, salt);
  } else if (isRecord(original) && isRecord(filtered) && !(original instanceof Date)) {
    for (const k of Object.keys(filtered)) if (k in original) original[k] = redactSensitive(original[k], filtered[k], k, salt);
  }
  return original;
}

/** Redact, in place, what `filter` (the command's own sensitive-log filter) hides in `output`. */
export function redactDocumentedSensitive(output: unknown, filter: (o: unknown) => unknown, salt?: string): unknown {
  return redactSensitive(output, filter(output), '', salt);
}

interface MiddlewareStack {
  middlewareStack: {
    add(
      mw: (next: (args: unknown) => Promise<{ output: unknown }>, context: { outputFilterSensitiveLog?: (o: unknown) => unknown }) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Install on a collector's client: every response loses its documented-sensitive values before anyone reads it. */
export function redactSensitiveResponses(client: unknown, salt?: string): void {
  (client as MiddlewareStack).middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const filter = context.outputFilterSensitiveLog;
      if (typeof filter === 'function' && result.output) redactDocumentedSensitive(result.output, filter, salt);
      return result;
    },
    { step: 'initialize', name: 'censusRedactSensitive' },
  );
}
