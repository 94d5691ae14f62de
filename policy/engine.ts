// The one policy engine: what each statement of a trust or resource policy grants, as a verdict with its
// reason. Every reader of policies (trust extraction, the standard's "not public" requirements, `census
// policy principals`, the S3 paths) asks this module; no other code decides what "public" means.
//
// Semantics follow the IAM policy evaluation logic (README.md in this folder cites the documentation):
// conditions of one statement are ANDed, values of one key ORed; IfExists, ForAllValues and negated
// operators do not pin a caller; wildcards only match under *Like and Arn* operators; an explicit Deny
// that covers an Allow removes or narrows its grant. Pure and total: any JSON in, a verdict out.
import { PUBLIC_VERDICTS, type PublicVerdict } from '../core/schemas.js';
import { isRecord } from '../core/util.js';
import { decodePolicyDocument } from './decode.js';

/** From the most open to the most closed (the record contract lists them); `undecided` is never read as "not public". */
export const VERDICTS = PUBLIC_VERDICTS;
export type Verdict = PublicVerdict;

const OPENNESS: Record<Verdict, number> = {
  public: 6,
  undecided: 5,
  'network-restricted': 4,
  'org-restricted': 3,
  'account-restricted': 2,
  'service-restricted': 1,
  'not-granted': 0,
};

/** The most open of several verdicts (`not-granted` for none). */
export function mostOpen(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (OPENNESS[b] > OPENNESS[a] ? b : a), 'not-granted');
}

export interface AccountGrant {
  accountId: string;
  /** `principal` when named in Principal, `condition` when a principal is pinned by a condition */
  via: 'principal' | 'condition';
}

export interface StatementVerdict {
  /** position in the Statement list, from 0 */
  index: number;
  sid: string | null;
  effect: string;
  verdict: Verdict;
  /** why, in words an analyst can check against the policy */
  reason: string;
  /** the principals as written (`*`, `AWS:arn:aws:iam::111122223333:root`, `Service:sns.amazonaws.com`, `NotPrincipal:AWS:...`) */
  principals: string[];
  actions: string[];
  accounts: AccountGrant[];
  organizations: string[];
  services: string[];
  federated: string[];
  /** CIDRs, VPC and VPC endpoint IDs of a network restriction */
  networks: string[];
  /** the condition (or Deny statement) that decided, e.g. `StringEquals aws:PrincipalOrgID [o-abc]` */
  condition: string | null;
}

export interface PolicyVerdict {
  verdict: Verdict;
  reason: string;
  statements: StatementVerdict[];
}

const ACCOUNT_ID = /^\d{12}$/;
/** arn:<partition>:<service>:<region>:<account>:<resource>, any partition (aws, aws-cn, aws-us-gov, aws-iso...) */
const ARN_ACCOUNT = /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/;
/** IAM unique IDs (AIDA users, AROA roles...): what a policy shows once the named principal is deleted */
const UNIQUE_ID = /^A[A-Z0-9]{3}[A-Z0-9]{12,}$/;

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const hasWildcard = (s: string) => s.includes('*') || s.includes('?');

/** The account of a principal value: a bare account ID or an ARN (root, role, user, assumed-role) of any partition. */
export function accountOf(value: string): string | undefined {
  const v = value.trim();
  if (ACCOUNT_ID.test(v)) return v;
  return ARN_ACCOUNT.exec(v)?.[1];
}

/** A statement field by name; AWS tolerates no case variants in element names, but a hand-written file may have them. */
function field(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  const key = Object.keys(obj).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : obj[key];
}

/** `*` and `?` as IAM wildcards (case-insensitive for actions and resources). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is');
  return re.test(value);
}

// --- conditions -----------------------------------------------------------------------------------

type KeyKind = 'account' | 'arn' | 'principalarn' | 'org' | 'orgpath' | 'ip' | 'vpc' | 'userid' | 'service' | 'servicebool' | 'aud' | 'oidcsub';

/**
 * Condition keys that identify the caller, its account, organization, network or the resource it acts for.
 * aws:ResourceAccount is absent on purpose: on a resource policy it names the resource's own account, never the caller's.
 */
