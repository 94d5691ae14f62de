// OCSF: FindingRecords out as Compliance Findings (class 2003) and Prowler's OCSF JSON output in.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SCHEMA_VERSION, type FindingRecord } from '../../core/schemas.js';
import { mapExternalId, type Catalog } from '../catalog.js';
import type { ImportResult } from './asff.js';
import { InputFileError, parseEntry, readEntries, type Entry } from './entries.js';
import { cfnResourceType } from './resource-types.js';
import { OCSF_SEVERITY_ID, severityFromOcsf } from './severity.js';

export const OCSF_VERSION = '1.5.0';
const COMPLIANCE_FINDING = 2003;
const ACTIVITY_CREATE = 1;
const STATUS = { New: 1, Suppressed: 3, Resolved: 4 } as const;
const COMPLIANCE_STATUS = { Pass: 1, Fail: 3 } as const;
const SEVERITY_NAME = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];

export interface OcsfOptions {
  catalog?: Catalog;
  productVersion?: string;
}

/** One finding as an OCSF Compliance Finding. Under an active exception it is Suppressed (status_id 3), never left out. */
export function toOcsf(finding: FindingRecord, opts: OcsfOptions = {}): Record<string, unknown> {
  const req = opts.catalog?.requirements.find((r) => r.id === finding.requirementId);
  const suppressed = finding.exception?.active === true;
  const statusName = suppressed ? 'Suppressed' : finding.status === 'PASS' ? 'Resolved' : 'New';
  const time = Date.parse(finding.observedAt);
  const severityId = OCSF_SEVERITY_ID[finding.severity];
  const standards = opts.catalog ? [`${opts.catalog.name} ${opts.catalog.version}`] : ['Cloud Security Standard'];
  const requirements = Object.entries(req?.references ?? {}).flatMap(([fw, ids]) => ids.map((id) => `${fw} ${id}`));
  return {
    activity_id: ACTIVITY_CREATE,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: COMPLIANCE_FINDING,
    class_name: 'Compliance Finding',
    type_uid: COMPLIANCE_FINDING * 100 + ACTIVITY_CREATE,
    type_name: 'Compliance Finding: Create',
    severity_id: severityId,
    severity: SEVERITY_NAME[severityId],
    status_id: STATUS[statusName],
    status: statusName,
    ...(finding.exception
      ? { status_detail: `${finding.exception.active ? 'accepted risk' : 'expired exception'} ${finding.exception.exceptionId}: ${finding.exception.reason} (approved by ${finding.exception.approvedBy}, expires ${finding.exception.expiresAt})` }
      : {}),
    time,
    time_dt: finding.observedAt,
    message: finding.evidence,
    metadata: {
      version: OCSF_VERSION,
      uid: finding.findingId,
      event_code: finding.requirementId || finding.externalId,
      profiles: ['cloud'],
      product: { name: 'Census', vendor_name: 'Census', uid: 'census', ...(opts.productVersion ? { version: opts.productVersion } : {}) },
    },
    finding_info: {
      uid: finding.findingId,
      title: finding.title || finding.requirementId || finding.externalId || 'Census finding',
      desc: finding.evidence,
      created_time: time,
      created_time_dt: finding.observedAt,
      types: ['Cloud Security Standard'],
    },
    compliance: {
      control: finding.requirementId || finding.externalId,
      standards,
      ...(requirements.length ? { requirements } : {}),
      status_id: finding.status === 'PASS' ? COMPLIANCE_STATUS.Pass : COMPLIANCE_STATUS.Fail,
      status: finding.status === 'PASS' ? 'Pass' : 'Fail',
      ...(req ? { desc: req.description } : {}),
    },
    resources: [
      {
        uid: finding.resourceArn ?? finding.resourceId,
        name: finding.resourceId,
        type: finding.resourceType,
        region: finding.region,
        cloud_partition: finding.resourceArn?.startsWith('arn:') ? finding.resourceArn.split(':')[1] : 'aws',
      },
    ],
    cloud: {
      provider: 'aws',
      ...(finding.region !== 'global' ? { region: finding.region } : {}),
      account: { uid: finding.accountId, name: finding.account?.name ?? finding.accountId, type: 'AWS Account', type_id: 10 },
    },
    ...(req ? { remediation: { desc: req.remediation } } : {}),
    unmapped: {
      census: {
        requirementId: finding.requirementId,
        source: finding.source,
        ...(finding.externalId ? { externalId: finding.externalId } : {}),
        ...(finding.exception ? { exception: finding.exception } : {}),
        ...(finding.account ? { owner: finding.account.owner, executive: finding.account.executive, ouPath: finding.account.ouPath } : {}),
      },
    },
  };
}

