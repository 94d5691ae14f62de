// GuardDuty detectors: GetDetector output (status, data sources) as configuration.
import { GetDetectorCommand, GuardDutyClient, paginateListDetectors, type GetDetectorResponse } from '@aws-sdk/client-guardduty';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { arnOf, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const guarddutyClient = (o: ClientOptions) => new GuardDutyClient(clientConfig(o));

type Detector = GetDetectorResponse & { DetectorId: string };

async function* detectors(client: GuardDutyClient, ctx: CollectorContext): AsyncGenerator<Detector> {
  for await (const page of paginateListDetectors({ client, pageSize: pageSize(ctx) }, {})) {
    for (const id of page.DetectorIds ?? []) yield { DetectorId: id, ...(await client.send(new GetDetectorCommand({ DetectorId: id }))) };
  }
}

const detectorSpec = resource<GuardDutyClient, Detector>({
  resourceType: 'AWS::GuardDuty::Detector',
  client: guarddutyClient,
  list: detectors,
  id: 'DetectorId',
  name: () => undefined,
  arn: (d, ctx) => arnOf(ctx, 'guardduty', `detector/${d.DetectorId}`),
  created: 'CreatedAt',
  tags: 'Tags',
});

export const guardduty: Collector = { name: 'guardduty', resources: [detectorSpec] };
