// A compiled fast path for the record contract (schemas.ts): the zod schema is walked once and turned into plain
// closures that check and copy a value the way zod's parse does, running zod's own check objects (regexes, length
// limits, refinements, ISO formats) for every string and number. It only ever accepts: anything it does not
// recognize, or any value it would refuse, answers FAST_PARSE_DECLINED and the caller parses with zod itself, so
// every rejection and its message are zod's. The contract stays the single source: there is no second schema.
// test/unit/fast-parse.test.ts pins that an accepted value parses to exactly zod's output, key order included.
import type { z } from 'zod';

/** The fast path could not accept the value (or the schema): parse with zod, which decides and explains. */
export const FAST_PARSE_DECLINED: unique symbol = Symbol('fast-parse declined');
type Declined = typeof FAST_PARSE_DECLINED;
const NO: Declined = FAST_PARSE_DECLINED;

type Parser = (value: unknown) => unknown;

/** What zod keeps on each schema and check (its documented internals, `_zod.def` and `_zod.check`). */
interface ZodInternals {
  _zod: {
    def: Record<string, unknown> & { type: string; checks?: ZodInternals[] };
    traits: Set<string>;
    values?: Set<unknown>;
    optin?: string;
    optout?: string;
    check?: (payload: { value: unknown; issues: unknown[] }) => void;
  };
}

class Unsupported extends Error {}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** zod's checks of a schema, in the order zod runs them (a schema that is itself a check, like an ISO format, first). */
function checksOf(schema: ZodInternals): ((payload: { value: unknown; issues: unknown[] }) => void)[] {
  const list = [...(schema._zod.def.checks ?? [])];
  if (schema._zod.traits.has('$ZodCheck')) list.unshift(schema);
  return list.map((c) => {
    const check = c._zod.check;
    if (!check) throw new Unsupported('check without a check function');
    return check;
  });
}

/** Passes when every zod check of the schema leaves no issue (a check zod would skip after a failure only makes this stricter). */
function withChecks(schema: ZodInternals, parse: Parser): Parser {
  const checks = checksOf(schema);
  if (!checks.length) return parse;
  return (value) => {
    const out = parse(value);
    if (out === NO) return NO;
    const payload = { value: out, issues: [] as unknown[] };
    for (const check of checks) {
      check(payload);
      if (payload.issues.length) return NO;
    }
    return out;
  };
}

function compileNode(schema: ZodInternals): Parser {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return withChecks(schema, (v) => (typeof v === 'string' ? v : NO));
    case 'number':
      return withChecks(schema, (v) => (typeof v === 'number' && Number.isFinite(v) ? v : NO));
    case 'boolean':
      return withChecks(schema, (v) => (typeof v === 'boolean' ? v : NO));
    case 'unknown':
      // only a value that is there: an absent key of an object is left to zod's own rules
      return (v) => (v === undefined ? NO : v);
    case 'literal':
    case 'enum': {
      const values = schema._zod.values;
      if (!values || [...values].some((x) => typeof x !== 'string')) throw new Unsupported(`${def.type} of non-strings`);
      return withChecks(schema, (v) => (values.has(v) ? v : NO));
    }
    case 'nullable': {
      const inner = compileNode(def.innerType as ZodInternals);
      return (v) => (v === null ? null : inner(v));
    }
    case 'array': {
      const element = compileNode(def.element as ZodInternals);
      return withChecks(schema, (v) => {
        if (!Array.isArray(v)) return NO;
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const e = element(v[i]);
          if (e === NO) return NO;
          out[i] = e;
        }
        return out;
      });
    }
    case 'record': {
      const key = def.keyType as ZodInternals;
      // a plain string key (no checks, no enumerated values): every own key of the input is one
      if (key._zod.def.type !== 'string' || checksOf(key).length || key._zod.values) throw new Unsupported('record key other than a plain string');
      const value = compileNode(def.valueType as ZodInternals);
      return withChecks(schema, (v) => {
        if (!isPlainObject(v)) return NO;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v)) {
          // zod skips an own __proto__ key (assigning it would set the prototype)
          if (k === '__proto__') continue;
          const e = value(v[k]);
          if (e === NO) return NO;
          out[k] = e;
        }
        return out;
      });
    }
    case 'object':
      return compileObject(schema);
    case 'union': {
      const discriminator = def.discriminator;
      if (typeof discriminator !== 'string') throw new Unsupported('union without a discriminator');
      const byValue = new Map<unknown, Parser>();
      for (const option of def.options as ZodInternals[]) {
        const tag = (option._zod.def.shape as Record<string, ZodInternals> | undefined)?.[discriminator];
        const values = tag?._zod.values;
        if (!values) throw new Unsupported('union option without a literal discriminator');
        const parse = compileNode(option);
        for (const t of values) {
          if (byValue.has(t)) throw new Unsupported('two union options with one discriminator value');
          byValue.set(t, parse);
        }
      }
      return withChecks(schema, (v) => {
        if (!isPlainObject(v)) return NO;
        const parse = byValue.get(v[discriminator]);
        return parse ? parse(v) : NO;
      });
    }
    default:
      throw new Unsupported(`schema type ${def.type}`);
  }
}

