// AWS partitions, from names alone: which partition a region or an ARN belongs to. Pure, so the event router, the
// output formats and the collectors share one rule.

/** `aws`, `aws-us-gov` or `aws-cn` from a region name. */
export function partitionOfRegion(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}
