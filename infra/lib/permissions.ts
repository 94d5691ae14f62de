// What the audit role must grant, derived from the code rather than written down: every AWS SDK v3 command (and
// paginator) the collectors and discovery import, mapped to its IAM action (collectors/iam-actions.ts). The infra
// test checks the vendored snapshot of the SecurityAudit managed policy plus the audit role's own statements grant
// each one, so a collector added without its permission fails CI instead of failing in every account.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { iamActionFor } from '../../collectors/iam-actions.js';

export interface ApiCall {
  /** `collectors/services/kms.ts` */
  file: string;
  client: string;
  operation: string;
  /** `kms:DescribeKey` */
  action: string;
}

/**
 * Files whose SDK calls go through the audit role, and packages a file uses with its own Lambda role instead
 * (discovery writes the account list to the feed bucket with the discover role, not the audit role).
 */
const auditRoleSources = { dir: 'collectors/services', files: ['collectors/discovery.ts'], ownRole: { 'collectors/discovery.ts': ['client-s3'] } as Record<string, string[]> };

/** The SDK calls one TypeScript file imports: `import { DescribeKeyCommand, KMSClient, paginateListKeys } from '@aws-sdk/client-kms'`. */
export function apiCallsIn(file: string, code: string, skipPackages: string[] = []): ApiCall[] {
  const calls: ApiCall[] = [];
  for (const m of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(client-[\w-]+)'/g)) {
    if (skipPackages.includes(m[2]!)) continue;
    const names = m[1]!
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith('type '))
      .map((s) => s.split(/\s+as\s+/)[0]!);
    const operations = [
      ...names.filter((n) => n.endsWith('Command')).map((n) => n.slice(0, -'Command'.length)),
      ...names.filter((n) => /^paginate[A-Z]/.test(n)).map((n) => n.slice('paginate'.length)),
    ];
    if (!operations.length) continue;
    const client = names.find((n) => n.endsWith('Client'));
    if (!client) throw new Error(`${file}: imports commands from @aws-sdk/${m[2]} without its client class, so their IAM prefix is unknown`);
    for (const operation of operations) calls.push({ file, client, operation, action: iamActionFor(client, operation) });
  }
  return calls;
}

/** Every SDK call made through the audit role, from the collector declarations and discovery. */
export function auditRoleApiCalls(repoRoot: string): ApiCall[] {
  const files = [
    ...readdirSync(join(repoRoot, auditRoleSources.dir))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `${auditRoleSources.dir}/${f}`),
    ...auditRoleSources.files,
  ];
  return files.flatMap((f) => apiCallsIn(f, readFileSync(join(repoRoot, f), 'utf8'), auditRoleSources.ownRole[f] ?? []));
}

type Statement = { Effect?: string; Action?: string | string[]; NotAction?: unknown; Resource?: unknown };

/** IAM's action matching: case-insensitive, `*` and `?` wildcards. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

/** The Allow statements' action patterns on every resource (`*`) of a policy document. */
export function allowedActions(document: { Statement?: Statement | Statement[] }): string[] {
  return ([] as Statement[])
    .concat(document.Statement ?? [])
    .filter((s) => s.Effect === 'Allow' && !s.NotAction && ([] as unknown[]).concat(s.Resource ?? []).includes('*'))
    .flatMap((s) => ([] as string[]).concat(s.Action ?? []));
}

/** The actions of `needed` that none of `granted` (patterns) allows. */
export function ungranted(needed: string[], granted: string[]): string[] {
  return [...new Set(needed)].filter((a) => !granted.some((g) => actionMatches(g, a))).sort();
}

/** The vendored AWS managed policy (`aws iam get-policy-version` output), with where and when it was taken. */
export interface ManagedPolicySnapshot {
  versionId: string;
  createDate: string;
  actions: string[];
}

export function readManagedPolicySnapshot(path: string): ManagedPolicySnapshot {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { PolicyVersion: { VersionId: string; CreateDate: string; Document: { Statement: Statement[] } } };
  const v = raw.PolicyVersion;
  return { versionId: v.VersionId, createDate: v.CreateDate, actions: allowedActions(v.Document) };
}
