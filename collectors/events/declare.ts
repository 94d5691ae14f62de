// Event-driven re-collection, declared: for each collector, the CloudTrail management write events of the
// resources it collects and where the resource's identity sits in the event. A collector's declaration lives
// beside it (collectors/services/<name>.events.ts) and holds no SDK import, so the event router can load every
// declaration without loading a single collector.

/** The `detail` of a CloudTrail event as EventBridge delivers it ("AWS API Call via CloudTrail"). */
export interface CloudTrailDetail {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  awsRegion?: string;
  recipientAccountId?: string;
  errorCode?: string;
  userIdentity?: { arn?: string; type?: string; principalId?: string; accountId?: string };
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  eventID?: string;
}

/** Where a resource named by an event lives: what an ARN is built from when the resource cannot be read. */
export interface Place {
  partition: string;
  accountId: string;
  region: string;
}

export interface EventRule {
  /** the identity of every resource the event touched: a name, an id or an ARN (any of the three matches) */
  keys: (detail: CloudTrailDetail) => unknown;
  /** the event removes the resource: it becomes a deletion marker at once */
  deletes?: boolean;
}

export interface ResourceEvents {
  /** CloudFormation type, as in the collector's resource spec */
  resourceType: string;
  /** CloudTrail eventName (without Lambda's API-version suffix) -> where the identity sits */
  events: Record<string, EventRule>;
  /** the ARN of a resource named by a key, for deletion markers (a key that is an ARN is used as is) */
  arn: (key: string, at: Place) => string;
}

export interface CollectorEvents {
  /** the collector's name (collectors/registry.ts) */
  collector: string;
  /** CloudTrail eventSource, e.g. `sqs.amazonaws.com` */
  source: string;
  resources: ResourceEvents[];
}

/** The value at a dotted path of the event detail (`requestParameters.queueUrl`); arrays are flattened. */
export function at(path: string): (detail: CloudTrailDetail) => unknown {
  const parts = path.split('.');
  return (detail) => {
    let values: unknown[] = [detail];
    for (const p of parts) {
      values = values.flatMap((v) => {
        if (Array.isArray(v)) return v.map((x) => (x as Record<string, unknown> | null)?.[p]);
        return v !== null && typeof v === 'object' ? [(v as Record<string, unknown>)[p]] : [];
      });
      values = values.flatMap((v) => (Array.isArray(v) ? v : [v]));
    }
    return values.filter((v) => v !== undefined && v !== null);
  };
}

/** The first of several paths that holds a value. */
export function firstOf(...paths: string[]): (detail: CloudTrailDetail) => unknown {
  const getters = paths.map(at);
  return (detail) => {
    for (const g of getters) {
      const v = g(detail) as unknown[];
      if (v.length) return v;
    }
    return [];
  };
}

/** Every event of `names` keyed the same way. */
export function rules(names: string[], keys: (d: CloudTrailDetail) => unknown, opts: { deletes?: boolean } = {}): Record<string, EventRule> {
  return Object.fromEntries(names.map((n) => [n, { keys, ...opts }]));
}

/** `key` itself when it already is an ARN, else the ARN `build` makes of it. */
export function arnOr(build: (key: string, at: Place) => string): (key: string, at: Place) => string {
  return (key, place) => (key.startsWith('arn:') ? key : build(key, place));
}
