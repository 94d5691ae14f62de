// Custom rules without code: a JMESPath expression over the record and a comparison.
// Expressions and regular expressions are compiled when the catalog loads, so a typo fails the load,
// not the hourly evaluation.
import jmespathModule from 'jmespath';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { ResourceRecord } from '../core/schemas.js';
import type { CheckResult } from './types.js';

// @types/jmespath only declares `search`; the library also exports `compile` (parse without evaluating)
const jmespath = jmespathModule as unknown as { search(doc: unknown, expr: string): unknown; compile(expr: string): unknown };

export const OPERATORS = [
  'equals', 'notEquals', 'in', 'notIn', 'contains', 'notContains', 'exists', 'notExists',
  'truthy', 'falsy', 'empty', 'notEmpty', 'gt', 'gte', 'lt', 'lte', 'matches',
] as const;
export type Operator = (typeof OPERATORS)[number];

const NEEDS_NO_VALUE = new Set<Operator>(['exists', 'notExists', 'truthy', 'falsy', 'empty', 'notEmpty']);
const NUMERIC = new Set<Operator>(['gt', 'gte', 'lt', 'lte']);

export interface Comparison {
  path: string;
  op: Operator;
  value?: unknown;
}
export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ path: z.string().min(1), op: z.enum(OPERATORS), value: z.unknown().optional() }),
    z.strictObject({ all: z.array(ConditionSchema).min(1) }),
    z.strictObject({ any: z.array(ConditionSchema).min(1) }),
    z.strictObject({ not: ConditionSchema }),
  ]),
);

/** Problems with a condition (bad JMESPath, bad regex, missing value), each with its place in the condition. */
export function conditionProblems(cond: Condition, where = 'condition'): string[] {
  if ('all' in cond) return cond.all.flatMap((c, i) => conditionProblems(c, `${where}.all[${i}]`));
  if ('any' in cond) return cond.any.flatMap((c, i) => conditionProblems(c, `${where}.any[${i}]`));
  if ('not' in cond) return conditionProblems(cond.not, `${where}.not`);
  const problems: string[] = [];
  try {
    jmespath.compile(cond.path);
  } catch (err) {
    problems.push(`${where}.path: invalid JMESPath expression ${JSON.stringify(cond.path)}: ${(err as Error).message}`);
  }
  if (!NEEDS_NO_VALUE.has(cond.op) && cond.value === undefined) problems.push(`${where}.value: operator ${cond.op} needs a value`);
  if (NUMERIC.has(cond.op) && typeof cond.value !== 'number') problems.push(`${where}.value: operator ${cond.op} needs a number`);
  if ((cond.op === 'in' || cond.op === 'notIn') && !Array.isArray(cond.value)) problems.push(`${where}.value: operator ${cond.op} needs a list`);
  if (cond.op === 'matches') {
    try {
      new RegExp(String(cond.value));
    } catch (err) {
      problems.push(`${where}.value: invalid regular expression: ${(err as Error).message}`);
    }
  }
  return problems;
}

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0);
const truthy = (v: unknown) => !isEmpty(v) && v !== false && v !== 'false';

function compare(op: Operator, actual: unknown, expected: unknown): boolean {
  const eq = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
  switch (op) {
    case 'equals': return eq(actual, expected);
    case 'notEquals': return !eq(actual, expected);
    case 'in': return (expected as unknown[]).some((e) => eq(actual, e));
    case 'notIn': return !(expected as unknown[]).some((e) => eq(actual, e));
    case 'contains': return Array.isArray(actual) ? actual.some((a) => eq(a, expected)) : typeof actual === 'string' && actual.includes(String(expected));
    case 'notContains': return !compare('contains', actual, expected);
    case 'exists': return actual !== undefined && actual !== null;
    case 'notExists': return actual === undefined || actual === null;
    case 'truthy': return truthy(actual);
    case 'falsy': return !truthy(actual);
    case 'empty': return isEmpty(actual);
    case 'notEmpty': return !isEmpty(actual);
    case 'gt': return typeof actual === 'number' && actual > (expected as number);
    case 'gte': return typeof actual === 'number' && actual >= (expected as number);
    case 'lt': return typeof actual === 'number' && actual < (expected as number);
    case 'lte': return typeof actual === 'number' && actual <= (expected as number);
    case 'matches': return typeof actual === 'string' && new RegExp(String(expected)).test(actual);
  }
}

/** A plain dotted path of unquoted identifiers (`configuration.GroupName`): JMESPath field access, nothing else. */
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** JMESPath's own test for a value a field can be read from (its isObject) */
const isJmesObject = (v: unknown) => v !== null && Object.prototype.toString.call(v) === '[object Object]';

/**
 * How a condition's path is read from a record, once per path: jmespath.search parses the expression on every
 * call, which the per-record checks pay for every record. A dotted path is read the way JMESPath's interpreter
 * reads fields (a field of a non-object, or a missing one, is null); any other expression goes to jmespath.
 * test/unit/standard-condition-paths.test.ts pins the two to the same answers.
 */
const readers = new Map<string, (doc: unknown) => unknown>();
export function pathReader(path: string): (doc: unknown) => unknown {
  let read = readers.get(path);
  if (!read) {
    if (DOTTED.test(path)) {
      const names = path.split('.');
      read = (doc) => {
        let cur = doc;
        for (const name of names) {
          if (!isJmesObject(cur)) return null;
          const next = (cur as Record<string, unknown>)[name];
          cur = next === undefined ? null : next;
        }
        return cur;
      };
    } else {
      read = (doc) => jmespath.search(doc, path);
    }
    // paths come from the catalog, a bounded set; this bounds the map anyway
    if (readers.size < 1000) readers.set(path, read);
  }
  return read;
}

/** Whether the record satisfies the condition, and a line per comparison saying what was seen. */
export function testCondition(cond: Condition, record: ResourceRecord): { ok: boolean; evidence: string } {
  if ('all' in cond || 'any' in cond) {
    const parts = ('all' in cond ? cond.all : cond.any).map((c) => testCondition(c, record));
    const ok = 'all' in cond ? parts.every((p) => p.ok) : parts.some((p) => p.ok);
    // evidence names the parts that decided the outcome
    const decisive = parts.filter((p) => p.ok === ok);
    return { ok, evidence: decisive.map((p) => p.evidence).join('; ') };
  }
  if ('not' in cond) {
    const inner = testCondition(cond.not, record);
    return { ok: !inner.ok, evidence: `not (${inner.evidence})` };
  }
  const actual: unknown = pathReader(cond.path)(record);
  const ok = compare(cond.op, actual, cond.value);
  const expected = NEEDS_NO_VALUE.has(cond.op) ? cond.op : `${cond.op} ${JSON.stringify(cond.value)}`;
  return { ok, evidence: `${cond.path} is ${actual === undefined || actual === null ? 'absent' : JSON.stringify(actual)} (expected ${expected})` };
}

/** A custom requirement on one record: `when` decides whether it applies, `condition` whether it passes. */
export function evaluateCondition(condition: Condition, when: Condition | undefined, record: ResourceRecord): CheckResult | undefined {
  if (when && !testCondition(when, record).ok) return undefined;
  const { ok, evidence } = testCondition(condition, record);
  return { status: ok ? 'PASS' : 'FAIL', evidence };
}
