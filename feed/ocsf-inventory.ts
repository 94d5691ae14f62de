// ResourceRecords as OCSF Cloud Resources Inventory Info (class 5023, Discovery category): what Census saw of one
// resource at its capture time. The configuration item goes whole into `resources[0].data`.
import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../core/schemas.js';
import { OCSF_VERSION } from '../standard/formats/ocsf.js';

export const INVENTORY_INFO = 5023;
const ACTIVITY_COLLECT = 2;

export interface InventoryOptions {
  productVersion?: string;
}

export function resourceToOcsf(r: ResourceRecord, opts: InventoryOptions = {}): Record<string, unknown> {
  const time = Date.parse(r.configurationItemCaptureTime);
  const partition = r.arn.startsWith('arn:') ? r.arn.split(':')[1] : 'aws';
  const deleted = r.configurationItemStatus === 'ResourceDeleted';
  return {
    activity_id: ACTIVITY_COLLECT,
    activity_name: 'Collect',
    category_uid: 5,
    category_name: 'Discovery',
    class_uid: INVENTORY_INFO,
    class_name: 'Cloud Resources Inventory Info',
    type_uid: INVENTORY_INFO * 100 + ACTIVITY_COLLECT,
    type_name: 'Cloud Resources Inventory Info: Collect',
    severity_id: 1,
    severity: 'Informational',
    // a collector that could not read part of the resource still reports it, as a partial success
    status_id: r.errors.length ? 99 : 1,
    status: r.errors.length ? 'Other' : 'Success',
    ...(r.errors.length ? { status_detail: r.errors.map((e) => `${e.call}: ${e.code}`).join('; ') } : {}),
    time,
    time_dt: r.configurationItemCaptureTime,
    message: `${r.resourceType} ${r.resourceId} ${deleted ? 'deleted' : 'collected'} by ${r.collector}`,
    metadata: {
      version: OCSF_VERSION,
      // one event per resource and capture time: the same copy always gets the same uid
      uid: createHash('sha256').update(`${r.arn}|${r.configurationItemCaptureTime}`).digest('hex').slice(0, 32),
      event_code: r.configurationItemStatus,
      profiles: ['cloud'],
      product: { name: 'Census', vendor_name: 'Census', uid: 'census', ...(opts.productVersion ? { version: opts.productVersion } : {}) },
    },
    resources: [
      {
        uid: r.arn,
        name: r.resourceName ?? r.resourceId,
        type: r.resourceType,
        region: r.awsRegion,
        cloud_partition: partition,
        labels: Object.entries(r.tags).map(([k, v]) => `${k}=${v}`),
        data: { configuration: r.configuration, supplementaryConfiguration: r.supplementaryConfiguration },
      },
    ],
    cloud: {
      provider: 'aws',
      ...(r.awsRegion !== 'global' ? { region: r.awsRegion } : {}),
      account: { uid: r.awsAccountId, name: r.account?.name ?? r.awsAccountId, type: 'AWS Account', type_id: 10 },
    },
    unmapped: {
      census: {
        resourceId: r.resourceId,
        configurationItemStatus: r.configurationItemStatus,
        collector: r.collector,
        ...(r.runId ? { runId: r.runId } : {}),
        ...(r.resourceCreationTime ? { resourceCreationTime: r.resourceCreationTime } : {}),
        ...(r.account ? { owner: r.account.owner, executive: r.account.executive, ouPath: r.account.ouPath, inOrganization: r.account.inOrganization } : {}),
        ...(r.trustedAccounts ? { trustedAccounts: r.trustedAccounts } : {}),
        ...(r.public !== undefined ? { public: r.public } : {}),
      },
    },
  };
}
