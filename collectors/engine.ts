// The collector engine: a collector is a declaration (service client, list call and result key, id/name/arn,
// detail calls that land in supplementaryConfiguration, tags, CloudFormation type), and this one engine runs
// every declaration: lists with the SDK v3 paginators, calls the details with bounded concurrency, and records
// a failed call in the resource's `errors` while the rest goes on.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import { decodePolicyDocument, type ClientOptions } from '../platform/aws.js';
import { SCHEMA_VERSION, type CollectionError, type ResourceRecord } from '../core/schemas.js';
import { isRecord } from '../core/util.js';
import { redactFields, type SecretDecl } from './redact.js';

export type Obj = Record<string, unknown>;

/** Builds a service client from the shared settings, e.g. `(o) => new S3Client(s3Config(o))`. */
export type ClientFactory<C> = (opts: ClientOptions) => C;

/** What a running collector knows about where it is. */
export interface CollectorContext {
  accountId: string;
  /** the region calls go to; a global collector runs in the partition's home region */
  region: string;
  partition: string;
  observedAt: string;
  runId?: string;
  collector: string;
  /** page size passed to every paginator (tests use a small one to cross page boundaries) */
  pageSize?: number;
  /** salt of the hashes kept in place of secret values (config `redactionSalt`); none: lengths only */
  redactionSalt?: string;
  /** a client for this account, cached per factory and region; every call is counted and bounded */
  client<C>(factory: ClientFactory<C>, region?: string): C;
  /** re-collection of named resources only (event-driven): their names, ids or ARNs; absent = every resource */
  only?: ReadonlySet<string>;
}

/**
 * Whether an item named by any of `values` is one of `ctx.only`. Events name a resource by name, id, URL or
 * ARN, and the collectors key it by one of them: a key matches a value equal to it or ending in `/key` or
 * `:key`, and the other way round.
 */
export function wanted(ctx: Pick<CollectorContext, 'only'>, ...values: unknown[]): boolean {
  if (!ctx.only) return true;
  const strings = values.flatMap((v) => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).filter((x): x is string => typeof x === 'string') : []));
  for (const key of ctx.only) {
    for (const v of strings) {
      if (v === key || v.endsWith(`/${key}`) || v.endsWith(`:${key}`) || key.endsWith(`/${v}`) || key.endsWith(`:${v}`)) return true;
    }
  }
  return false;
}

/** A field read from the item: a top-level key, or a function for anything else. */
export type Field<I, T> = (keyof I & string) | ((item: I, ctx: CollectorContext) => T);

export interface DetailSpec<C, I> {
  /** the API operation, as named in `errors[].call` */
  call: string;
  run: (client: C, item: I, ctx: CollectorContext) => Promise<unknown>;
  /** the result is a policy document (JSON text or URL-encoded): decode it */
  policy?: boolean;
  /** the result is the resource's tags, not supplementary configuration */
  tags?: boolean;
}

export interface ResourceSpec<C, I> {
  /** CloudFormation / AWS Config type */
  resourceType: string;
  client: ClientFactory<C>;
  /** every item of the account and region, page by page (see `paged`) */
  list: (client: C, ctx: CollectorContext) => AsyncIterable<I>;
  id: Field<I, string>;
  arn: Field<I, string>;
  name?: Field<I, string | undefined>;
  created?: Field<I, Date | string | undefined>;
  tags?: Field<I, unknown>;
  /** the resource's region when it is not the listing region (S3 buckets: listed globally, live in one region) */
  region?: (item: I, client: C, ctx: CollectorContext) => Promise<string>;
  /** detail calls by supplementaryConfiguration key */
  details?: Record<string, DetailSpec<C, I>>;
  /** configuration keys holding policy documents to decode (IAM URL-encodes them) */
  decode?: string[];
  /** fields that can hold a secret (`configuration.Environment.Variables.*`): kept as name, length and salted hash (redact.ts) */
  secrets?: SecretDecl[];
}

/** A resource spec with its client and item types erased, so one collector can hold several. */
export type AnyResourceSpec = ResourceSpec<unknown, unknown>;

export function resource<C, I>(spec: ResourceSpec<C, I>): AnyResourceSpec {
  return spec as unknown as AnyResourceSpec;
}

export interface Collector {
  /** the collector's name: `s3`, `iam`, ... (one Lambda each, `census-<name>` role session) */
  name: string;
  /** listed once per account (IAM, S3, Route 53, CloudFront), not per region */
  global?: boolean;
  /** regions where the service exists at all (Route 53 Domains: us-east-1 only) */
  onlyRegions?: string[];
  resources: AnyResourceSpec[];
}

