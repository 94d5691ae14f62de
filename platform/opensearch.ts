// The OpenSearch client every stage uses; URL and signing come from the configuration (opensearchUrl, opensearchSigv4).
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';

/**
 * Amazon OpenSearch Service with fine-grained access control admits IAM roles only through SigV4-signed requests;
 * the deployed Lambdas set CENSUS_OPENSEARCH_SIGV4=true (infra/, read by platform/config.ts as opensearchSigv4),
 * the local stack stays plain HTTP. A bare URL is an unsigned client (tests, the local stack).
 */
export function openSearchClient(settings: string | { opensearchUrl: string; opensearchSigv4?: boolean } = 'http://127.0.0.1:9250'): Client {
  const { opensearchUrl: url, opensearchSigv4: sigv4 } = typeof settings === 'string' ? { opensearchUrl: settings, opensearchSigv4: false } : settings;
  // the region is the SDK's own setting (AWS_REGION), as for every AWS client
  const signed = sigv4 ? AwsSigv4Signer({ region: process.env.AWS_REGION ?? 'us-east-1', service: 'es' }) : {};
  return new Client({ ...signed, node: url, requestTimeout: 60_000, maxRetries: 3 });
}
