// `census policy principals`: what every policy in a document grants, statement by statement, from the engine.
// Pure: the document is already read; the organization's accounts and the trusted-accounts register come in.
import type { PublicVerdict } from '../core/schemas.js';
import { isRecord } from '../core/util.js';
import { decodePolicyDocument } from './decode.js';
import { analysePolicy } from './engine.js';
import { principalsOf } from './principals.js';
import { classifyAccount, scanPolicies, summarise, type RecordStatement, type TrustContext } from './trust.js';

/** A policy file: JSON, a JSON string holding JSON, URL-encoded or double-encoded JSON (as IAM returns it). */
export function parsePolicyText(text: string, source: string): unknown {
  const t = text.trim();
  if (!t) throw new Error(`${source}: the file is empty`);
  let value: unknown;
  try {
    value = decodePolicyDocument(t);
  } catch (err) {
    throw new Error(`${source}: not a JSON (or URL-encoded JSON) policy document: ${(err as Error).message}`);
  }
  // a policy serialized twice (a JSON string holding the document)
  if (typeof value === 'string') return parsePolicyText(value, source);
  return value;
}

type ClassifiedAccount = ReturnType<typeof classifyAccount> & { accountId: string; via: string };

export interface PrincipalsReport {
  source: string;
  /** the most open verdict of every statement of every policy, and why */
  verdict: PublicVerdict;
  reason: string;
  public: boolean;
  policies: { path: string; verdict: PublicVerdict; reason: string; accounts: ClassifiedAccount[]; public: boolean; organizations: string[]; services: string[]; federated: string[] }[];
  /** every statement with its verdict, reason, principals and the condition that decided */
  statements: RecordStatement[];
  accounts: ClassifiedAccount[];
}

/** What every policy in a document grants; the document may be a policy, or a record/config holding policies. */
export function principalsReport(doc: unknown, source: string, ctx: TrustContext): PrincipalsReport {
  const isPolicy = isRecord(doc) && 'Statement' in doc;
  const scan = isPolicy ? { found: [{ path: '(document)', document: doc }], unreadable: [] } : scanPolicies({ configuration: isRecord(doc) ? doc : { document: doc }, supplementaryConfiguration: {} });
  if (!scan.found.length && !scan.unreadable.length) throw new Error(`${source}: no policy document found (an object with a Statement, as JSON, a JSON string or URL-encoded)`);
  const classify = (a: { accountId: string; via: string }): ClassifiedAccount => ({ accountId: a.accountId, via: a.via, ...classifyAccount(a.accountId, ctx) });
  const shortPath = (p: string) => p.replace(/^configuration\.?/, '') || '(document)';
  const statements: RecordStatement[] = [];
  const policies: PrincipalsReport['policies'] = [];
  const accounts = new Map<string, ClassifiedAccount>();
  for (const p of scan.found) {
    const analysis = analysePolicy(p.document);
    const path = shortPath(p.path);
    const principals = principalsOf(analysis.statements, analysis.verdict);
    policies.push({ path, ...principals, verdict: analysis.verdict, reason: analysis.reason, accounts: principals.accounts.map(classify) });
    for (const a of principals.accounts) accounts.set(`${a.accountId}|${a.via}`, classify(a));
    for (const s of analysis.statements) {
      statements.push({
        policy: path, statement: s.index, sid: s.sid, verdict: s.verdict, reason: s.reason, principals: s.principals, actions: s.actions,
        accounts: [...new Set(s.accounts.map((a) => a.accountId))], organizations: s.organizations, networks: s.networks, condition: s.condition,
      });
    }
    if (!analysis.statements.length) statements.push({ policy: path, statement: 0, sid: null, verdict: analysis.verdict, reason: analysis.reason, principals: [], actions: [], accounts: [], organizations: [], networks: [], condition: null });
  }
  for (const u of scan.unreadable) {
    const path = shortPath(u.path);
    policies.push({ path, verdict: 'undecided', reason: u.reason, accounts: [], public: false, organizations: [], services: [], federated: [] });
    statements.push({ policy: path, statement: 0, sid: null, verdict: 'undecided', reason: u.reason, principals: [], actions: [], accounts: [], organizations: [], networks: [], condition: null });
  }
  const { verdict, reason } = summarise(statements);
  const sorted = [...accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId) || a.via.localeCompare(b.via));
  return { source, verdict, reason, public: verdict === 'public', policies, statements, accounts: sorted };
}
