// ChangeRecords as OCSF Device Config State Change (class 5019, Discovery category).
//
// Why 5019: a Census change is what an inventory *observed* between two captures of one resource (created,
// modified, deleted), not the API call that caused it and not who made it. OCSF 1.5 has no cloud-resource change
// class; of the classes that report a change of something's configuration, API Activity (6003) and Entity
// Management (3004) describe an actor's request (CloudTrail already sends those, with the actor Census often does
// not know), while Device Config State Change is the Discovery-category class for "state changes that impact the
// security of the device", beside Cloud Resources Inventory Info (5023), which carries the states themselves. The
// resource is the event's `device` (its required attribute): uid the ARN, type the CloudFormation type, type_id
// Virtual (6) for EC2 instances and Other (99) for every other resource. The diff, the verdict, the flipped
// requirements and the CloudTrail principal have no OCSF attribute of this class Census can fill and go to
// `unmapped.census`, whole.
import type { ChangeRecord } from '../core/schemas.js';
import { OCSF_VERSION } from '../standard/formats/ocsf.js';

export const DEVICE_CONFIG_STATE_CHANGE = 5019;
const ACTIVITY_COLLECT = 2;

export interface ChangeOptions {
  productVersion?: string;
}

export function changeToOcsf(c: ChangeRecord, opts: ChangeOptions = {}): Record<string, unknown> {
  const partition = c.arn.startsWith('arn:') ? c.arn.split(':')[1] : 'aws';
  const paths = c.diff.map((d) => d.path);
  const what = c.kind === 'modified' ? `modified (${paths.length} path${paths.length === 1 ? '' : 's'}${paths.length ? `: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''}` : ''})` : c.kind;
  return {
    // the change was found by collecting the resource again, as its 5023 copy was
    activity_id: ACTIVITY_COLLECT,
    activity_name: 'Collect',
    category_uid: 5,
    category_name: 'Discovery',
    class_uid: DEVICE_CONFIG_STATE_CHANGE,
    class_name: 'Device Config State Change',
    type_uid: DEVICE_CONFIG_STATE_CHANGE * 100 + ACTIVITY_COLLECT,
    type_name: 'Device Config State Change: Collect',
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    time: Date.parse(c.changedAt),
    time_dt: c.changedAt,
    message: `${c.resourceType} ${c.resourceId} ${what}`,
    metadata: {
      version: OCSF_VERSION,
      // the change's own id: a replayed change is the same event
      uid: c.changeId,
      event_code: c.kind,
      profiles: ['cloud'],
      product: { name: 'Census', vendor_name: 'Census', uid: 'census', ...(opts.productVersion ? { version: opts.productVersion } : {}) },
    },
    device: {
      uid: c.arn,
      name: c.resourceName ?? c.resourceId,
      type: c.resourceType,
      type_id: c.resourceType === 'AWS::EC2::Instance' ? 6 : 99,
      ...(c.awsRegion !== 'global' ? { region: c.awsRegion } : {}),
    },
    cloud: {
      provider: 'aws',
      ...(c.awsRegion !== 'global' ? { region: c.awsRegion } : {}),
      account: { uid: c.awsAccountId, name: c.account?.name ?? c.awsAccountId, type: 'AWS Account', type_id: 10 },
    },
    unmapped: {
      census: {
        kind: c.kind,
        cloudPartition: partition,
        resourceId: c.resourceId,
        previousCaptureTime: c.previousCaptureTime,
        previousHash: c.previousHash,
        contentHash: c.contentHash,
        diff: c.diff,
        flipped: c.flipped,
        ...(c.verdict ? { verdict: c.verdict } : {}),
        ...(c.eventName ? { eventName: c.eventName } : {}),
        ...(c.eventId ? { eventId: c.eventId } : {}),
        // the CloudTrail principal behind an event-driven re-collection: OCSF's actor.user would need an account,
        // name and user type Census does not know
        ...(c.principal ? { principal: c.principal } : {}),
        ...(c.account ? { owner: c.account.owner, executive: c.account.executive, ouPath: c.account.ouPath } : {}),
      },
    },
  };
}
