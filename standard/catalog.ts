// The requirements catalog: a YAML file the security team reads and replaces, validated on load.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { builtinChecks } from './checks/index.js';
import { ConditionSchema, conditionProblems } from './condition.js';

export const DEFAULT_CATALOG_PATH = fileURLToPath(new URL('./catalog.yaml', import.meta.url));

export const RequirementSeverity = z.enum(['critical', 'high', 'medium', 'low']);
export type RequirementSeverity = z.infer<typeof RequirementSeverity>;
export const DEFAULT_WEIGHTS: Record<RequirementSeverity, number> = { critical: 10, high: 5, medium: 3, low: 1 };

const RESOURCE_TYPE = z.string().regex(/^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/, 'must be a CloudFormation type like AWS::S3::Bucket');

const RequirementInput = z.strictObject({
  id: z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/, 'must look like CSS-S3-01'),
  title: z.string().min(1),
  description: z.string().min(1),
  severity: RequirementSeverity,
  weight: z.number().nonnegative().optional(),
  resourceTypes: z.array(RESOURCE_TYPE).optional(),
  remediation: z.string().min(1),
  /** framework → control ids, e.g. `cis-aws-foundations-v3.0.0: ["1.4"]`, `aws-fsbp: ["IAM.4"]` */
  references: z.record(z.string(), z.array(z.string())).default({}),
  /** a built-in check id (checks/*.ts) */
  check: z.string().optional(),
  /** a custom rule: passes when the condition holds */
  condition: ConditionSchema.optional(),
  /** a custom rule applies only to records for which this holds */
  when: ConditionSchema.optional(),
  /** "not public" checks: a policy open to anyone on a source IP, VPC or VPC endpoint passes, fails or passes with a warning */
  networkRestricted: z.enum(['pass', 'fail', 'warn']).optional(),
});

const CatalogInput = z.strictObject({
  name: z.string().default('Cloud Security Standard'),
  version: z.union([z.string(), z.number()]).transform(String),
  requirements: z.array(RequirementInput).min(1),
  /** external tool → its check or control id → requirement id */
  mappings: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});

export interface Requirement extends Omit<z.infer<typeof RequirementInput>, 'weight' | 'resourceTypes'> {
  weight: number;
  resourceTypes: string[];
  /** where this requirement runs: on each record, or over an account's inventory */
  scope: 'resource' | 'sweep';
}

export interface Catalog {
  name: string;
  version: string;
  /** the file it came from, for error messages */
  source: string;
  requirements: Requirement[];
  mappings: Record<string, Record<string, string>>;
}

export class CatalogError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid catalog ${source}:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogError';
  }
}

/** `requirements.3.severity` → `requirements[3] (CSS-S3-01).severity`, so the reader finds the entry. */
function locate(path: PropertyKey[], raw: unknown): string {
  const reqs = (raw as { requirements?: unknown[] } | null)?.requirements;
  return path
    .map((p, i) => {
      if (typeof p === 'number') {
        const id = path[i - 1] === 'requirements' && Array.isArray(reqs) ? (reqs[p] as { id?: unknown } | undefined)?.id : undefined;
        return `[${p}]${typeof id === 'string' ? ` (${id})` : ''}`;
      }
      return i === 0 ? String(p) : `.${String(p)}`;
    })
    .join('');
}

/** True for the built-in checks that read a requirement's `networkRestricted` setting. */
function hasNetworkSetting(checkId: string | undefined): boolean {
  const check = checkId ? builtinChecks.get(checkId) : undefined;
  return check?.scope === 'resource' && check.networkRestrictedDefault !== undefined;
}

/** Validate a catalog object; every problem is collected so one load shows them all. */
export function parseCatalog(raw: unknown, source = '(inline catalog)'): Catalog {
  const parsed = CatalogInput.safeParse(raw);
  if (!parsed.success) {
    throw new CatalogError(source, parsed.error.issues.map((i) => `${locate(i.path, raw) || '(root)'}: ${i.message}`));
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  const requirements: Requirement[] = parsed.data.requirements.map((r, i) => {
    const where = `requirements[${i}] (${r.id})`;
    if (seen.has(r.id)) problems.push(`${where}.id: duplicate requirement id`);
    seen.add(r.id);
    if (Boolean(r.check) === Boolean(r.condition)) problems.push(`${where}: needs exactly one of check (built-in) or condition (custom rule)`);
    if (r.when && !r.condition) problems.push(`${where}.when: only custom rules (condition) take a when clause`);
    if (r.networkRestricted && !hasNetworkSetting(r.check)) problems.push(`${where}.networkRestricted: only "not public" checks (s3_bucket_policy_not_public, resource_policy_not_public) take it`);
    let scope: Requirement['scope'] = 'resource';
    let resourceTypes = r.resourceTypes ?? [];
    if (r.check) {
      const check = builtinChecks.get(r.check);
      if (!check) {
        problems.push(`${where}.check: unknown built-in check "${r.check}" (known: ${[...builtinChecks.keys()].sort().join(', ')})`);
      } else {
        scope = check.scope;
        const unsupported = resourceTypes.filter((t) => !check.resourceTypes.includes(t));
        if (unsupported.length) problems.push(`${where}.resourceTypes: check ${check.id} does not evaluate ${unsupported.join(', ')} (it evaluates ${check.resourceTypes.join(', ')})`);
        if (resourceTypes.length === 0) resourceTypes = check.resourceTypes;
      }
    }
    if (r.condition) {
      if (resourceTypes.length === 0) problems.push(`${where}.resourceTypes: a custom rule must name the resource types it applies to`);
      problems.push(...conditionProblems(r.condition, `${where}.condition`));
      if (r.when) problems.push(...conditionProblems(r.when, `${where}.when`));
    }
    return { ...r, weight: r.weight ?? DEFAULT_WEIGHTS[r.severity], resourceTypes, scope };
  });
  for (const [tool, table] of Object.entries(parsed.data.mappings)) {
    for (const [externalId, requirementId] of Object.entries(table)) {
      if (!seen.has(requirementId)) problems.push(`mappings.${tool}.${externalId}: unknown requirement id "${requirementId}"`);
    }
  }
  if (problems.length) throw new CatalogError(source, problems);
  return { name: parsed.data.name, version: parsed.data.version, source, requirements, mappings: parsed.data.mappings };
}

/** Load and validate a catalog file (YAML or JSON); without a path, the Cloud Security Standard shipped here. */
export function loadCatalogFile(path: string = DEFAULT_CATALOG_PATH): Catalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CatalogError(path, [`cannot read: ${(err as Error).message}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) throw new CatalogError(path, doc.errors.map((e) => `YAML: ${e.message}`));
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // an alias bomb (billion laughs) is refused by the YAML library while resolving aliases
    throw new CatalogError(path, [`YAML: ${(err as Error).message}`]);
  }
  return parseCatalog(raw, path);
}

/** The requirement an external tool's id maps to, or '' when the catalog has no mapping. */
export function mapExternalId(catalog: Catalog, tool: string, ids: (string | undefined)[]): string {
  const table = catalog.mappings[tool] ?? {};
  for (const id of ids) if (id && table[id]) return table[id]!;
  return '';
}
