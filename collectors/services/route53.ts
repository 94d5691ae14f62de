// Route 53 (global): hosted zones, and registered domains (the Route 53 Domains API answers in us-east-1 only).
import { ListTagsForResourceCommand, paginateListHostedZones, Route53Client, type HostedZone } from '@aws-sdk/client-route-53';
import { GetDomainDetailCommand, paginateListDomains, Route53DomainsClient, type DomainSummary } from '@aws-sdk/client-route-53-domains';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const route53Client = (o: ClientOptions) => new Route53Client(clientConfig(o));
const domainsClient = (o: ClientOptions) => new Route53DomainsClient(clientConfig({ ...o, region: 'us-east-1' }));

const zoneId = (z: HostedZone) => (z.Id ?? '').replace(/^\/hostedzone\//, '');

const hostedZoneSpec = resource<Route53Client, HostedZone>({
  resourceType: 'AWS::Route53::HostedZone',
  client: route53Client,
  list: paged(paginateListHostedZones, {}, 'HostedZones'),
  id: zoneId,
  name: 'Name',
  arn: (z, ctx) => `arn:${ctx.partition}:route53:::hostedzone/${zoneId(z)}`,
  details: {
    Tags: detail(
      'ListTagsForResource',
      (c: Route53Client, z: HostedZone) => c.send(new ListTagsForResourceCommand({ ResourceType: 'hostedzone', ResourceId: zoneId(z) })),
      (o) => o.ResourceTagSet?.Tags,
      { tags: true },
    ),
  },
});

const domainSpec = resource<Route53DomainsClient, DomainSummary>({
  resourceType: 'AWS::Route53Domains::Domain',
  client: domainsClient,
  list: paged(paginateListDomains, {}, 'Domains'),
  id: (d) => d.DomainName ?? '',
  name: 'DomainName',
  arn: (d, ctx) => `arn:${ctx.partition}:route53domains:us-east-1:${ctx.accountId}:domain/${d.DomainName}`,
  details: {
    DomainDetail: detail('GetDomainDetail', (c: Route53DomainsClient, d: DomainSummary) => c.send(new GetDomainDetailCommand({ DomainName: d.DomainName }))),
  },
});

export const route53: Collector = { name: 'route53', global: true, resources: [hostedZoneSpec, domainSpec] };