const CALLER_KEYS: Record<string, KeyKind> = {
  'aws:principalaccount': 'account',
  'aws:sourceaccount': 'account',
  'aws:sourceowner': 'account',
  'kms:calleraccount': 'account',
  's3:dataaccesspointaccount': 'account',
  'aws:principalarn': 'principalarn',
  'aws:sourcearn': 'arn',
  's3:dataaccesspointarn': 'arn',
  'aws:principalorgid': 'org',
  'aws:sourceorgid': 'org',
  'aws:principalorgpaths': 'orgpath',
  'aws:sourceorgpaths': 'orgpath',
  'aws:sourceip': 'ip',
  'aws:vpcsourceip': 'ip',
  'aws:sourcevpc': 'vpc',
  'aws:sourcevpce': 'vpc',
  'aws:userid': 'userid',
  'aws:principalservicename': 'service',
  'aws:principalisawsservice': 'servicebool',
};

const EXACT_OPS = new Set(['stringequals', 'stringequalsignorecase']);
const WILDCARD_OPS = new Set(['stringlike', 'arnequals', 'arnlike']);
const NEGATED_OPS = new Set(['stringnotequals', 'stringnotequalsignorecase', 'stringnotlike', 'arnnotequals', 'arnnotlike', 'notipaddress']);
const OTHER_OPS = /^(numeric|date)(not)?(equals|lessthan|lessthanequals|greaterthan|greaterthanequals)$|^binaryequals$|^bool$|^null$|^ipaddress$/;

interface ParsedOperator {
  base: string;
  set: 'any' | 'all' | null;
  ifExists: boolean;
}

function parseOperator(op: string): ParsedOperator {
  const m = /^(forallvalues:|foranyvalue:)?(.*?)(ifexists)?$/i.exec(op.trim())!;
  const set = m[1] ? (m[1].toLowerCase().startsWith('forall') ? 'all' : 'any') : null;
  return { base: m[2]!.toLowerCase(), set, ifExists: Boolean(m[3]) };
}

/** What one (operator, key, values) of an Allow statement does to a wildcard caller. */
interface Restriction {
  kind: 'account' | 'org' | 'service' | 'network' | 'void' | 'nothing' | 'undecided' | 'none';
  accounts: string[];
  organizations: string[];
  networks: string[];
  services: string[];
  condition: string;
  note: string;
}

const restriction = (kind: Restriction['kind'], condition: string, note: string, extra: Partial<Restriction> = {}): Restriction => ({
  kind, accounts: [], organizations: [], networks: [], services: [], condition, note, ...extra,
});

function conditionValues(v: unknown): string[] | undefined {
  const out: string[] = [];
  for (const x of asList(v)) {
    if (typeof x === 'string') out.push(x.trim());
    else if (typeof x === 'number' || typeof x === 'boolean') out.push(String(x));
    else return undefined;
  }
  return out;
}

/** IPv4 ranges wider than /8 and IPv6 wider than /32 are "public" for S3 Block Public Access too. */
function broadCidr(cidr: string): boolean {
  const [addr, len] = cidr.split('/');
  if (len === undefined) return false;
  const n = Number(len);
  return addr!.includes(':') ? n < 32 : n < 8;
}

