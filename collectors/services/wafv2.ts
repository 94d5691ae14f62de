// WAFv2 web ACLs: regional ones in every region, CloudFront ones from us-east-1; rules, logging, tags.
import {
  GetLoggingConfigurationCommand,
  GetWebACLCommand,
  ListTagsForResourceCommand,
  ListWebACLsCommand,
  WAFV2Client,
  type Scope,
  type WebACL,
} from '@aws-sdk/client-wafv2';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, resource, type Collector, type CollectorContext } from '../engine.js';

const wafClient = (o: ClientOptions) => new WAFV2Client(clientConfig(o));

type ScopedWebACL = WebACL & { Scope: Scope };

/** ListWebACLs has no SDK paginator: follow NextMarker by hand. */
async function* webAcls(client: WAFV2Client, ctx: CollectorContext): AsyncGenerator<ScopedWebACL> {
  const scopes: Scope[] = ctx.region === 'us-east-1' ? ['REGIONAL', 'CLOUDFRONT'] : ['REGIONAL'];
  for (const scope of scopes) {
    let marker: string | undefined;
    do {
      const page = await client.send(new ListWebACLsCommand({ Scope: scope, NextMarker: marker, Limit: ctx.pageSize }));
      for (const s of page.WebACLs ?? []) {
        const acl = (await client.send(new GetWebACLCommand({ Name: s.Name, Id: s.Id, Scope: scope }))).WebACL;
        if (acl) yield { ...acl, Scope: scope };
      }
      marker = page.WebACLs?.length ? page.NextMarker : undefined;
    } while (marker);
  }
}

const webAclSpec = resource<WAFV2Client, ScopedWebACL>({
  resourceType: 'AWS::WAFv2::WebACL',
  client: wafClient,
  list: webAcls,
  id: (a) => a.Id ?? '',
  name: 'Name',
  arn: (a) => a.ARN ?? '',
  details: {
    LoggingConfiguration: detail(
      'GetLoggingConfiguration',
      (c: WAFV2Client, a: ScopedWebACL) => c.send(new GetLoggingConfigurationCommand({ ResourceArn: a.ARN })),
      (o) => o.LoggingConfiguration,
    ),
    Tags: detail('ListTagsForResource', (c: WAFV2Client, a: ScopedWebACL) => c.send(new ListTagsForResourceCommand({ ResourceARN: a.ARN })), (o) => o.TagInfoForResource?.TagList, {
      tags: true,
    }),
  },
});

export const wafv2: Collector = { name: 'wafv2', resources: [webAclSpec] };
