// OpenSearch Service domains (Elasticsearch ones included): access policy, endpoint (public or VPC), encryption.
import { DescribeDomainsCommand, ListDomainNamesCommand, ListTagsCommand, OpenSearchClient, type DomainStatus } from '@aws-sdk/client-opensearch';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, resource, type Collector } from '../engine.js';

const opensearchClient = (o: ClientOptions) => new OpenSearchClient(clientConfig(o));

async function* domains(client: OpenSearchClient): AsyncGenerator<DomainStatus> {
  const names = ((await client.send(new ListDomainNamesCommand({}))).DomainNames ?? []).map((d) => d.DomainName!).filter(Boolean);
  // DescribeDomains takes at most 5 names
  for (let i = 0; i < names.length; i += 5) {
    yield* (await client.send(new DescribeDomainsCommand({ DomainNames: names.slice(i, i + 5) }))).DomainStatusList ?? [];
  }
}

const domainSpec = resource<OpenSearchClient, DomainStatus>({
  resourceType: 'AWS::OpenSearchService::Domain',
  client: opensearchClient,
  list: domains,
  id: (d) => d.DomainId ?? d.DomainName ?? '',
  name: 'DomainName',
  arn: (d) => d.ARN ?? '',
  decode: ['AccessPolicies'],
  details: {
    Tags: detail('ListTags', (c: OpenSearchClient, d: DomainStatus) => c.send(new ListTagsCommand({ ARN: d.ARN })), (o) => o.TagList, { tags: true }),
  },
});

export const opensearch: Collector = { name: 'opensearch', resources: [domainSpec] };