/** The restriction a positive operator puts on a caller key, from its values. */
function valueRestriction(kind: KeyKind, base: string, values: string[], condition: string): Restriction {
  const wild = WILDCARD_OPS.has(base);
  const exact = EXACT_OPS.has(base);
  const stringOp = wild || exact;
  const voidBy = (v: string, why: string) => restriction('void', condition, `${why} (${v}): the pin matches callers of any account`);
  if (values.length === 0) return restriction('nothing', condition, 'no values: the condition matches no request');
  switch (kind) {
    case 'account': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare an account ID`);
      const accounts: string[] = [];
      for (const v of values) {
        if (wild && hasWildcard(v)) return voidBy(v, 'wildcard in an account value');
        if (ACCOUNT_ID.test(v)) accounts.push(v);
      }
      // a literal `*` under StringEquals, or a malformed ID, matches no real account
      if (accounts.length === 0) return restriction('nothing', condition, `no value is a 12-digit account ID under ${base} (${values.join(', ')})`);
      return restriction('account', condition, `caller's account must be ${accounts.join(', ')}`, { accounts });
    }
    case 'arn':
    case 'principalarn': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare an ARN`);
      const accounts: string[] = [];
      const resources: string[] = [];
      for (const v of values) {
        const parts = v.split(':');
        const account = parts[4];
        if (parts.length < 6 || parts[0] !== 'arn') {
          if (wild && hasWildcard(v)) return voidBy(v, 'wildcard in an ARN value');
          continue; // not an ARN: matches nothing
        }
        if (account === undefined || account === '') {
          // no IAM principal has an account-less ARN: as aws:PrincipalArn it matches no caller
          if (kind === 'principalarn') continue;
          // an ARN without an account (S3 buckets): pinned to that resource unless its name is a wildcard
          if (wild && hasWildcard(parts.slice(5).join(':'))) return voidBy(v, 'wildcard in the resource of an account-less ARN');
          resources.push(v);
        } else if (hasWildcard(account)) {
          if (wild) return voidBy(v, 'wildcard in the account field of an ARN');
        } else if (ACCOUNT_ID.test(account)) accounts.push(account);
      }
      if (accounts.length === 0 && resources.length === 0) return restriction('nothing', condition, `no value names an account or a resource (${values.join(', ')})`);
      if (resources.length && accounts.length === 0) return restriction('service', condition, `caller must act for ${resources.join(', ')}`, { services: resources });
      return restriction('account', condition, `caller's ARN must be in account ${[...new Set(accounts)].join(', ')}${resources.length ? ` or be ${resources.join(', ')}` : ''}`, { accounts });
    }
    case 'org':
    case 'orgpath': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare an organization`);
      const orgs: string[] = [];
      for (const v of values) {
        const org = kind === 'org' ? v : v.split('/')[0]!;
        if (wild && hasWildcard(org)) return voidBy(v, 'wildcard in the organization');
        if (!hasWildcard(org) && org !== '') orgs.push(org);
      }
      if (orgs.length === 0) return restriction('nothing', condition, `no value names an organization (${values.join(', ')})`);
      return restriction('org', condition, `caller must belong to ${[...new Set(orgs)].join(', ')}`, { organizations: orgs });
    }
    case 'ip': {
      if (base !== 'ipaddress') return restriction('undecided', condition, `operator ${base} on an IP address key`);
      const broad = values.find(broadCidr);
      if (broad) return voidBy(broad, 'a range this wide is the internet');
      return restriction('network', condition, `caller's IP must be in ${values.join(', ')}`, { networks: values });
    }
    case 'vpc': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare a VPC`);
      for (const v of values) if (wild && hasWildcard(v)) return voidBy(v, 'wildcard in a VPC or endpoint value');
      return restriction('network', condition, `request must come through ${values.join(', ')}`, { networks: values });
    }
    case 'userid': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare aws:userid`);
      for (const v of values) if (wild && hasWildcard(v.split(':')[0]!)) return voidBy(v, 'wildcard in the unique ID of aws:userid');
      return restriction('account', condition, `caller must be the principal ${values.join(', ')} (unique IDs, account not named)`);
    }
    case 'service': {
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare a service name`);
      for (const v of values) if (wild && hasWildcard(v)) return voidBy(v, 'wildcard in a service name');
      return restriction('service', condition, `caller must be the service ${values.join(', ')}`, { services: values });
    }
    case 'servicebool':
      if (base !== 'bool') return restriction('undecided', condition, `operator ${base} on aws:PrincipalIsAWSService`);
      return values.every((v) => v.toLowerCase() === 'true')
        ? restriction('service', condition, 'caller must be an AWS service principal')
        : restriction('none', condition, 'does not restrict the caller');
    case 'oidcsub':
      if (!stringOp) return restriction('undecided', condition, `operator ${base} cannot compare a token subject`);
      for (const v of values) if (wild && (v === '*' || v.startsWith('*'))) return voidBy(v, 'wildcard token subject');
      return restriction('account', condition, `token subject must match ${values.join(', ')}`);
    case 'aud':
      if (!exact) return restriction('none', condition, 'audience not pinned');
      return restriction('account', condition, `web identity audience must be ${values.join(', ')}`);
  }
}

/** Every restriction the Condition block of an Allow statement puts on who the caller is. */
function conditionRestrictions(condition: unknown, extraKeys: Record<string, KeyKind> = {}): Restriction[] {
  if (condition === undefined) return [];
  if (!isRecord(condition)) return [restriction('undecided', 'Condition', 'Condition is not an object')];
  const out: Restriction[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    const op = parseOperator(operator);
    if (!isRecord(block)) {
      out.push(restriction('undecided', operator, `condition operator ${operator} does not hold a key/value object`));
      continue;
    }
    for (const [key, raw] of Object.entries(block)) {
      const kind = CALLER_KEYS[key.toLowerCase()] ?? extraKeys[key.toLowerCase()];
      if (!kind) continue; // a key that says nothing about who the caller is (aws:SecureTransport, s3:prefix...)
      const values = conditionValues(raw);
      const label = `${operator} ${key} ${JSON.stringify(raw)}`;
      if (!values) out.push(restriction('undecided', label, `values of ${key} are not strings`));
      else if (NEGATED_OPS.has(op.base)) out.push(restriction('void', label, `negated operator ${operator} only excludes the listed values`));
      else if (op.ifExists) out.push(restriction('void', label, `${operator}: requests without ${key} (anonymous callers, AWS services) pass`));
      else if (op.set === 'all') out.push(restriction('void', label, `${operator}: ForAllValues also matches requests without ${key}`));
      else if (!EXACT_OPS.has(op.base) && !WILDCARD_OPS.has(op.base) && !OTHER_OPS.test(op.base))
        out.push(restriction('undecided', label, `unknown condition operator ${operator}`));
      else if (op.base === 'null') out.push(restriction('none', label, 'Null only tests whether the key is present'));
      else out.push(valueRestriction(kind, op.base, values, label));
    }
  }
  return out;
}

const RESTRICTION_VERDICT: Record<'account' | 'org' | 'service' | 'network', Verdict> = {
  account: 'account-restricted',
  org: 'org-restricted',
  service: 'service-restricted',
  network: 'network-restricted',
};
/** Conditions are ANDed: the tightest one decides. */
const TIGHTNESS = ['account', 'org', 'service', 'network'] as const;

interface WildcardOutcome {
  verdict: Verdict;
  reason: string;
  condition: string | null;
  accounts: string[];
  organizations: string[];
  networks: string[];
  services: string[];
}

/** Who a wildcard caller is narrowed to by the statement's conditions. */
function wildcardOutcome(restrictions: Restriction[], what: string): WildcardOutcome {
  const base = { accounts: [], organizations: [], networks: [], services: [] };
  const nothing = restrictions.find((r) => r.kind === 'nothing');
  if (nothing) return { ...base, verdict: 'not-granted', reason: `${what}, but ${nothing.condition} matches no caller: ${nothing.note}`, condition: nothing.condition };
  const decisive = restrictions.filter((r): r is Restriction & { kind: (typeof TIGHTNESS)[number] } => (TIGHTNESS as readonly string[]).includes(r.kind));
  if (decisive.length) {
    const tightest = TIGHTNESS.find((k) => decisive.some((r) => r.kind === k))!;
    const deciding = decisive.filter((r) => r.kind === tightest);
    return {
      verdict: RESTRICTION_VERDICT[tightest],
      reason: `${what}, pinned: ${deciding.map((r) => r.note).join('; ')}`,
      condition: deciding.map((r) => r.condition).join(' AND '),
      accounts: decisive.flatMap((r) => r.accounts),
      organizations: decisive.flatMap((r) => r.organizations),
      networks: decisive.flatMap((r) => r.networks),
      services: decisive.flatMap((r) => r.services),
    };
  }
  const undecided = restrictions.find((r) => r.kind === 'undecided');
  if (undecided) return { ...base, verdict: 'undecided', reason: `${what}; cannot decide: ${undecided.note} (${undecided.condition})`, condition: undecided.condition };
  const voided = restrictions.filter((r) => r.kind === 'void');
  return {
    ...base,
    verdict: 'public',
    reason: voided.length ? `${what}; no condition pins the caller: ${voided.map((r) => `${r.condition}: ${r.note}`).join('; ')}` : `${what} without a condition pinning the caller`,
    condition: voided.length ? voided.map((r) => r.condition).join(' AND ') : null,
  };
}

// --- statements -----------------------------------------------------------------------------------

interface Principals {
  wildcard: string | null;
  accounts: string[];
  uniqueIds: string[];
  services: string[];
  federated: string[];
  canonical: string[];
  written: string[];
  problems: string[];
}

function readPrincipals(principal: unknown, prefix = ''): Principals {
  const out: Principals = { wildcard: null, accounts: [], uniqueIds: [], services: [], federated: [], canonical: [], written: [], problems: [] };
  const aws = (v: string) => {
    out.written.push(`${prefix}AWS:${v}`);
    if (v === '*') out.wildcard ??= 'Principal AWS "*"';
    else if (hasWildcard(v)) out.problems.push(`wildcard inside the principal ${v} (IAM allows only a whole "*")`);
    else if (accountOf(v)) out.accounts.push(accountOf(v)!);
    else if (UNIQUE_ID.test(v)) out.uniqueIds.push(v);
    else out.problems.push(`unrecognised AWS principal "${v}"`);
  };
  if (typeof principal === 'string') {
    if (principal.trim() === '*') {
      out.written.push(`${prefix}*`);
      out.wildcard = 'Principal "*"';
    } else aws(principal.trim());
    return out;
  }
  if (!isRecord(principal)) {
    out.problems.push(`Principal is ${JSON.stringify(principal) ?? 'undefined'}, not "*" or an object`);
    return out;
  }
  for (const [kind, raw] of Object.entries(principal)) {
    const values = asList(raw);
    const strs = values.filter((x): x is string => typeof x === 'string').map((s) => s.trim());
    if (strs.length !== values.length) out.problems.push(`Principal ${kind} holds a value that is not a string`);
    switch (kind.toLowerCase()) {
      case 'aws':
        strs.forEach(aws);
        break;
      case 'service':
        for (const s of strs) {
          out.written.push(`${prefix}Service:${s}`);
          if (s === '*' || hasWildcard(s)) out.wildcard ??= `Principal Service "${s}"`;
          else out.services.push(s);
        }
        break;
      case 'federated':
        for (const s of strs) {
          out.written.push(`${prefix}Federated:${s}`);
          out.federated.push(s);
        }
        break;
      case 'canonicaluser':
        for (const s of strs) {
          out.written.push(`${prefix}CanonicalUser:${s}`);
          if (s === '*') out.wildcard ??= 'Principal CanonicalUser "*"';
          else out.canonical.push(s);
        }
        break;
      default:
        out.problems.push(`unknown principal type "${kind}"`);
    }
  }
  return out;
}

interface Shaped {
  index: number;
  sid: string | null;
  effect: string;
  raw: Record<string, unknown>;
  actions: string[];
  notActions: string[] | null;
  resources: string[];
  notResources: string[] | null;
}

const strList = (v: unknown) => asList(v).filter((x): x is string => typeof x === 'string');

function shape(raw: Record<string, unknown>, index: number): Shaped {
  const sid = field(raw, 'Sid');
  const notAction = field(raw, 'NotAction');
  const notResource = field(raw, 'NotResource');
  return {
    index,
    sid: typeof sid === 'string' && sid !== '' ? sid : null,
    effect: typeof field(raw, 'Effect') === 'string' ? (field(raw, 'Effect') as string) : '',
    raw,
    actions: strList(field(raw, 'Action')),
    notActions: notAction === undefined ? null : strList(notAction),
    resources: strList(field(raw, 'Resource')),
    notResources: notResource === undefined ? null : strList(notResource),
  };
}

const blank = (s: Shaped): StatementVerdict => ({
  index: s.index, sid: s.sid, effect: s.effect, verdict: 'not-granted', reason: '', principals: [],
  actions: s.notActions ? s.notActions.map((a) => `NotAction:${a}`) : s.actions,
  accounts: [], organizations: [], services: [], federated: [], networks: [], condition: null,
});

/** Web-identity providers whose audience condition key is `<provider>:aud`. */
/** The host of an IAM OIDC provider ARN (`arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com`). */
const oidcHost = (f: string) => /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(f)?.[1]?.toLowerCase();

/** Web-identity providers' audience keys (`<provider>:aud`) and OIDC providers' subject keys (`<host>:sub`). */
function audKeys(federated: string[]): Record<string, KeyKind> {
  const keys: Record<string, KeyKind> = {};
  for (const f of federated) {
    if (!f.startsWith('arn:')) keys[`${f.toLowerCase()}:aud`] = 'aud';
    const host = oidcHost(f);
    if (host) keys[`${host}:sub`] = 'oidcsub';
  }
  return keys;
}

/** OIDC providers whose tokens anyone can get (any repository, any account of the service): public without a subject pin. */
const OPEN_OIDC_HOSTS = new Set(['token.actions.githubusercontent.com']);

/** One Allow statement on its own (before any Deny of the same policy narrows it). */
function allowVerdict(s: Shaped): StatementVerdict {
  const out = blank(s);
  const principal = field(s.raw, 'Principal');
  const notPrincipal = field(s.raw, 'NotPrincipal');
  if (principal === undefined && notPrincipal === undefined) {
    out.reason = 'no Principal: an identity-policy statement grants nothing to other principals';
    return out;
  }
  const p = notPrincipal !== undefined ? readPrincipals(notPrincipal, 'NotPrincipal:') : readPrincipals(principal);
  out.principals = p.written;
  if (notPrincipal !== undefined) {
    p.wildcard = 'Allow with NotPrincipal (everyone except the listed principals)';
    p.accounts = [];
    p.uniqueIds = [];
    p.services = [];
    p.federated = [];
    p.canonical = [];
    p.problems = [];
  }
  const restrictions = conditionRestrictions(field(s.raw, 'Condition'), audKeys(p.federated));
  const parts: { verdict: Verdict; reason: string; condition: string | null }[] = [];

  if (p.wildcard) {
    const w = wildcardOutcome(restrictions, p.wildcard);
    parts.push(w);
    if (w.verdict !== 'not-granted') {
      out.accounts.push(...w.accounts.map((accountId) => ({ accountId, via: 'condition' as const })));
      out.organizations.push(...w.organizations);
      out.networks.push(...w.networks);
      out.services.push(...w.services);
    }
  }
  if (p.accounts.length || p.uniqueIds.length || p.canonical.length) {
    out.accounts.push(...p.accounts.map((accountId) => ({ accountId, via: 'principal' as const })));
    const named = [...new Set(p.accounts)];
    const extra = [...p.uniqueIds.map((u) => `unique ID ${u} (a deleted or renamed principal)`), ...p.canonical.map((c) => `canonical user ${c}`)];
    parts.push({ verdict: 'account-restricted', reason: `named principals of ${[...named, ...extra].join(', ')}`, condition: null });
  }
  if (p.services.length) {
    out.services.push(...p.services);
    const pins = restrictions.filter((r) => r.kind === 'account' || r.kind === 'org' || r.kind === 'service');
    const pinAccounts = pins.flatMap((r) => r.accounts);
    out.accounts.push(...pinAccounts.map((accountId) => ({ accountId, via: 'condition' as const })));
    out.organizations.push(...pins.flatMap((r) => r.organizations));
    parts.push({
      verdict: 'service-restricted',
      reason: pins.length
        ? `service principal ${p.services.join(', ')}, pinned: ${pins.map((r) => r.note).join('; ')}`
        : `service principal ${p.services.join(', ')}, not pinned by aws:SourceAccount or aws:SourceArn (confused-deputy risk)`,
      condition: pins.length ? pins.map((r) => r.condition).join(' AND ') : null,
    });
  }
  for (const f of p.federated) {
    out.federated.push(f);
    const account = accountOf(f);
    const host = oidcHost(f);
    if (account && host) {
      // the provider's account only registered the provider: who gets a token is decided by the token's subject
      out.accounts.push({ accountId: account, via: 'principal' });
      const sub = restrictions.find((r) => r.kind === 'account' && r.condition.toLowerCase().includes(`${host}:sub`));
      parts.push(
        sub
          ? { verdict: 'account-restricted', reason: `OIDC provider ${host} of account ${account}: ${sub.note}`, condition: sub.condition }
          : OPEN_OIDC_HOSTS.has(host)
            ? { verdict: 'public', reason: `OIDC provider ${host} without a ${host}:sub condition: any of its users (any repository) can assume it`, condition: null }
            : { verdict: 'undecided', reason: `cannot decide: OIDC provider ${host} without a ${host}:sub condition lets in whoever the provider issues tokens to`, condition: null },
      );
    } else if (account) {
      out.accounts.push({ accountId: account, via: 'principal' });
      parts.push({ verdict: 'account-restricted', reason: `federated through the identity provider ${f} of account ${account}`, condition: null });
    } else {
      const aud = restrictions.find((r) => r.kind === 'account' && r.condition.toLowerCase().includes(`${f.toLowerCase()}:aud`));
      parts.push(
        aud
          ? { verdict: 'account-restricted', reason: `web identity ${f}: ${aud.note}`, condition: aud.condition }
          : { verdict: 'undecided', reason: `cannot decide: web identity ${f} without an exact ${f}:aud condition lets in whoever the provider lets in`, condition: null },
      );
    }
  }
  for (const problem of p.problems) parts.push({ verdict: 'undecided', reason: `cannot decide: ${problem}`, condition: null });
  if (parts.length === 0) {
    out.reason = 'Principal names no one';
    return out;
  }
  const verdict = mostOpen(parts.map((x) => x.verdict));
  const deciding = parts.filter((x) => x.verdict === verdict);
  out.verdict = verdict;
  out.reason = deciding.map((x) => x.reason).join('; ');
  out.condition = deciding.find((x) => x.condition)?.condition ?? null;
  return out;
}

// --- Deny statements ------------------------------------------------------------------------------

/** What a Deny leaves of the grants it covers: nothing, or only callers matching a restriction. */
interface DenyEffect {
  index: number;
  label: string;
  kind: 'removes' | 'account' | 'org' | 'service' | 'network';
  note: string;
  accounts: string[];
  organizations: string[];
  networks: string[];
}

/** True when every action the Allow grants is covered by the Deny (wildcards as IAM matches them). */
function covers(deny: Shaped, allow: Shaped): boolean {
  if (deny.notActions !== null || deny.notResources !== null) return false; // complements: not followed, the grant stays
  if (deny.actions.length === 0) return false;
  const allowActions = allow.notActions !== null ? ['*'] : allow.actions;
  if (allowActions.length === 0) return false;
  if (!allowActions.every((a) => deny.actions.some((d) => wildcardMatch(d, a)))) return false;
  if (deny.resources.length === 0) return allow.resources.length === 0; // trust policies have no Resource
  const allowResources = allow.notResources !== null ? ['*'] : allow.resources;
  return allowResources.length === 0 || allowResources.every((r) => deny.resources.some((d) => wildcardMatch(d, r)));
}

function denyEffect(s: Shaped): DenyEffect | undefined {
  const label = s.sid ? `Deny statement "${s.sid}"` : `Deny statement #${s.index + 1}`;
  const principal = field(s.raw, 'Principal');
  const notPrincipal = field(s.raw, 'NotPrincipal');
  const base = { index: s.index, label, accounts: [], organizations: [], networks: [] };
  let exceptAccounts: string[] | null = null;
  if (notPrincipal !== undefined) {
    const p = readPrincipals(notPrincipal);
    if (p.wildcard || p.problems.length || p.services.length || p.federated.length || p.canonical.length || p.uniqueIds.length) return undefined;
    exceptAccounts = [...new Set(p.accounts)];
  } else if (!readPrincipals(principal).wildcard) return undefined; // denies named principals only
  const condition = field(s.raw, 'Condition');
  const blocks = isRecord(condition) ? Object.entries(condition).flatMap(([op, b]) => (isRecord(b) ? Object.entries(b).map(([k, v]) => ({ op, k, v })) : [{ op, k: '', v: undefined }])) : [];
  if (condition !== undefined && !isRecord(condition)) return undefined;
  if (blocks.length === 0) {
    if (exceptAccounts) return { ...base, kind: 'account', note: `${label} denies everyone but ${exceptAccounts.join(', ')}`, accounts: exceptAccounts };
    return { ...base, kind: 'removes', note: `${label} denies it to everyone` };
  }
  if (exceptAccounts) return undefined;
  // A Deny with conditions narrows the grant only when each condition is a negated test of who the caller is:
  // the Deny then fires for every caller outside the listed values (and, for negated operators, when the key is absent).
  const narrowed: Restriction[] = [];
  for (const { op, k, v } of blocks) {
    const parsed = parseOperator(op);
    const kind = CALLER_KEYS[k.toLowerCase()];
    const values = conditionValues(v);
    if (!kind || !values || !NEGATED_OPS.has(parsed.base) || parsed.set !== null) return undefined;
    const positive = parsed.base === 'notipaddress' ? 'ipaddress' : parsed.base.replace('not', '');
    const r = valueRestriction(kind, positive, values, `${op} ${k} ${JSON.stringify(v)}`);
    if (!(TIGHTNESS as readonly string[]).includes(r.kind)) return undefined;
    narrowed.push(r);
  }
  // several conditions are ANDed in the Deny, so a caller escapes it by satisfying any one: the loosest decides
  const loosest = [...TIGHTNESS].reverse().find((k) => narrowed.some((r) => r.kind === k))!;
  const deciding = narrowed.filter((r) => r.kind === loosest);
  return {
    ...base,
    kind: loosest,
    note: `${label} (${deciding.map((r) => r.condition).join(' AND ')}): ${deciding.map((r) => r.note).join('; ')}`,
    accounts: deciding.flatMap((r) => r.accounts),
    organizations: deciding.flatMap((r) => r.organizations),
    networks: deciding.flatMap((r) => r.networks),
  };
}

