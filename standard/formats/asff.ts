// AWS Security Finding Format: FindingRecords out (ready for BatchImportFindings) and Security Hub findings in.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { partitionOfRegion } from '../../core/partitions.js';
import { SCHEMA_VERSION, type FindingRecord, type Severity } from '../../core/schemas.js';
import { mapExternalId, type Catalog } from '../catalog.js';
import { parseEntry, readEntries, type Entry } from './entries.js';
import { asffResourceType, cfnResourceType } from './resource-types.js';
import { ASFF_LABEL, severityFromLabel, severityFromNormalized } from './severity.js';

export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** BatchImportFindings takes at most 100 findings per call. */
export const ASFF_BATCH_LIMIT = 100;

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const partitionOf = (arn: string | null) => (arn?.startsWith('arn:') ? arn.split(':')[1]! : 'aws');

export interface AsffOptions {
  /** the Security Hub region the findings are imported into (the product ARN names it) */
  region: string;
  /**
   * the account calling BatchImportFindings: a custom integration imports into its own default product, and
   * only a Security Hub administrator may import findings about its member accounts (default: the finding's account)
   */
  productAccountId?: string;
  catalog?: Catalog;
}

/** One finding in ASFF. A finding under an active exception is SUPPRESSED, never left out. */
export function toAsff(finding: FindingRecord, opts: AsffOptions): Record<string, unknown> {
  const req = opts.catalog?.requirements.find((r) => r.id === finding.requirementId);
  const related = Object.entries(req?.references ?? {}).flatMap(([fw, ids]) => ids.map((id) => `${fw}/${id}`)).slice(0, 32);
  const suppressed = finding.exception?.active === true;
  const resource: Record<string, unknown> = {
    Type: asffResourceType(finding.resourceType),
    // account and account/region subjects: Security Hub's own account resource id; the region goes in Region
    Id: finding.resourceArn ?? (finding.resourceType === 'AWS::::Account' ? `AWS::::Account:${finding.accountId}` : finding.resourceId),
    Partition: partitionOf(finding.resourceArn),
  };
  if (finding.region !== 'global') resource.Region = finding.region;
  const out: Record<string, unknown> = {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: finding.findingId,
    // the product lives in the partition of the Security Hub region the findings are imported into
    ProductArn: `arn:${partitionOfRegion(opts.region)}:securityhub:${opts.region}:${opts.productAccountId ?? finding.accountId}:product/${opts.productAccountId ?? finding.accountId}/default`,
    ProductName: 'Census',
    CompanyName: 'Census',
    GeneratorId: finding.requirementId || finding.externalId || finding.source,
    AwsAccountId: finding.accountId,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards/Cloud Security Standard'],
    CreatedAt: finding.observedAt,
    UpdatedAt: finding.observedAt,
    // Security Hub reports passed controls as INFORMATIONAL; the requirement's severity stays in ProductFields
    Severity: { Label: finding.status === 'PASS' ? 'INFORMATIONAL' : ASFF_LABEL[finding.severity], Original: finding.severity },
    Title: clip(finding.title || finding.requirementId || finding.externalId || 'Census finding', 256),
    Description: clip(finding.evidence || finding.status, 1024),
    Resources: [resource],
    Compliance: { Status: finding.status === 'PASS' ? 'PASSED' : 'FAILED', ...(related.length ? { RelatedRequirements: related } : {}) },
    Workflow: { Status: suppressed ? 'SUPPRESSED' : finding.status === 'PASS' ? 'RESOLVED' : 'NEW' },
    RecordState: 'ACTIVE',
    ProductFields: {
      'census/requirementId': finding.requirementId,
      'census/source': finding.source,
      'census/severity': finding.severity,
      // ASFF has no "global" region: keep Census's own, so a finding read back is the finding written
      'census/region': finding.region,
      ...(finding.externalId ? { 'census/externalId': finding.externalId } : {}),
      ...(finding.exception ? { 'census/exceptionId': finding.exception.exceptionId } : {}),
    },
  };
  if (req?.remediation) out.Remediation = { Recommendation: { Text: clip(req.remediation, 512) } };
  if (finding.exception) {
    const e = finding.exception;
    out.Note = {
      Text: clip(`${e.active ? 'Accepted risk' : 'Expired exception'} ${e.exceptionId}: ${e.reason} (approved by ${e.approvedBy}, expires ${e.expiresAt})`, 512),
      UpdatedBy: 'census',
      UpdatedAt: finding.observedAt,
    };
  }
  return out;
}

/** Split into BatchImportFindings requests of at most 100 findings. */
export function asffBatches<T>(findings: T[], size = ASFF_BATCH_LIMIT): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < findings.length; i += size) batches.push(findings.slice(i, i + size));
  return batches;
}

// --- import -------------------------------------------------------------------------------------------

