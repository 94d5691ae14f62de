// What a live cluster says about the indexes a pattern matches: the merged field types of every index
// behind the pattern's title, read from `_mapping`. The contract check runs on these in CI.
import type { Client } from '@opensearch-project/opensearch';
import type { PatternFields } from './contract.js';
import { flattenMapping, mergeFieldTypes } from './fields.js';

export async function clusterPatternFields(client: Client, titles: string[]): Promise<Map<string, PatternFields>> {
  const out = new Map<string, PatternFields>();
  for (const title of titles) {
    const res = await client.indices.getMapping({ index: title, allow_no_indices: true, ignore_unavailable: true });
    const body = res.body as Record<string, { mappings?: { properties?: Record<string, unknown> } }>;
    out.set(title, mergeFieldTypes(Object.values(body).map((m) => flattenMapping(m.mappings?.properties ?? {}))));
  }
  return out;
}
