// The OpenSearch client every stage uses; the URL comes from configuration (CENSUS_OPENSEARCH_URL).
import { Client } from '@opensearch-project/opensearch';

export function openSearchClient(url = process.env.CENSUS_OPENSEARCH_URL ?? 'http://127.0.0.1:9250'): Client {
  return new Client({ node: url, requestTimeout: 60_000, maxRetries: 3 });
}
