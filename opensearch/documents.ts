// Documents the processors keep in OpenSearch that are not stream records themselves.
import { z } from 'zod';
import { TrustedAccount } from '../core/schemas.js';

/** One resource that lets an external account in, as listed on that account's trusted-accounts document. */
export const TrustingResource = z.object({
  arn: z.string(),
  resourceType: z.string(),
  awsAccountId: z.string(),
  awsRegion: z.string(),
  policy: z.string(),
  via: TrustedAccount.shape.via,
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
