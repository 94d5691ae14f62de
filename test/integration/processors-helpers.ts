// Shared by the processors' integration tests: a unique index prefix per test file, removed afterwards so
// repeated runs do not fill the one local cluster's shard budget (1,000 per node).
import { afterAll } from 'vitest';
import { openSearchClient } from '../../platform/opensearch.js';
import { uniqueName } from '../helpers.js';

export function testIndexPrefix(name: string): string {
  const prefix = uniqueName(name);
  afterAll(async () => {
    const os = openSearchClient();
    await os.indices.delete({ index: `${prefix}-*` }, { ignore: [404] });
    await os.indices.deleteIndexTemplate({ name: `${prefix}-*` }, { ignore: [404] });
  });
  return prefix;
}