/** The code of an SDK error: the service's error code, else the JS error name. */
export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? 'Error';
}

export function errorMessage(err: unknown): string {
  const e = err as { message?: string; $metadata?: { httpStatusCode?: number } };
  const msg = e?.message || String(err);
  const status = e?.$metadata?.httpStatusCode;
  return status && !msg.includes(String(status)) ? `${msg} (HTTP ${status})` : msg;
}

/** "There is none" (no bucket policy, no login profile, a queue deleted since it was listed), as opposed to "could not read it". */
export function isAbsent(err: unknown): boolean {
  // SQS says `AWS.SimpleQueueService.NonExistentQueue`: the last part is the code
  const code = errorCode(err).split('.').pop() ?? '';
  return /^(NoSuch\w*|\w*NotFound\w*|WAFNonexistentItemException|\w*NonExistent\w*|\w*DoesNotExist\w*)$/.test(code);
}

/** An authorization failure (an IAM or SCP deny, a key policy that does not delegate to IAM), not a broken call. */
export function isAccessDenied(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized|Forbidden/i.test(errorCode(err)) || status === 403;
}

/** Where runtime.ts's middleware notes which API call an SDK error came from. */
export const FAILED_CALL = Symbol.for('census.failedCall');
export interface FailedCall {
  /** SDK operation, `DescribeKey` */
  operation: string;
  /** IAM action, `kms:DescribeKey` */
  action: string;
}

/**
 * A failed API call as the record's error: the operation that failed (as the SDK named it, else `call`), its code,
 * and for a denial the IAM action that was denied, so the fix (a permission, an SCP, a key policy) is plain.
 */
export function callError(err: unknown, call: string): CollectionError {
  const failed = (err as { [FAILED_CALL]?: FailedCall } | null)?.[FAILED_CALL];
  const message = errorMessage(err);
  if (!isAccessDenied(err)) return { call: failed?.operation ?? call, code: errorCode(err), message };
  return { call: failed?.operation ?? call, code: errorCode(err), message: `access denied to ${failed?.action ?? call}: ${message}` };
}

/** The JSON form of an API response: dates as ISO strings, no SDK `$metadata`. */
export function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (k, v: unknown) => {
      if (k === '$metadata') return undefined;
      if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
      return v;
    }),
  ) as unknown;
}

/** Tags from any of the shapes AWS uses: `[{Key, Value}]`, `[{key, value}]`, `[{TagKey, TagValue}]`, or a map. */
export function toTagMap(value: unknown): Record<string, string> {
  if (!value) return {};
  if (Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const t of value as Obj[]) {
      const key = t.Key ?? t.key ?? t.TagKey;
      if (typeof key === 'string') out[key] = String(t.Value ?? t.value ?? t.TagValue ?? '');
    }
    return out;
  }
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, String(v ?? '')]));
  }
  return {};
}

function read<I, T>(field: Field<I, T> | undefined, item: I, ctx: CollectorContext): T | undefined {
  if (field === undefined) return undefined;
  if (typeof field === 'function') return field(item, ctx);
  return (item as Obj)[field] as T;
}

function isoOrNull(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  const d = v instanceof Date ? v : typeof v === 'number' ? new Date(v < 1e12 ? v * 1000 : v) : new Date(String(v));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function decodeAt(config: Obj, key: string, errors: CollectionError[]): void {
  if (config[key] === undefined || config[key] === null) return;
  try {
    config[key] = decodePolicyDocument(config[key]);
  } catch (err) {
    errors.push({ call: `decode ${key}`, code: 'MalformedPolicyDocument', message: (err as Error).message });
  }
}

/** A map of named policy documents (SES identity policies), each decoded. */
export function decodePolicies(policies: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(policies).map(([name, doc]) => [name, decodePolicyDocument(doc)]));
}

/** The ARN of a resource: `arn:<partition>:<service>:<region>:<account>:<resource>` (region '' for global services). */
export function arnOf(ctx: CollectorContext, service: string, resourcePart: string, region: string = ctx.region): string {
  return `arn:${ctx.partition}:${service}:${region}:${ctx.accountId}:${resourcePart}`;
}

/** The context's page size within an API's bounds (EC2 Describe* calls want at least 5). */
export function pageSize(ctx: CollectorContext, bounds: { min?: number; max?: number } = {}): number | undefined {
  if (ctx.pageSize === undefined) return undefined;
  return Math.min(bounds.max ?? Infinity, Math.max(bounds.min ?? 1, ctx.pageSize));
}

