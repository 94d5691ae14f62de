// The collectors the state machine fans out to, one Lambda function each. The list is the product's own
// registry (collectors/registry.ts), so a new collector gets its function and alarms on the next deploy.
// `-c collectors=s3,iam` deploys a subset; the names reach the function as CENSUS_COLLECTOR and in the event.
import { collectorNames } from '../../collectors/registry.js';

/** Every collector the product has. */
export function registeredCollectors(): string[] {
  return collectorNames();
}

/** The configured subset, or all; an unknown name fails synthesis with the known ones listed. */
export function resolveCollectors(configured?: string[]): string[] {
  const known = registeredCollectors();
  if (!configured?.length) return known;
  const unknown = configured.filter((c) => !known.includes(c));
  if (unknown.length) throw new Error(`CDK context collectors: unknown ${unknown.map((c) => `"${c}"`).join(', ')}; known: ${known.join(', ')}`);
  return [...new Set(configured)];
}

/** A Lambda function name part: `census-collector-elbv2`. */
export function collectorFunctionSuffix(collector: string): string {
  if (!/^[a-z0-9-]{1,30}$/.test(collector)) {
    throw new Error(`collector name "${collector}": expected lowercase letters, digits and dashes (at most 30)`);
  }
  return collector;
}
