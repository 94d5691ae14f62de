// Classic load balancers: listeners (in configuration), attributes (access logs), tags.
import {
  DescribeLoadBalancerAttributesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingClient,
  paginateDescribeLoadBalancers,
  type LoadBalancerDescription,
} from '@aws-sdk/client-elastic-load-balancing';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, detail, paged, resource, type Collector } from '../engine.js';

const elbClient = (o: ClientOptions) => new ElasticLoadBalancingClient(clientConfig(o));

const loadBalancerSpec = resource<ElasticLoadBalancingClient, LoadBalancerDescription>({
  resourceType: 'AWS::ElasticLoadBalancing::LoadBalancer',
  client: elbClient,
  list: paged(paginateDescribeLoadBalancers, {}, 'LoadBalancerDescriptions'),
  id: (l) => l.LoadBalancerName ?? '',
  name: 'LoadBalancerName',
  arn: (l, ctx) => arnOf(ctx, 'elasticloadbalancing', `loadbalancer/${l.LoadBalancerName}`),
  created: 'CreatedTime',
  details: {
    LoadBalancerAttributes: detail(
      'DescribeLoadBalancerAttributes',
      (c: ElasticLoadBalancingClient, l: LoadBalancerDescription) => c.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerName: l.LoadBalancerName })),
      (o) => o.LoadBalancerAttributes,
    ),
    Tags: detail(
      'DescribeTags',
      (c: ElasticLoadBalancingClient, l: LoadBalancerDescription) => c.send(new DescribeTagsCommand({ LoadBalancerNames: [l.LoadBalancerName!] })),
      (o) => o.TagDescriptions?.[0]?.Tags,
      { tags: true },
    ),
  },
});

export const elb: Collector = { name: 'elb', resources: [loadBalancerSpec] };
