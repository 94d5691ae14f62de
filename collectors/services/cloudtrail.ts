// CloudTrail trails: configuration (multi-region, log validation), status (IsLogging), event selectors, tags.
// Listed in their home region only (no shadow trails), so one trail is one record.
import { CloudTrailClient, DescribeTrailsCommand, GetEventSelectorsCommand, GetTrailStatusCommand, ListTagsCommand, type Trail } from '@aws-sdk/client-cloudtrail';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, resource, single, type Collector } from '../engine.js';

const cloudtrailClient = (o: ClientOptions) => new CloudTrailClient(clientConfig(o));

const trailSpec = resource<CloudTrailClient, Trail>({
  resourceType: 'AWS::CloudTrail::Trail',
  client: cloudtrailClient,
  list: single((c: CloudTrailClient) => c.send(new DescribeTrailsCommand({ includeShadowTrails: false })), 'trailList'),
  id: (t) => t.TrailARN ?? t.Name ?? '',
  name: 'Name',
  arn: (t) => t.TrailARN ?? '',
  details: {
    TrailStatus: detail('GetTrailStatus', (c: CloudTrailClient, t: Trail) => c.send(new GetTrailStatusCommand({ Name: t.TrailARN }))),
    EventSelectors: detail('GetEventSelectors', (c: CloudTrailClient, t: Trail) => c.send(new GetEventSelectorsCommand({ TrailName: t.TrailARN }))),
    Tags: detail('ListTags', (c: CloudTrailClient, t: Trail) => c.send(new ListTagsCommand({ ResourceIdList: [t.TrailARN!] })), (o) => o.ResourceTagList?.[0]?.TagsList, {
      tags: true,
    }),
  },
});

export const cloudtrail: Collector = { name: 'cloudtrail', resources: [trailSpec] };
