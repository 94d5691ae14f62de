// Differential test: Census's policy engine against Netflix policyuniverse (from PyPI, in .stack/venv, run by
// scripts/policy-differential.py) on a fixed sample of generated policies. Every disagreement must fall into a
// class that policy/README.md explains (with the IAM documentation that makes Census right); the count per class
// is printed so CI shows it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analysePolicy, type StatementVerdict } from '../../policy/engine.js';
import { samplePolicies } from '../fixtures/policy/generate.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const python = join(repoRoot, '.stack/venv/bin/python');
const SAMPLE = 2000;

type Side = 'public' | 'not-public' | 'undecided';
interface Universe {
  id: number;
  public: boolean;
  statements: boolean[];
  error?: string;
}

const censusSide = (v: StatementVerdict['verdict']): Side => (v === 'public' ? 'public' : v === 'undecided' ? 'undecided' : 'not-public');

/** Condition keys policyuniverse reads (statement.py key_mapping); positive pins on other caller keys it cannot see. */
const UNIVERSE_KEYS = new Set(['aws:sourcearn', 'aws:principalarn', 'aws:sourceowner', 'aws:sourceaccount', 'aws:principalaccount', 'aws:principalorgid', 'aws:principalorgpaths', 'kms:calleraccount', 'aws:userid', 'aws:sourceip', 'aws:sourcevpc', 'aws:sourcevpce']);

function conditionEntries(statement: Record<string, unknown>): { op: string; key: string; values: string[] }[] {
  const condition = statement.Condition;
  if (typeof condition !== 'object' || condition === null) return [];
  return Object.entries(condition as Record<string, Record<string, unknown>>).flatMap(([op, block]) =>
    Object.entries(block ?? {}).map(([key, v]) => ({ op: op.toLowerCase(), key: key.toLowerCase(), values: ([] as unknown[]).concat(v).map(String) })),
  );
}

/** Why the two readings of one statement differ: a class policy/README.md explains, or `unexplained`. */
export function classify(statement: Record<string, unknown>, alone: StatementVerdict, inPolicy: StatementVerdict, universe: boolean): string {
  const census = censusSide(inPolicy.verdict);
  const r = alone.reason;
  if (census === 'undecided') {
    if (/web identity/.test(r)) return 'undecided-web-identity';
    if (/wildcard inside the principal/.test(r)) return 'undecided-partial-wildcard-principal';
    if (/unknown condition operator/.test(r)) return 'undecided-unknown-operator';
    if (/cannot compare|on an IP address key|on aws:PrincipalIsAWSService/.test(r)) return 'undecided-operator-type';
    return 'unexplained';
  }
  if (census === 'not-public' && universe) {
    if (censusSide(alone.verdict) !== 'not-public' && /removed: Deny|narrowed by Deny/.test(inPolicy.reason)) return 'deny-removes-or-narrows';
    const entries = conditionEntries(statement);
    const positive = (e: { op: string }) => !/not|ifexists|forallvalues/.test(e.op) && !/^null$/.test(e.op);
    if (entries.some((e) => positive(e) && !UNIVERSE_KEYS.has(e.key) && /aws:principalisawsservice|aws:principalservicename/.test(e.key))) return 'caller-keys-policyuniverse-does-not-read';
    if (entries.some((e) => /(^|:)stringequals(ignorecase)?$/.test(e.op) && UNIVERSE_KEYS.has(e.key) && e.values.some((v) => v.includes('*')))) return 'literal-wildcard-under-exact-operator';
    if (/matches no caller/.test(r)) return 'literal-wildcard-under-exact-operator';
    if (/pinned|named principals/.test(r)) return 'conditions-are-anded';
    return 'unexplained';
  }
  if (census === 'public' && !universe) {
    if (statement.Effect !== 'Allow' && String(statement.Effect).toLowerCase() === 'allow') return 'effect-case';
    if (/CanonicalUser/.test(r)) return 'canonical-user-wildcard';
    if (/IfExists/.test(r)) return 'ifexists-does-not-pin';
    if (/ForAllValues/.test(r)) return 'forallvalues-matches-absent-key';
    if (/a range this wide/.test(r)) return 'broad-cidr';
    if (/wildcard in the account field|wildcard in an account value/.test(r)) return 'wildcard-in-account';
    if (/wildcard in the organization/.test(r)) return 'wildcard-in-organization';
    if (/unique ID of aws:userid/.test(r)) return 'wildcard-userid';
    if (/wildcard in the resource of an account-less ARN/.test(r)) return 'wildcard-in-s3-arn';
    if (/OIDC provider .*any repository|wildcard token subject/.test(r)) return 'oidc-without-subject';
    return 'unexplained';
  }
  return 'unexplained';
}

describe('policy engine against policyuniverse', () => {
  it('disagrees only in the classes policy/README.md explains, and prints the count', () => {
    const policies = samplePolicies(SAMPLE);
    const input = policies.map((policy, id) => JSON.stringify({ id, policy })).join('\n');
    const out = execFileSync(python, [join(repoRoot, 'scripts/policy-differential.py')], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
    const universe: Universe[] = out.trim().split('\n').map((l) => JSON.parse(l) as Universe);
    expect(universe.filter((u) => u.error)).toEqual([]);
    expect(universe).toHaveLength(SAMPLE);

    const classes = new Map<string, number>();
    const unexplained: unknown[] = [];
    let disagreements = 0;
    const sides = { public: 0, 'not-public': 0, undecided: 0 };
    for (const u of universe) {
      const policy = policies[u.id]!;
      const census = analysePolicy(policy);
      const side = censusSide(census.verdict);
      sides[side]++;
      if (side === (u.public ? 'public' : 'not-public')) continue;
      disagreements++;
      const found = new Set<string>();
      census.statements.forEach((s, i) => {
        const alone = analysePolicy({ Statement: [policy.Statement[i]] }).statements[0]!;
        if (censusSide(s.verdict) === (u.statements[i] ? 'public' : 'not-public')) return;
        if (s.verdict === 'not-granted' && !u.statements[i]) return;
        const c = classify(policy.Statement[i]!, alone, s, u.statements[i]!);
        if (c === 'unexplained') unexplained.push({ statement: policy.Statement[i], census: s.reason, universe: u.statements[i] });
        found.add(c);
      });
      // a policy-level difference always comes from some statement read differently
      if (found.size === 0) found.add('unexplained');
      for (const c of found) classes.set(c, (classes.get(c) ?? 0) + 1);
    }

    const table = [...classes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${String(n).padStart(5)}  ${c}`);
    console.log(
      `policy differential vs policyuniverse: ${SAMPLE} policies, ${disagreements} disagreements ` +
        `(Census: ${sides.public} public, ${sides['not-public']} not public, ${sides.undecided} undecided); by class (a policy may count in several):\n${table.join('\n')}`,
    );
    expect(unexplained.slice(0, 5)).toEqual([]);
    const readme = readFileSync(join(repoRoot, 'policy/README.md'), 'utf8');
    for (const c of classes.keys()) expect(readme, `policy/README.md explains ${c}`).toContain(`\`${c}\``);
    // the comparison is not vacuous: both engines see public and non-public policies
    expect(sides.public).toBeGreaterThan(SAMPLE / 10);
    expect(sides['not-public']).toBeGreaterThan(SAMPLE / 10);
    expect(universe.filter((u) => u.public).length).toBeGreaterThan(SAMPLE / 10);
  });
});
