// The event handler: each CloudTrail event EventBridge forwards from a member account is routed by the
// collectors' declarations and the resources it touched are re-collected into the stream. An event that cannot
// be mapped is counted with its reason and logged; it never fails the batch.
import { log } from '../../platform/log.js';
import type { RecordSink } from '../producer.js';
import { recollect, type RecollectOptions, type RecollectResult } from './recollect.js';
import { routeEvent } from './route.js';

export interface EventSummary {
  received: number;
  /** events that named at least one declared resource */
  routed: number;
  recollected: number;
  deletionMarkers: number;
  /** resources an event named that the collector did not find */
  notFound: number;
  /** events that could not be mapped, by reason */
  unmapped: Record<string, number>;
  /** re-collections that failed to read (assume-role or list failures), by code */
  failed: Record<string, number>;
  results: RecollectResult[];
}

export async function handleEvents(events: unknown[], o: Omit<RecollectOptions, 'sink'> & { sink: RecordSink }): Promise<EventSummary> {
  const summary: EventSummary = { received: events.length, routed: 0, recollected: 0, deletionMarkers: 0, notFound: 0, unmapped: {}, failed: {}, results: [] };
  for (const event of events) {
    const routed = routeEvent(event);
    if (!routed.ok) {
      // counted by reason class (the source and event name kept, the variable parts not)
      const key = routed.source ? `${routed.source} ${routed.eventName}: ${routed.reason.replace(/"[^"]*"/g, '"…"')}` : routed.reason;
      summary.unmapped[key] = (summary.unmapped[key] ?? 0) + 1;
      log.info({ reason: routed.reason, source: routed.source, eventName: routed.eventName }, 'event not mapped to a resource');
      continue;
    }
    summary.routed++;
    for (const route of routed.routes) {
      const result = await recollect(route, o);
      summary.results.push(result);
      for (const r of result.records) {
        if (r.configurationItemStatus === 'ResourceDeleted') summary.deletionMarkers++;
        else summary.recollected++;
      }
      summary.notFound += result.notFound.length;
      if (result.error) {
        summary.failed[result.error.code] = (summary.failed[result.error.code] ?? 0) + 1;
        log.warn({ account: route.accountId, collector: route.collector, code: result.error.code }, `re-collection failed: ${result.error.message}`);
      }
    }
  }
  return summary;
}
