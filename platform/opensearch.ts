// The OpenSearch client every stage uses; the URL comes from configuration (CENSUS_OPENSEARCH_URL).
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';

/**
 * Amazon OpenSearch Service with fine-grained access control admits IAM roles only through SigV4-signed requests;
 * the deployed Lambdas set CENSUS_OPENSEARCH_SIGV4=true (infra/), the local stack stays plain HTTP.
 */
export function openSearchClient(url = process.env.CENSUS_OPENSEARCH_URL ?? 'http://127.0.0.1:9250'): Client {
  const signed = process.env.CENSUS_OPENSEARCH_SIGV4 === 'true'
    ? AwsSigv4Signer({ region: process.env.AWS_REGION ?? 'us-east-1', service: 'es' })
    : {};
  return new Client({ ...signed, node: url, requestTimeout: 60_000, maxRetries: 3 });
}