// --- Prowler import -----------------------------------------------------------------------------------

const ProwlerFinding = z.looseObject({
  metadata: z.looseObject({ event_code: z.string().min(1) }),
  status_code: z.string(),
  severity_id: z.number().optional(),
  severity: z.string().optional(),
  status_detail: z.string().optional(),
  message: z.string().optional(),
  time_dt: z.string().optional(),
  time: z.number().optional(),
  finding_info: z.looseObject({ uid: z.string().min(1), title: z.string().optional() }),
  cloud: z.looseObject({ account: z.looseObject({ uid: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id') }), region: z.string().optional() }),
  resources: z.array(z.looseObject({ uid: z.string().min(1), type: z.string().optional(), region: z.string().optional() })).min(1),
});

function observedAt(f: z.infer<typeof ProwlerFinding>, position: string, file: string): string {
  // Prowler writes `time` in seconds (OCSF says milliseconds) and `time_dt` without a zone (it is UTC): accept both
  const dt = f.time_dt && !/(Z|[+-]\d\d:?\d\d)$/.test(f.time_dt) ? `${f.time_dt}Z` : f.time_dt;
  const t = dt ? Date.parse(dt) : f.time !== undefined ? (f.time < 1e12 ? f.time * 1000 : f.time) : NaN;
  if (Number.isNaN(t)) throw new InputFileError(file, position, 'not a Prowler OCSF finding: neither time_dt nor time is a timestamp');
  return new Date(t).toISOString();
}

/** Prowler OCSF JSON findings (Detection Findings, class 2004) → FindingRecords via `mappings.prowler`. */
export function fromProwlerOcsf(entries: Entry[], catalog: Catalog, file = 'OCSF input'): ImportResult {
  const findings: FindingRecord[] = [];
  const skipped: ImportResult['skipped'] = [];
  for (const entry of entries) {
    const f = parseEntry(ProwlerFinding, entry, file, 'a Prowler OCSF finding');
    const check = f.metadata.event_code;
    if (f.status_code !== 'PASS' && f.status_code !== 'FAIL') {
      skipped.push({ position: entry.position, reason: `${f.finding_info.uid}: status_code ${f.status_code} (not evaluated automatically)` });
      continue;
    }
    const when = observedAt(f, entry.position, file);
    for (const r of f.resources) {
      findings.push({
        recordType: 'finding',
        schemaVersion: SCHEMA_VERSION,
        findingId: createHash('sha256').update(`prowler|${f.finding_info.uid}|${r.uid}`).digest('hex').slice(0, 32),
        requirementId: mapExternalId(catalog, 'prowler', [check]),
        status: f.status_code,
        severity: severityFromOcsf(f.severity_id),
        ...(f.finding_info.title ? { title: f.finding_info.title } : {}),
        resourceType: r.type ? cfnResourceType(r.type) : 'Other',
        resourceId: r.uid,
        resourceArn: r.uid.startsWith('arn:') ? r.uid : null,
        accountId: f.cloud.account.uid,
        region: r.region || f.cloud.region || 'global',
        source: 'prowler',
        evidence: f.status_detail ?? f.message ?? '',
        observedAt: when,
        externalId: check,
      });
    }
  }
  return { findings, skipped };
}

export function readProwlerOcsfFile(file: string, catalog: Catalog): ImportResult {
  return fromProwlerOcsf(readEntries(file, ['findings']), catalog, file);
}
