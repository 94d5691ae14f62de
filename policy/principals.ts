// What a trust or resource policy grants: the AWS accounts let in by Allow statements, and whether a
// wildcard principal is left unpinned (public). Pure and total: any JSON in, a result out, never a throw.

export interface AccountGrant {
  accountId: string;
  /** `principal` when named in Principal, `condition` when a wildcard principal is pinned by a condition */
  via: 'principal' | 'condition';
}

export interface PolicyPrincipals {
  /** sorted by accountId then via, without duplicates */
  accounts: AccountGrant[];
  /** a wildcard principal (or NotPrincipal) not pinned to an account or organization */
  public: boolean;
  /** organizations (aws:PrincipalOrgID) and org paths that pin a wildcard principal */
  organizations: string[];
  /** service principals (`cloudtrail.amazonaws.com`) */
  services: string[];
  /** federated principals (SAML providers, `cognito-identity.amazonaws.com`) */
  federated: string[];
}

const ACCOUNT_ID = /^\d{12}$/;
/** arn:<partition>:<service>:<region>:<account>:<resource>, any partition (aws, aws-cn, aws-us-gov, aws-iso...) */
const ARN_ACCOUNT = /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/;

/** Condition keys whose values name the account a wildcard principal must belong to or act for. */
const ACCOUNT_KEYS = new Set(['aws:principalaccount', 'aws:sourceaccount', 'aws:sourceowner', 'aws:resourceaccount']);
/** Condition keys whose ARN values carry the account. */
const ARN_KEYS = new Set(['aws:principalarn', 'aws:sourcearn']);
const ORG_KEYS = new Set(['aws:principalorgid', 'aws:principalorgpaths', 'aws:sourceorgid', 'aws:sourceorgpaths']);

/** Operators that restrict a key to the listed values; negated and IfExists forms pin nothing. */
function isPinningOperator(operator: string): boolean {
  const op = operator.toLowerCase().replace(/^forallvalues:|^foranyvalue:/, '');
  if (op.endsWith('ifexists')) return false;
  return op === 'stringequals' || op === 'stringequalsignorecase' || op === 'stringlike' || op === 'arnequals' || op === 'arnlike';
}

import { isRecord } from '../core/util.js';
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === 'string');

/** The account of a principal value: a bare account ID or an ARN (root, role, user, assumed-role) of any partition. */
export function accountOf(value: string): string | undefined {
  const v = value.trim();
  if (ACCOUNT_ID.test(v)) return v;
  return ARN_ACCOUNT.exec(v)?.[1];
}

interface ConditionPins {
  accounts: string[];
  organizations: string[];
}

function conditionPins(condition: unknown): ConditionPins {
  const pins: ConditionPins = { accounts: [], organizations: [] };
  if (!isRecord(condition)) return pins;
  for (const [operator, block] of Object.entries(condition)) {
    if (!isPinningOperator(operator) || !isRecord(block)) continue;
    for (const [key, values] of Object.entries(block)) {
      const k = key.toLowerCase();
      for (const value of strings(values)) {
        if (ACCOUNT_KEYS.has(k) && ACCOUNT_ID.test(value.trim())) pins.accounts.push(value.trim());
        else if (ARN_KEYS.has(k)) {
          const account = accountOf(value);
          if (account) pins.accounts.push(account);
        } else if (ORG_KEYS.has(k) && value.trim() !== '' && value.trim() !== '*') pins.organizations.push(value.trim());
      }
    }
  }
  return pins;
}

const empty = (): PolicyPrincipals => ({ accounts: [], public: false, organizations: [], services: [], federated: [] });

/** What one statement grants. */
export function statementPrincipals(statement: unknown): PolicyPrincipals {
  const out = empty();
  if (!isRecord(statement)) return out;
  const effect = statement.Effect;
  if (typeof effect !== 'string' || effect.toLowerCase() !== 'allow') return out;

  const named: string[] = [];
  let wildcard = false;
  if ('NotPrincipal' in statement) wildcard = true; // Allow + NotPrincipal: everyone but the listed ones
  const principal = statement.Principal;
  if (principal === '*') wildcard = true;
  else if (isRecord(principal)) {
    for (const [kind, values] of Object.entries(principal)) {
      const list = strings(values);
      if (kind === 'AWS') {
        for (const v of list) {
          if (v.trim() === '*') wildcard = true;
          else {
            const account = accountOf(v);
            if (account) named.push(account);
          }
        }
      } else if (kind === 'Service') out.services.push(...list);
      else if (kind === 'Federated') out.federated.push(...list);
      else if (kind === 'CanonicalUser' && list.includes('*')) wildcard = true;
    }
  }
  out.accounts.push(...named.map((accountId) => ({ accountId, via: 'principal' as const })));
  if (wildcard) {
    const pins = conditionPins(statement.Condition);
    out.accounts.push(...pins.accounts.map((accountId) => ({ accountId, via: 'condition' as const })));
    out.organizations.push(...pins.organizations);
    out.public = pins.accounts.length === 0 && pins.organizations.length === 0;
  }
  return normalize(out);
}

/** The statements of a policy document (object, or a bare statement list); anything else has none. */
export function statementsOf(policy: unknown): unknown[] {
  if (Array.isArray(policy)) return policy;
  if (!isRecord(policy)) return [];
  return asList(policy.Statement);
}

/** What a whole policy grants: the union of what its statements grant. */
export function policyPrincipals(policy: unknown): PolicyPrincipals {
  return unionPrincipals(statementsOf(policy).map(statementPrincipals));
}

export function unionPrincipals(parts: PolicyPrincipals[]): PolicyPrincipals {
  const out = empty();
  for (const p of parts) {
    out.accounts.push(...p.accounts);
    out.public ||= p.public;
    out.organizations.push(...p.organizations);
    out.services.push(...p.services);
    out.federated.push(...p.federated);
  }
  return normalize(out);
}

const sortedUnique = (xs: string[]) => [...new Set(xs)].sort();

function normalize(p: PolicyPrincipals): PolicyPrincipals {
  const seen = new Set<string>();
  const accounts = p.accounts
    .filter((a) => {
      const key = `${a.accountId}|${a.via}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.via.localeCompare(b.via));
  return {
    accounts,
    public: p.public,
    organizations: sortedUnique(p.organizations),
    services: sortedUnique(p.services),
    federated: sortedUnique(p.federated),
  };
}