/** Run a paginator and yield the items under `resultKey` of every page. */
export function paged<C, In, Out, K extends keyof Out>(
  paginate: (config: { client: C; pageSize?: number }, input: In) => AsyncIterable<Out>,
  input: In | ((ctx: CollectorContext) => In),
  resultKey: K,
  pageBounds: { min?: number; max?: number } = {},
): (client: C, ctx: CollectorContext) => AsyncIterable<NonNullable<Out[K]> extends (infer E)[] ? E : never> {
  type E = NonNullable<Out[K]> extends (infer X)[] ? X : never;
  return async function* (client, ctx) {
    // a fresh copy per run: SDK paginators write the next token and page size into the input object, and one
    // declaration's input is shared by every account and region running at once
    const args = { ...(typeof input === 'function' ? (input as (c: CollectorContext) => In)(ctx) : input) };
    for await (const page of paginate({ client, pageSize: pageSize(ctx, pageBounds) }, args)) {
      for (const item of (page[resultKey] ?? []) as E[]) yield item;
    }
  };
}

/** Marks a listed item whose describe call failed: normalize turns it into a record carrying that error. */
const DESCRIBE_FAILED = Symbol('census.describeFailed');
interface DescribeFailure {
  error: CollectionError;
  /** the listed id as text, the record's id when the stub has none */
  listed: string;
}

/** The describe failure carried by an item, if its describe call failed. */
export function describeFailure(item: unknown): DescribeFailure | undefined {
  return (item as { [DESCRIBE_FAILED]?: DescribeFailure } | null)?.[DESCRIBE_FAILED];
}

export interface DescribeOptions<E, Item> {
  /** page size bounds of the list call */
  min?: number;
  max?: number;
  /**
   * The item as far as the listed id tells (name, ARN), used when the describe fails so the record still says
   * which resource could not be read. Default: the listed value itself when it is an object.
   */
  stub?: (listed: E, ctx: CollectorContext) => Partial<Item>;
}

/**
 * List calls that return names or ARNs only (DynamoDB tables, KMS keys, EKS clusters, ...): run the paginator
 * and describe each listed id; the description is the item (and so the record's configuration).
 * One item never costs the others: an item deleted between list and describe is skipped (it is gone; the next
 * complete run marks it deleted), and an item whose describe fails otherwise (a key policy that does not admit
 * the audit role) still becomes a record, with the failure in its `errors`. Only the list call can fail the type.
 */
export function pagedDescribe<C, In, Out, K extends keyof Out, Item>(
  paginate: (config: { client: C; pageSize?: number }, input: In) => AsyncIterable<Out>,
  input: In,
  resultKey: K,
  describe: (client: C, id: NonNullable<Out[K]> extends (infer E)[] ? E : never, ctx: CollectorContext) => Promise<Item | undefined>,
  options: DescribeOptions<NonNullable<Out[K]> extends (infer E)[] ? E : never, Item> = {},
): (client: C, ctx: CollectorContext) => AsyncIterable<Item> {
  const ids = paged(paginate, input, resultKey, options);
  return async function* (client, ctx) {
    for await (const id of ids(client, ctx)) {
      // event-driven re-collection describes only the named resources
      if (!wanted(ctx, id)) continue;
      let item: Item | undefined;
      try {
        item = await describe(client, id, ctx);
      } catch (err) {
        if (isAbsent(err)) continue;
        const stub = options.stub ? options.stub(id, ctx) : isRecord(id) ? { ...id } : {};
        const failure: DescribeFailure = { error: callError(err, 'describe'), listed: typeof id === 'string' ? id : JSON.stringify(toJson(id)) };
        yield Object.assign(stub, { [DESCRIBE_FAILED]: failure }) as Item;
        continue;
      }
      if (item !== undefined) yield item;
    }
  };
}

/** One call, no pagination: yield the items under `resultKey`. */
export function single<C, Out, K extends keyof Out>(
  call: (client: C, ctx: CollectorContext) => Promise<Out>,
  resultKey: K,
): (client: C, ctx: CollectorContext) => AsyncIterable<NonNullable<Out[K]> extends (infer E)[] ? E : never> {
  type E = NonNullable<Out[K]> extends (infer X)[] ? X : never;
  return async function* (client, ctx) {
    const out = await call(client, ctx);
    for (const item of (out[resultKey] ?? []) as E[]) yield item;
  };
}

