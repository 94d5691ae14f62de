// The saved objects against the mappings the cluster really holds: templates put and indexes created by
// the same code the processors and the scoring job run (opensearch/templates.ts, scoring/views.ts), then
// `_mapping` read back.
import { describe, expect, it } from 'vitest';
import { clusterPatternFields } from '../../dashboards/cluster.js';
import { checkSavedObjects } from '../../dashboards/contract.js';
import { savedObjects } from '../../dashboards/objects.js';
import { OpenSearchStore } from '../../opensearch/store.js';
import { ensureIndexTemplates, ensureResourceIndex } from '../../opensearch/templates.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { publishScoringViews } from '../../scoring/views.js';
import { testIndexPrefix } from './processors-helpers.js';

describe('dashboards contract against the local OpenSearch', () => {
  const prefix = testIndexPrefix('dashcontract');

  it('every field each saved object uses exists in the real mappings with a suitable type', async () => {
    const client = openSearchClient();
    await ensureIndexTemplates(client, prefix);
    // what the processors' store prepares before a batch: the templates and the inventory-run ledger
    await new OpenSearchStore(client, prefix).prepare([]);
    // every family index comes from the one resources template: a few families stand for all
    for (const type of ['AWS::S3::Bucket', 'AWS::IAM::Role', 'AWS::Lambda::Function', 'AWS::KMS::Key', 'AWS::SQS::Queue']) await ensureResourceIndex(client, prefix, type);
    const runAt = new Date().toISOString();
    await publishScoringViews(client, { scores: [], nonCompliant: [], accounts: [], requirements: [], asOf: runAt.slice(0, 10), runAt }, prefix);
    const objects = savedObjects(prefix);
    const titles = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title as string);
    const fields = await clusterPatternFields(client, titles);
    for (const title of titles) expect(fields.get(title)!.size, title).toBeGreaterThan(0);
    expect(checkSavedObjects(objects, (title) => fields.get(title) ?? new Map())).toEqual([]);
  });
});
