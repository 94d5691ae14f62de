// Every collector, by name: the names the CLI's --collectors flag, the Lambda's CENSUS_COLLECTOR and infra use.
import type { Collector } from './engine.js';
import { s3 } from './services/s3.js';

export const collectors: Collector[] = [s3];

export const collectorNames = () => collectors.map((c) => c.name);

/** The collectors by name; an unknown name is an error that lists the known ones. */
export function selectCollectors(names?: string[]): Collector[] {
  if (!names?.length) return collectors;
  return names.map((n) => {
    const c = collectors.find((x) => x.name === n);
    if (!c) throw new Error(`unknown collector "${n}"; known: ${collectorNames().join(', ')}`);
    return c;
  });
}

/** Every CloudFormation type the collectors produce. */
export const resourceTypes = () => [...new Set(collectors.flatMap((c) => c.resources.map((r) => r.resourceType)))].sort();
