// Map one CloudTrail event (as EventBridge delivers it) to the resources it touched, by the collectors' own
// event declarations. Pure: an event that cannot be mapped gets a reason, never an exception.
import { partitionOfRegion } from '../../core/partitions.js';
import { isRecord } from '../../core/util.js';
import type { CloudTrailDetail } from './declare.js';
import { bySource } from './index.js';

export interface EventRoute {
  accountId: string;
  region: string;
  partition: string;
  collector: string;
  resourceType: string;
  eventName: string;
  eventTime: string;
  eventId?: string;
  /** who made the change (the CloudTrail userIdentity ARN) */
  principal?: string;
  /** the touched resources' identities: names, ids or ARNs */
  keys: string[];
  deletes: boolean;
  /** for deletes: the ARN of each key, for its deletion marker */
  arns: string[];
}

export type RouteResult = { ok: true; routes: EventRoute[] } | { ok: false; reason: string; source?: string; eventName?: string };

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** Lambda's CloudTrail names carry the API version: `UpdateFunctionConfiguration20150331v2`. */
export const plainEventName = (name: string): string => name.replace(/\d{8}(v\d+)?$/, '');

export function routeEvent(event: unknown): RouteResult {
  if (!isRecord(event) || !isRecord(event.detail)) return { ok: false, reason: 'not an EventBridge event with a detail object' };
  if (event['detail-type'] !== undefined && event['detail-type'] !== 'AWS API Call via CloudTrail') {
    return { ok: false, reason: `detail-type "${String(event['detail-type'])}" is not "AWS API Call via CloudTrail"` };
  }
  const detail = event.detail as CloudTrailDetail;
  const source = typeof detail.eventSource === 'string' ? detail.eventSource : undefined;
  const rawName = typeof detail.eventName === 'string' ? detail.eventName : undefined;
  if (!source || !rawName) return { ok: false, reason: 'detail has no eventSource or eventName' };
  const eventName = plainEventName(rawName);
  const where = { source, eventName };
  // a failed call changed nothing
  if (detail.errorCode) return { ok: false, reason: `the call failed (${String(detail.errorCode)}): nothing changed`, ...where };
  const declaration = bySource.get(source);
  if (!declaration) return { ok: false, reason: `no collector declares events of ${source}`, ...where };
  const accountId = String(detail.recipientAccountId ?? event.account ?? '');
  const region = String(detail.awsRegion ?? event.region ?? '');
  if (!ACCOUNT.test(accountId)) return { ok: false, reason: `account "${accountId}" is not a 12-digit account ID`, ...where };
  if (!REGION.test(region)) return { ok: false, reason: `region "${region}" is not a region name`, ...where };
  const partition = partitionOfRegion(region);
  const eventTime = typeof detail.eventTime === 'string' && !Number.isNaN(Date.parse(detail.eventTime)) ? new Date(detail.eventTime).toISOString() : '';
  if (!eventTime) return { ok: false, reason: `eventTime "${String(detail.eventTime)}" is not a time`, ...where };

  const routes: EventRoute[] = [];
  for (const resource of declaration.resources) {
    const rule = resource.events[eventName];
    if (!rule) continue;
    const found = rule.keys(detail);
    const keys = [...new Set((Array.isArray(found) ? found : [found]).filter((k): k is string => typeof k === 'string' && k.length > 0 && k.length <= 2048))];
    if (!keys.length) continue;
    const deletes = rule.deletes === true;
    routes.push({
      accountId,
      region,
      partition,
      collector: declaration.collector,
      resourceType: resource.resourceType,
      eventName,
      eventTime,
      eventId: typeof detail.eventID === 'string' ? detail.eventID : undefined,
      principal: typeof detail.userIdentity?.arn === 'string' ? detail.userIdentity.arn : undefined,
      keys,
      deletes,
      arns: deletes ? keys.map((k) => resource.arn(k, { partition, accountId, region })) : [],
    });
  }
  if (!routes.length) {
    const declared = declaration.resources.some((r) => r.events[eventName]);
    return { ok: false, reason: declared ? `${eventName}: no resource identity in the event` : `${eventName} is not a declared write event of ${source}`, ...where };
  }
  return { ok: true, routes };
}
