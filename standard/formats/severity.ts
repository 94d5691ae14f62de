// Severity names across formats: FindingRecord (lower case), ASFF labels, OCSF severity_id.
import type { Severity } from '../../core/schemas.js';

export const ASFF_LABEL: Record<Severity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', informational: 'INFORMATIONAL' };
export const OCSF_SEVERITY_ID: Record<Severity, number> = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 };

export function severityFromLabel(label: unknown): Severity | undefined {
  const s = String(label ?? '').toLowerCase();
  return s in ASFF_LABEL ? (s as Severity) : undefined;
}

/** OCSF severity_id → FindingRecord severity (Fatal counts as critical; Unknown/Other as informational). */
export function severityFromOcsf(id: unknown): Severity {
  const n = Number(id);
  return n >= 5 ? 'critical' : n === 4 ? 'high' : n === 3 ? 'medium' : n === 2 ? 'low' : 'informational';
}

/** ASFF Severity.Normalized (0-100) → label, as Security Hub defines the ranges. */
export function severityFromNormalized(n: unknown): Severity {
  const v = Number(n);
  return v >= 90 ? 'critical' : v >= 70 ? 'high' : v >= 40 ? 'medium' : v >= 1 ? 'low' : 'informational';
}
