// OpenSearch index and S3 key layout: the names every stage agrees on.
import { createHash } from 'node:crypto';

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
/**
 * The default prefix; a prefix lets parallel test runs and several deployments share one cluster. The configured
 * one (`indexPrefix`, CENSUS_INDEX_PREFIX) comes from platform/config.ts and is passed in: core reads no environment.
 */
export function indexPrefix(): string {
  return 'census';
}

/** Resource indexes are split per service family so one family's fields cannot crowd out another's. */
export function resourceFamily(resourceType: string): string {
  return (resourceType.split('::')[1] ?? 'other').toLowerCase();
}

export const indexNames = (prefix = indexPrefix()) => ({
  /** alias over every `${prefix}-resources-<family>` index */
  resources: `${prefix}-resources`,
  resourceFamily: (resourceType: string) => `${prefix}-resources-${resourceFamily(resourceType)}`,
  findings: `${prefix}-findings`,
  accounts: `${prefix}-accounts`,
  trustedAccounts: `${prefix}-trusted-accounts`,
  collectionErrors: `${prefix}-collection-errors`,
  /** one document per inventory run (account, region, collector): the evidence deletions wait for */
  inventoryRuns: `${prefix}-inventory-runs`,
  scores: `${prefix}-scores`,
  /** change history: one document per change of a resource (what changed, when, by which event and principal) */
  changes: `${prefix}-changes`,
  /** dead-lettered stream records (stage, reason, stream position; never the bytes): the S3 dead letters, searchable */
  deadLetters: `${prefix}-dead-letters`,
  /** the latest scoring run's scores, behind an alias swapped per run: dashboards rank by the latest score */
  currentScores: `${prefix}-current-scores`,
  /** the latest scoring run's failing and excepted resources with their exception as of the run, swapped likewise */
  currentFailing: `${prefix}-current-failing`,
});

/** S3 layout shared by collectors, processors and scoring. */
export const s3Keys = {
  /** the latest account list, read by processors and scoring */
  accounts: 'state/accounts.json',
  /**
   * The latest state of each resource at a stable key named by its ARN, the identity OpenSearch uses too, so
   * same-named resources in two regions (DynamoDB tables, Lambda functions) never share an object. ARNs too
   * long for an S3 key (1,024 bytes) are named by their SHA-256.
   */
  latestResource: (accountId: string, resourceType: string, arn: string) => {
    const name = encodeURIComponent(arn);
    return `latest/${accountId}/${resourceType.replaceAll('::', '-')}/${name.length <= 900 ? name : `sha256-${sha256Hex(arn)}`}.json`;
  },
  /** NDJSON feed partitioned by kind and hour */
  feedPrefix: (kind: string, at: Date) => {
    const iso = at.toISOString();
    return `feed/${kind}/dt=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/`;
  },
  /** the feed's daily full snapshot (feed/snapshot.ts): parts and a manifest under the UTC day */
  snapshotPrefix: (day: string) => `feed/snapshot/dt=${day}/`,
  deadLetterPrefix: (stage: string, at: Date) => `dead-letter/${stage}/dt=${at.toISOString().slice(0, 10)}/`,
  oversize: (sha256: string) => `oversize/${sha256.slice(0, 2)}/${sha256}.json`,
  scorecards: (asOf: string) => `scorecards/${asOf}/`,
};
