// Application, network and gateway load balancers: listeners (TLS policies), attributes, tags.
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  paginateDescribeLoadBalancers,
  type LoadBalancer,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const elbv2Client = (o: ClientOptions) => new ElasticLoadBalancingV2Client(clientConfig(o));

const loadBalancerSpec = resource<ElasticLoadBalancingV2Client, LoadBalancer>({
  resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  client: elbv2Client,
  list: paged(paginateDescribeLoadBalancers, {}, 'LoadBalancers'),
  id: (l) => l.LoadBalancerArn ?? '',
  name: 'LoadBalancerName',
  arn: (l) => l.LoadBalancerArn ?? '',
  created: 'CreatedTime',
  // an OIDC authenticate action carries the identity provider's client secret
  secrets: ['supplementaryConfiguration.Listeners[].DefaultActions[].AuthenticateOidcConfig.ClientSecret'],
  details: {
    Listeners: detail(
      'DescribeListeners',
      (c: ElasticLoadBalancingV2Client, l: LoadBalancer) => c.send(new DescribeListenersCommand({ LoadBalancerArn: l.LoadBalancerArn })),
      (o) => o.Listeners,
    ),
    Attributes: detail(
      'DescribeLoadBalancerAttributes',
      (c: ElasticLoadBalancingV2Client, l: LoadBalancer) => c.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: l.LoadBalancerArn })),
      (o) => o.Attributes,
    ),
    Tags: detail(
      'DescribeTags',
      (c: ElasticLoadBalancingV2Client, l: LoadBalancer) => c.send(new DescribeTagsCommand({ ResourceArns: [l.LoadBalancerArn!] })),
      (o) => o.TagDescriptions?.[0]?.Tags,
      { tags: true },
    ),
  },
});

export const elbv2: Collector = { name: 'elbv2', resources: [loadBalancerSpec] };