/** Narrow an Allow verdict by the Deny statements that cover it. */
function applyDenies(v: StatementVerdict, allow: Shaped, denies: { shaped: Shaped; effect: DenyEffect }[]): StatementVerdict {
  if (!['public', 'undecided', 'network-restricted'].includes(v.verdict)) return v;
  let out = v;
  for (const { shaped, effect } of denies) {
    if (!covers(shaped, allow)) continue;
    if (effect.kind === 'removes') {
      return { ...out, verdict: 'not-granted', reason: `${out.reason}; removed: ${effect.note}`, condition: effect.label, accounts: [], organizations: [], networks: [], services: [] };
    }
    const verdict = RESTRICTION_VERDICT[effect.kind];
    if (OPENNESS[verdict] >= OPENNESS[out.verdict]) continue;
    out = {
      ...out,
      verdict,
      reason: `${out.reason}; narrowed by ${effect.note}`,
      condition: effect.note,
      accounts: [...out.accounts, ...effect.accounts.map((accountId) => ({ accountId, via: 'condition' as const }))],
      organizations: [...out.organizations, ...effect.organizations],
      networks: [...out.networks, ...effect.networks],
    };
  }
  return out;
}

// --- policies -------------------------------------------------------------------------------------

/** The statements of a policy document (object, or a bare statement list); anything else has none. */
export function statementsOf(policy: unknown): unknown[] {
  if (Array.isArray(policy)) return policy;
  if (!isRecord(policy)) return [];
  return asList(field(policy, 'Statement'));
}

