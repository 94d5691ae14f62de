// Documents the processors keep in OpenSearch that are not stream records themselves.
import { z } from 'zod';
import { PublicVerdict, TrustedAccount } from '../core/schemas.js';

/** One resource that lets an external account in, as listed on that account's trusted-accounts document. */
export const TrustingResource = z.object({
  arn: z.string(),
  resourceType: z.string(),
  awsAccountId: z.string(),
  awsRegion: z.string(),
  policy: z.string(),
  via: TrustedAccount.shape.via,
  /** the policy engine's verdict and reason for the statements that let the account in (policy/trust.ts grantReason) */
  verdict: PublicVerdict.optional(),
  reason: z.string().optional(),
  /** capture time of the resource copy this entry came from: an older copy never replaces it */
  capturedAt: z.iso.datetime({ offset: true }),
});
export type TrustingResource = z.infer<typeof TrustingResource>;

/** One document per external account, listing every resource whose policies trust it. */
export const TrustedAccountDocument = z.object({
  accountId: z.string(),
  classification: TrustedAccount.shape.classification,
  name: z.string().nullable(),
  approved: z.boolean().nullable(),
  resourceCount: z.number().int().nonnegative(),
  /** accounts of ours whose resources trust it */
  trustingAccountIds: z.array(z.string()),
  resources: z.array(TrustingResource),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type TrustedAccountDocument = z.infer<typeof TrustedAccountDocument>;

/**
 * A dead-lettered stream record as indexed for the dashboards: where it was and why, never its bytes
 * (those stay in the S3 dead letter, `key`).
 */
export const DeadLetterDocument = z.object({
  stage: z.string(),
  reason: z.string(),
  /** kind and identity when the bytes were readable enough to tell */
  record: z.string().optional(),
  shardId: z.string(),
  sequenceNumber: z.string(),
  arrivalTime: z.iso.datetime({ offset: true }),
  deadLetteredAt: z.iso.datetime({ offset: true }),
  /** the S3 dead letter holding the original bytes */
  key: z.string(),
});
export type DeadLetterDocument = z.infer<typeof DeadLetterDocument>;

/**
 * A resource the latest scoring run found failing a requirement, excepted or not, as of that run: the
 * exceptions and owner dashboards read these, so they agree with the scorecards of the same run.
 */
export const FailingResourceDocument = z.object({
  accountId: z.string(),
  accountName: z.string().nullable(),
  /** the owner and executive labels the run scored the account under ("(no owner)" when untagged) */
  owner: z.string(),
  executive: z.string(),
  requirementId: z.string(),
  title: z.string(),
  severity: z.string(),
  resourceId: z.string(),
  resourceArn: z.string().nullable(),
  resourceType: z.string(),
  region: z.string(),
  evidence: z.string(),
  observedAt: z.iso.datetime({ offset: true }),
  /** an active exception covers it: it does not count as failing */
  excepted: z.boolean(),
  exception: z
    .object({
      exceptionId: z.string(),
      reason: z.string(),
      approvedBy: z.string(),
      expiresAt: z.iso.date(),
      active: z.boolean(),
      /** whole days from the run's as-of date to the expiry day (0: last day; negative: expired) */
      expiresInDays: z.number().int(),
    })
    .optional(),
  asOf: z.iso.date(),
  runAt: z.iso.datetime({ offset: true }),
});
export type FailingResourceDocument = z.infer<typeof FailingResourceDocument>;
