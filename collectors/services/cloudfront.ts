// CloudFront distributions (global): origins, viewer protocol and TLS settings in configuration, tags.
import { CloudFrontClient, ListTagsForResourceCommand, paginateListDistributions, type DistributionSummary } from '@aws-sdk/client-cloudfront';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const cloudfrontClient = (o: ClientOptions) => new CloudFrontClient(clientConfig(o));

/** The items sit one level down (`DistributionList.Items`). */
async function* distributions(client: CloudFrontClient, ctx: CollectorContext): AsyncGenerator<DistributionSummary> {
  for await (const page of paginateListDistributions({ client, pageSize: pageSize(ctx) }, {})) yield* page.DistributionList?.Items ?? [];
}

const distributionSpec = resource<CloudFrontClient, DistributionSummary>({
  resourceType: 'AWS::CloudFront::Distribution',
  client: cloudfrontClient,
  list: distributions,
  id: (d) => d.Id ?? '',
  name: 'DomainName',
  arn: (d) => d.ARN ?? '',
  // origin custom headers are the usual shared secret between CloudFront and the origin: names kept, values redacted
  secrets: [{ path: 'configuration.Origins.Items[].CustomHeaders.Items[].HeaderValue', nameKey: 'HeaderName' }],
  details: {
    Tags: detail('ListTagsForResource', (c: CloudFrontClient, d: DistributionSummary) => c.send(new ListTagsForResourceCommand({ Resource: d.ARN })), (o) => o.Tags?.Items, {
      tags: true,
    }),
  },
});

export const cloudfront: Collector = { name: 'cloudfront', global: true, resources: [distributionSpec] };