function sortedUnique(xs: string[]): string[] {
  return [...new Set(xs)].sort();
}

function normalizeStatement(v: StatementVerdict): StatementVerdict {
  const seen = new Set<string>();
  const accounts = v.accounts
    .filter((a) => (seen.has(`${a.accountId}|${a.via}`) ? false : (seen.add(`${a.accountId}|${a.via}`), true)))
    .sort((a, b) => a.accountId.localeCompare(b.accountId) || a.via.localeCompare(b.via));
  // Object.assign then stores rather than a spread literal (cheaper in V8, once per statement): same keys, same order
  const out = Object.assign({}, v);
  out.accounts = accounts;
  out.organizations = sortedUnique(v.organizations);
  out.services = sortedUnique(v.services);
  out.federated = sortedUnique(v.federated);
  out.networks = sortedUnique(v.networks);
  return out;
}

/** The label of a statement in evidence: its Sid, or its position from 1. */
export function statementLabel(v: Pick<StatementVerdict, 'sid' | 'index'>): string {
  return v.sid ? `statement "${v.sid}"` : `statement #${v.index + 1}`;
}

/** Every statement of a policy with its verdict, and the policy's verdict (the most open statement). */
export function analysePolicy(document: unknown): PolicyVerdict {
  let doc: unknown;
  try {
    doc = decodePolicyDocument(document);
  } catch (err) {
    return { verdict: 'undecided', reason: `cannot decide: the policy is not valid JSON (${(err as Error).message})`, statements: [] };
  }
  if (!Array.isArray(doc) && !(isRecord(doc) && field(doc, 'Statement') !== undefined)) {
    return isRecord(doc) && Object.keys(doc).length === 0
      ? { verdict: 'not-granted', reason: 'empty policy', statements: [] }
      : { verdict: 'undecided', reason: 'cannot decide: not a policy document (no Statement)', statements: [] };
  }
  const raws = statementsOf(doc);
  const shaped = raws.map((r, i) => (isRecord(r) ? shape(r, i) : undefined));
  const denies = shaped.flatMap((s) => {
    if (!s || s.effect.toLowerCase() !== 'deny') return [];
    const effect = denyEffect(s);
    return effect ? [{ shaped: s, effect }] : [];
  });
  const statements = raws.map((raw, i): StatementVerdict => {
    const s = shaped[i];
    if (!s) {
      return { index: i, sid: null, effect: '', verdict: 'undecided', reason: `cannot decide: statement #${i + 1} is not an object`, principals: [], actions: [], accounts: [], organizations: [], services: [], federated: [], networks: [], condition: null };
    }
    const effect = s.effect.toLowerCase();
    if (effect === 'deny') {
      const d = denies.find((x) => x.shaped === s);
      const principal = field(s.raw, 'Principal') ?? field(s.raw, 'NotPrincipal');
      return { ...blank(s), reason: d ? d.effect.note : 'Deny: grants nothing', principals: principal === undefined ? [] : readPrincipals(principal).written };
    }
    if (effect !== 'allow') return { ...blank(s), verdict: 'undecided', reason: `cannot decide: Effect is ${JSON.stringify(field(s.raw, 'Effect')) ?? 'missing'}, not Allow or Deny` };
    return normalizeStatement(applyDenies(allowVerdict(s), s, denies));
  });
  const verdict = mostOpen(statements.map((s) => s.verdict));
  const deciding = statements.filter((s) => s.verdict === verdict && verdict !== 'not-granted');
  const reason = deciding.length ? deciding.map((s) => `${statementLabel(s)}: ${s.reason}`).join('; ') : 'no statement grants access to another principal';
  return { verdict, reason, statements };
}
