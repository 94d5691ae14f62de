// GuardDuty detectors: GetDetector output (status, data sources) as configuration.
import { GetDetectorCommand, GuardDutyClient, paginateListDetectors, type GetDetectorResponse } from '@aws-sdk/client-guardduty';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, pagedDescribe, resource, type Collector } from '../engine.js';

const guarddutyClient = (o: ClientOptions) => new GuardDutyClient(clientConfig(o));

type Detector = GetDetectorResponse & { DetectorId: string };

const detectorSpec = resource<GuardDutyClient, Detector>({
  resourceType: 'AWS::GuardDuty::Detector',
  client: guarddutyClient,
  list: pagedDescribe(paginateListDetectors, {}, 'DetectorIds', async (c, id): Promise<Detector> => ({ DetectorId: id, ...(await c.send(new GetDetectorCommand({ DetectorId: id }))) }), {
    stub: (id) => ({ DetectorId: id }),
  }),
  id: 'DetectorId',
  name: () => undefined,
  arn: (d, ctx) => arnOf(ctx, 'guardduty', `detector/${d.DetectorId}`),
  created: 'CreatedAt',
  tags: 'Tags',
});

export const guardduty: Collector = { name: 'guardduty', resources: [detectorSpec] };
