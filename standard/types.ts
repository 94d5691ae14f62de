// Shapes shared by the catalog, the built-in checks and the evaluator.
import type { ResourceRecord } from '../core/schemas.js';

export type CheckStatus = 'PASS' | 'FAIL';

/** What a check says about one resource: PASS or FAIL, and evidence a security engineer can act on. */
export interface CheckResult {
  status: CheckStatus;
  evidence: string;
  /** a PASS that still asks for attention (a requirement set to warn on network-restricted policies) */
  warning?: boolean;
}

/** How a "not public" requirement treats a policy open to anyone on a source IP, VPC or VPC endpoint. */
export type NetworkRestricted = 'pass' | 'fail' | 'warn';

export interface CheckContext {
  /**
   * when the evaluation happens: age thresholds (90-day keys) are measured from here. Given only to a check that
   * declares `clock` (read it with checks/util.ts clockOf): whether a finding can change while its record does not
   * must be known from the declarations (processors/derivation.ts skips re-deriving unchanged records).
   */
  now?: Date;
  /** the requirement's `networkRestricted` setting; each "not public" check has its own default */
  networkRestricted?: NetworkRestricted;
}

/**
 * A resource-level built-in check. Pure: takes one record, returns its result, or `undefined`
 * when the record is out of the check's scope (an AWS-managed KMS key, a user without keys...).
 */
export interface ResourceCheck {
  id: string;
  scope: 'resource';
  /** CloudFormation types the check understands; a requirement may narrow them */
  resourceTypes: string[];
  /** which AWS API response fields the check reads, for people writing collectors */
  reads: string;
  /** "not public" checks: the verdict for a network-restricted policy when the requirement does not say */
  networkRestrictedDefault?: NetworkRestricted;
  /** the check reads the clock (`ctx.now`): its result can change while the record stays the same */
  clock?: true;
  evaluate(record: ResourceRecord, ctx: CheckContext): CheckResult | undefined;
}

/**
 * An account- or region-level result, e.g. a region without a GuardDuty detector. Its subject is always
 * the account (`global`) or `account/region`, never the detector, so a FAIL and the later PASS share one findingId.
 */
export interface SweepResult extends CheckResult {
  /** `global` for account-level requirements */
  region: string;
}

/** A resource type the inventory could not read in one region (`global` for global services). */
export interface CollectionFailure {
  resourceType: string;
  region: string;
  /** the collection error: `AccessDeniedException: ...` */
  reason: string;
}

export interface SweepScope {
  accountId: string;
  regions: string[];
  resources: ResourceRecord[];
  /**
   * What this run failed to read. A requirement whose types failed is not evaluated (no PASS, no FAIL, so no
   * score) where the failure reaches: in that region for a region-level check, anywhere for an account-level one.
   */
  failures?: CollectionFailure[];
}

/** An account- or region-level check over one account's complete inventory. */
export interface SweepCheck {
  id: string;
  scope: 'sweep';
  /** the types the check looks for in the inventory */
  resourceTypes: string[];
  reads: string;
  /** `account`: one result per account; `region`: one result per inventoried region */
  level: 'account' | 'region';
  evaluate(scope: SweepScope, ctx: CheckContext): SweepResult[];
}

export type BuiltinCheck = ResourceCheck | SweepCheck;
