// What a trust or resource policy grants, summarised from the engine's per-statement verdicts: the AWS
// accounts let in, the organizations, services and federated providers, and the policy's verdict.
// Pure and total: any JSON in, a result out, never a throw.
import { analysePolicy, mostOpen, type AccountGrant, type StatementVerdict, type Verdict } from './engine.js';

export { accountOf, statementsOf, type AccountGrant } from './engine.js';

export interface PolicyPrincipals {
  /** sorted by accountId then via, without duplicates */
  accounts: AccountGrant[];
  /** the verdict is `public`: some principal outside named accounts and organizations can be granted access */
  public: boolean;
  /** the most open statement verdict (see policy/engine.ts) */
  verdict: Verdict;
  /** organizations (aws:PrincipalOrgID, org paths) that pin a principal */
  organizations: string[];
  /** service principals (`cloudtrail.amazonaws.com`) */
  services: string[];
  /** federated principals (SAML providers, `cognito-identity.amazonaws.com`) */
  federated: string[];
}

type Grants = Pick<PolicyPrincipals, 'accounts' | 'organizations' | 'services' | 'federated'>;

function merge(parts: Grants[], verdict: Verdict): PolicyPrincipals {
  return normalize({
    accounts: parts.flatMap((p) => p.accounts),
    public: verdict === 'public',
    verdict,
    organizations: parts.flatMap((p) => p.organizations),
    services: parts.flatMap((p) => p.services),
    federated: parts.flatMap((p) => p.federated),
  });
}

/** The summary of statement verdicts; a statement whose grant is removed (`not-granted`) contributes nothing. */
export function principalsOf(statements: StatementVerdict[], verdict: Verdict = mostOpen(statements.map((s) => s.verdict))): PolicyPrincipals {
  return merge(statements.filter((s) => s.verdict !== 'not-granted'), verdict);
}

/** What one statement grants on its own (no Deny of a surrounding policy applies). */
export function statementPrincipals(statement: unknown): PolicyPrincipals {
  return policyPrincipals({ Statement: [statement] });
}

/** What a whole policy grants, after its Deny statements. */
export function policyPrincipals(policy: unknown): PolicyPrincipals {
  const analysis = analysePolicy(policy);
  return principalsOf(analysis.statements, analysis.verdict);
}

export function unionPrincipals(parts: PolicyPrincipals[]): PolicyPrincipals {
  return merge(parts, mostOpen(parts.map((p) => p.verdict)));
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
  // Object.assign then stores rather than a spread literal (cheaper in V8 on this per-record path): same keys, same order
  const out = Object.assign({}, p);
  out.accounts = accounts;
  out.organizations = sortedUnique(p.organizations);
  out.services = sortedUnique(p.services);
  out.federated = sortedUnique(p.federated);
  return out;
}
