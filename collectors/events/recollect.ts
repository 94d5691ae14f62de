// Re-collect the resources one CloudTrail event touched, with the same collector code as an inventory run,
// into the same sink (the stream). A delete event becomes a deletion marker at once, unless the resource is
// found again (re-created since); a resource the event named but the collector cannot find is counted, not guessed.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { SCHEMA_VERSION, type ResourceRecord } from '../../core/schemas.js';
import { collectResources, errorCode, errorMessage, wanted } from '../engine.js';
import type { RecordSink } from '../producer.js';
import { loadCollectors } from '../registry.js';
import { assumeRole, CallLimiter, collectorContext, newStats, type CallStats } from '../runtime.js';
import type { EventRoute } from './route.js';

export interface RecollectOptions {
  auditRole: string;
  externalId?: string;
  sink: RecordSink;
  limiter?: CallLimiter;
  stats?: CallStats;
  baseCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** capture time of the re-collected records (default now) */
  observedAt?: string;
  /** the salt of secret-value hashes: the same as inventory runs use, so a re-collection hashes alike */
  redactionSalt?: string;
}

export interface RecollectResult {
  route: EventRoute;
  /** records put: re-collected resources and deletion markers */
  records: ResourceRecord[];
  /** keys the event named that the collector did not find (and that no delete marked) */
  notFound: string[];
  error?: { code: string; message: string };
}

/** The deletion marker of a resource a delete event removed: identity, account, region, the event's time. */
export function deletionMarker(route: EventRoute, key: string, arn: string): ResourceRecord {
  return {
    recordType: 'resource',
    schemaVersion: SCHEMA_VERSION,
    resourceType: route.resourceType,
    resourceId: key,
    arn,
    resourceName: key.startsWith('arn:') ? (key.split(/[:/]/).pop() ?? key) : key.split('/').pop()!,
    awsAccountId: route.accountId,
    // IAM resources are global; every other declared type lives in the event's region (S3: the bucket's)
    awsRegion: route.collector === 'iam' ? 'global' : route.region,
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    resourceCreationTime: null,
    configurationItemCaptureTime: route.eventTime,
    configurationItemStatus: 'ResourceDeleted',
    collector: route.collector,
    runId: `event-${route.eventId ?? route.eventTime}`.slice(0, 128),
    errors: [],
  };
}

/** Whether a re-collected record is the resource an event key named: the engine's own matching rule. */
const matches = (r: ResourceRecord, key: string) => wanted({ only: new Set([key]) }, r.resourceId, r.arn, r.resourceName);

export async function recollect(route: EventRoute, o: RecollectOptions): Promise<RecollectResult> {
  const result: RecollectResult = { route, records: [], notFound: [] };
  const [collector] = await loadCollectors([route.collector]).catch(() => []);
  const spec = collector?.resources.find((r) => r.resourceType === route.resourceType);
  if (!collector || !spec) {
    result.error = { code: 'UnknownCollector', message: `no collector ${route.collector} with ${route.resourceType}` };
    return result;
  }
  const observedAt = o.observedAt ?? new Date().toISOString();
  const found: ResourceRecord[] = [];
  try {
    const credentials = await assumeRole({
      accountId: route.accountId,
      roleName: o.auditRole,
      sessionName: `census-event-${collector.name}`,
      externalId: o.externalId,
      partition: route.partition,
      baseCredentials: o.baseCredentials,
    });
    const ctx = collectorContext({
      accountId: route.accountId,
      region: collector.global ? 'global' : route.region,
      partition: route.partition,
      collector: collector.name,
      credentials,
      observedAt,
      runId: `event-${route.eventId ?? route.eventTime}`.slice(0, 128),
      limiter: o.limiter ?? new CallLimiter({ overall: 8, perAccount: 8, perRegion: 8 }),
      stats: o.stats ?? newStats(),
      only: new Set(route.keys),
      redactionSalt: o.redactionSalt,
    });
    for await (const record of collectResources(spec, ctx)) found.push(record);
  } catch (err) {
    // could not read: a delete still marks the resource gone (the event says so); anything else waits for the next run
    result.error = { code: errorCode(err), message: errorMessage(err) };
  }
  // the event travels with its copies, so the change record can say which event and who
  const trigger = { eventName: route.eventName, ...(route.eventId ? { eventId: route.eventId } : {}), ...(route.principal ? { principal: route.principal } : {}) };
  for (const found1 of found) {
    const record = { ...found1, trigger };
    await o.sink.put(record);
    result.records.push(record);
  }
  route.keys.forEach((key, i) => {
    if (found.some((r) => matches(r, key))) return;
    if (route.deletes) {
      const marker = { ...deletionMarker(route, key, route.arns[i] ?? key), trigger };
      result.records.push(marker);
    } else if (!result.error) {
      result.notFound.push(key);
    }
  });
  for (const marker of result.records.filter((r) => r.configurationItemStatus === 'ResourceDeleted')) await o.sink.put(marker);
  return result;
}