/** An object in zod's default (strip) mode: the shape's keys in shape order, unknown keys left out. */
function compileObject(schema: ZodInternals): Parser {
  const def = schema._zod.def;
  if (def.catchall !== undefined) throw new Unsupported('object with a catchall');
  const fields = Object.entries(def.shape as Record<string, ZodInternals>).map(([key, field]) => {
    if (key === '__proto__') throw new Unsupported('__proto__ in a shape');
    const t = field._zod.def.type;
    if (t === 'optional') return { key, kind: 'optional' as const, parse: compileNode(field._zod.def.innerType as ZodInternals), fallback: undefined };
    if (t === 'default') {
      const d = field._zod.def;
      // zod hands out the default itself (its getter gives a fresh copy of an object default) without parsing it
      return { key, kind: 'default' as const, parse: compileNode(d.innerType as ZodInternals), fallback: () => d.defaultValue };
    }
    if (field._zod.optin !== undefined) throw new Unsupported(`optional-in field ${key} of type ${t}`);
    return { key, kind: 'required' as const, parse: compileNode(field), fallback: undefined };
  });
  // Generated, like zod's own object parser: each key written as a literal (a named store), so V8 keeps the output a
  // fast-property object; a loop of computed-key stores turns an object of this many keys into a slow dictionary,
  // which every later copy, read and JSON.stringify of the record pays for. Keys are embedded as JSON string literals.
  const lines = fields.map((f, i) => {
    const k = JSON.stringify(f.key);
    const absent = f.kind === 'required' ? 'return NO;' : f.kind === 'default' ? `out[${k}] = fallback[${i}]();` : '';
    // an explicit undefined (never in parsed JSON) follows zod's finer rules: leave it to zod
    return `if (${k} in v) { x = v[${k}]; if (x === undefined) return NO; x = parse[${i}](x); if (x === NO) return NO; out[${k}] = x; } else { ${absent} }`;
  });
  const build = new Function('NO', 'parse', 'fallback', `return function (v) { const out = {}; let x;\n${lines.join('\n')}\nreturn out; };`) as (
    no: Declined,
    parse: Parser[],
    fallback: ((() => unknown) | undefined)[],
  ) => Parser;
  const parseObject = build(NO, fields.map((f) => f.parse), fields.map((f) => f.fallback));
  return withChecks(schema, (v) => (isPlainObject(v) ? parseObject(v) : NO));
}

/**
 * Compile a zod schema into a fast accepting parser: its output for a value it accepts is zod's output, and for
 * anything else FAST_PARSE_DECLINED. A schema using something the compiler does not know is never compiled:
 * the parser then declines everything, so zod decides every value.
 */
export function compileFastParser<S extends z.ZodType>(schema: S): (value: unknown) => z.infer<S> | Declined {
  try {
    return compileNode(schema as unknown as ZodInternals) as (value: unknown) => z.infer<S> | Declined;
  } catch (err) {
    if (err instanceof Unsupported) return (): Declined => NO;
    throw err;
  }
}