const AsffFinding = z.looseObject({
  Id: z.string().min(1),
  ProductArn: z.string().min(1),
  GeneratorId: z.string().min(1),
  AwsAccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  UpdatedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a timestamp'),
  Title: z.string(),
  Description: z.string().optional(),
  Region: z.string().optional(),
  Severity: z.looseObject({ Label: z.string().optional(), Normalized: z.number().optional() }).optional(),
  Resources: z.array(z.looseObject({ Type: z.string(), Id: z.string().min(1), Region: z.string().optional() })).min(1),
  Compliance: z.looseObject({ Status: z.string().optional(), SecurityControlId: z.string().optional() }).optional(),
  ProductFields: z.record(z.string(), z.string()).optional(),
  ProductName: z.string().optional(),
  Workflow: z.looseObject({ Status: z.string().optional() }).optional(),
  RecordState: z.string().optional(),
});
export type AsffFinding = z.infer<typeof AsffFinding>;

export interface ImportResult {
  findings: FindingRecord[];
  /** entries deliberately not turned into findings (e.g. Compliance NOT_AVAILABLE), with why */
  skipped: { position: string; reason: string }[];
}

/** Control ids a Security Hub finding may be mapped by, most specific first. */
function candidateIds(f: AsffFinding): string[] {
  const generator = f.GeneratorId;
  return [
    f.Compliance?.SecurityControlId,
    f.ProductFields?.ControlId,
    f.ProductFields?.RuleId,
    // `security-control/S3.8`, `aws-foundational-security-best-practices/v/1.0.0/S3.8`; not an ARN's tail
    !generator.startsWith('arn:') && generator.includes('/') ? generator.slice(generator.lastIndexOf('/') + 1) : undefined,
    generator,
  ].filter((x): x is string => Boolean(x));
}

function statusOf(f: AsffFinding): 'PASS' | 'FAIL' | undefined {
  const c = f.Compliance?.Status;
  if (c === 'PASSED') return 'PASS';
  if (c === 'FAILED' || c === 'WARNING') return 'FAIL';
  if (c === 'NOT_AVAILABLE') return undefined;
  // not a compliance check (a GuardDuty or Inspector finding): open is a failure, archived or resolved is not
  return f.RecordState === 'ARCHIVED' || f.Workflow?.Status === 'RESOLVED' ? 'PASS' : 'FAIL';
}

/** Security Hub findings (ASFF) → FindingRecords, mapped to requirements through `mappings.securityhub`. */
export function fromAsff(entries: Entry[], catalog: Catalog, file = 'ASFF input'): ImportResult {
  const findings: FindingRecord[] = [];
  const skipped: ImportResult['skipped'] = [];
  for (const entry of entries) {
    const f = parseEntry(AsffFinding, entry, file, 'an ASFF finding');
    const status = statusOf(f);
    if (!status) {
      skipped.push({ position: entry.position, reason: `${f.Id}: Compliance.Status NOT_AVAILABLE (the control could not be evaluated)` });
      continue;
    }
    const ids = candidateIds(f);
    // a finding Census exported names its requirement; Prowler's own integration names checks `prowler-<check id>`
    const own = f.ProductFields?.['census/requirementId'];
    const requirementId =
      (own && catalog.requirements.some((r) => r.id === own) ? own : '') ||
      mapExternalId(catalog, 'securityhub', ids) ||
      mapExternalId(catalog, 'prowler', ids.map((id) => id.replace(/^prowler-/, '')));
    const severity: Severity = severityFromLabel(f.Severity?.Label) ?? severityFromNormalized(f.Severity?.Normalized);
    const productRegion = f.ProductArn.split(':')[3];
    for (const r of f.Resources) {
      const arn = r.Id.startsWith('arn:') ? r.Id : null;
      findings.push({
        recordType: 'finding',
        schemaVersion: SCHEMA_VERSION,
        findingId: createHash('sha256').update(`securityhub|${f.Id}|${r.Id}`).digest('hex').slice(0, 32),
        requirementId,
        status,
        severity,
        title: f.Title,
        resourceType: cfnResourceType(r.Type),
        resourceId: r.Id,
        resourceArn: arn,
        accountId: f.AwsAccountId,
        region: r.Region ?? f.ProductFields?.['census/region'] ?? f.Region ?? (productRegion || 'global'),
        source: f.ProductName ? `securityhub:${f.ProductName}` : 'securityhub',
        evidence: f.Description ?? f.Title,
        observedAt: new Date(f.UpdatedAt).toISOString(),
        externalId: ids[0] ?? f.GeneratorId,
      });
    }
  }
  return { findings, skipped };
}

/** An ASFF file: GetFindings output / BatchImportFindings input (`{ Findings: [...] }`), a JSON array, or NDJSON. */
export function readAsffFile(file: string, catalog: Catalog): ImportResult {
  return fromAsff(readEntries(file, ['Findings', 'findings']), catalog, file);
}