/** A detail call: `detail('GetBucketPolicy', (c, b) => c.send(new GetBucketPolicyCommand({ Bucket: b.Name })), (o) => o.Policy)`. */
export function detail<C, I, Out>(
  call: string,
  run: (client: C, item: I, ctx: CollectorContext) => Promise<Out>,
  pick?: (out: Out) => unknown,
  opts: { policy?: boolean; tags?: boolean } = {},
): DetailSpec<C, I> {
  return {
    call,
    run: async (client, item, ctx) => {
      const out = await run(client, item, ctx);
      return pick ? pick(out) : out;
    },
    ...opts,
  };
}

export interface CollectOutcome {
  resourceType: string;
  records: ResourceRecord[];
}

/** Per-item work in flight within one collector run (calls themselves are bounded by the client limiter). */
const ITEM_CONCURRENCY = 8;

/** Turn one listed item into a ResourceRecord, running its detail calls. */
export async function normalize<C, I>(spec: ResourceSpec<C, I>, item: I, client: C, ctx: CollectorContext): Promise<ResourceRecord> {
  const errors: CollectionError[] = [];
  let region = ctx.region;
  let detailClient = client;
  if (spec.region) {
    try {
      region = await spec.region(item, client, ctx);
      detailClient = ctx.client(spec.client, region);
    } catch (err) {
      errors.push({ call: 'region', code: errorCode(err), message: errorMessage(err) });
    }
  }
  const itemCtx: CollectorContext = { ...ctx, region };
  // the describe call failed: the record says so, and no detail call runs on an item that was never read
  const failure = describeFailure(item);
  if (failure) errors.push(failure.error);
  const configuration = (toJson(item) ?? {}) as Obj;
  for (const key of spec.decode ?? []) decodeAt(configuration, key, errors);
  const supplementaryConfiguration: Obj = {};
  let tags = toTagMap(toJson(read(spec.tags, item, itemCtx)));
  await Promise.all(
    Object.entries(failure ? {} : (spec.details ?? {})).map(async ([key, d]) => {
      try {
        let value = toJson(await d.run(detailClient, item, itemCtx));
        if (d.policy && value !== null) value = decodePolicyDocument(value);
        if (d.tags) tags = { ...tags, ...toTagMap(value) };
        else supplementaryConfiguration[key] = value;
      } catch (err) {
        if (isAbsent(err)) {
          if (!d.tags) supplementaryConfiguration[key] = null;
        } else {
          errors.push(callError(err, d.call));
        }
      }
    }),
  );
  if (spec.secrets) redactFields({ configuration, supplementaryConfiguration }, spec.secrets, ctx.redactionSalt);
  const id = String(read(spec.id, item, itemCtx) ?? '');
  const arn = String(read(spec.arn, item, itemCtx) ?? '');
  const global = ctx.region === 'global';
  return {
    recordType: 'resource',
    schemaVersion: SCHEMA_VERSION,
    resourceType: spec.resourceType,
    // an item without an id or ARN breaks the contract and is caught (dead letter) at the sink, not dropped here
    resourceId: id || arn || failure?.listed || '',
    arn: arn || id || failure?.listed || '',
    resourceName: read(spec.name, item, itemCtx) ?? null,
    awsAccountId: ctx.accountId,
    awsRegion: global && !spec.region ? 'global' : region,
    configuration,
    supplementaryConfiguration,
    tags,
    resourceCreationTime: isoOrNull(read(spec.created, item, itemCtx)),
    configurationItemCaptureTime: ctx.observedAt,
    // listed but not described: the resource exists, its configuration is unknown (no check may judge it)
    configurationItemStatus: failure ? 'ResourceDiscovered' : 'OK',
    collector: ctx.collector,
    ...(ctx.runId ? { runId: ctx.runId } : {}),
    errors,
  };
}

/**
 * List every resource of one spec in one account and region and normalize each. A failure of the list call
 * itself throws (the caller records the collector run as incomplete); a failure of a detail call lands in
 * that record's `errors`.
 */
export async function* collectResources(spec: AnyResourceSpec, ctx: CollectorContext): AsyncGenerator<ResourceRecord> {
  const client = ctx.client(spec.client, ctx.region === 'global' ? undefined : ctx.region);
  const limit = pLimit(ITEM_CONCURRENCY);
  let batch: Promise<ResourceRecord>[] = [];
  for await (const item of spec.list(client, ctx)) {
    if (ctx.only && !wanted(ctx, read(spec.id, item, ctx), read(spec.arn, item, ctx), read(spec.name, item, ctx))) continue;
    batch.push(limit(() => normalize(spec, item, client, ctx)));
    if (batch.length >= ITEM_CONCURRENCY * 4) {
      for (const r of await Promise.all(batch)) yield r;
      batch = [];
    }
  }
  for (const r of await Promise.all(batch)) yield r;
}

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;
