// The saved objects against the mappings the cluster really holds: templates put and indexes created by
// the same code the processors run (opensearch/templates.ts), then `_mapping` read back.
import { describe, expect, it } from 'vitest';
import { resourceTypes } from '../../collectors/all.js';
import { clusterPatternFields } from '../../dashboards/cluster.js';
import { checkSavedObjects } from '../../dashboards/contract.js';
import { savedObjects } from '../../dashboards/objects.js';
import { ensureIndexTemplates, ensureResourceIndex } from '../../opensearch/templates.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { testIndexPrefix } from './processors-helpers.js';

describe('dashboards contract against the local OpenSearch', () => {
  const prefix = testIndexPrefix('dashcontract');

  it('every field each saved object uses exists in the real mappings with a suitable type', async () => {
    const client = openSearchClient();
    await ensureIndexTemplates(client, prefix);
    for (const type of resourceTypes()) await ensureResourceIndex(client, prefix, type);
    const objects = savedObjects(prefix);
    const titles = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title as string);
    const fields = await clusterPatternFields(client, titles);
    for (const title of titles) expect(fields.get(title)!.size, title).toBeGreaterThan(0);
    expect(checkSavedObjects(objects, (title) => fields.get(title) ?? new Map())).toEqual([]);
  });
});
