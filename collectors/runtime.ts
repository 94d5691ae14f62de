// Where collectors run: audit-role credentials per account, one client per service and region, every API call
// bounded per account, per region and overall, and counted (calls, retries) for the run summary.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit, { type LimitFunction } from 'p-limit';
import { clientConfig } from '../platform/aws.js';
import { FAILED_CALL, type ClientFactory, type CollectorContext, type FailedCall } from './engine.js';
import { iamActionFor } from './iam-actions.js';
import { redactSensitiveResponses } from './redact.js';

export interface CallStats {
  calls: number;
  /** SDK retries (adaptive mode) summed over every call */
  retries: number;
  /** calls that failed with a throttling error after all retries */
  throttled: number;
}

export const newStats = (): CallStats => ({ calls: 0, retries: 0, throttled: 0 });

export interface ConcurrencyLimits {
  overall: number;
  perAccount: number;
  perRegion: number;
}

/** Bounds API calls in flight: per account, per region (across accounts) and overall. */
export class CallLimiter {
  private readonly overall: LimitFunction;
  private readonly accounts = new Map<string, LimitFunction>();
  private readonly regions = new Map<string, LimitFunction>();

  constructor(readonly limits: ConcurrencyLimits) {
    this.overall = pLimit(limits.overall);
  }

  private of(map: Map<string, LimitFunction>, key: string, n: number): LimitFunction {
    let l = map.get(key);
    if (!l) map.set(key, (l = pLimit(n)));
    return l;
  }

  /** Run `fn` once a slot is free for its account, then its region, then overall (a waiting call holds no overall slot). */
  run<T>(accountId: string, region: string, fn: () => Promise<T>): Promise<T> {
    return this.of(this.accounts, accountId, this.limits.perAccount)(() =>
      this.of(this.regions, region, this.limits.perRegion)(() => this.overall(fn)),
    );
  }
}

/** The partition's region where global services (IAM, S3 listing, Route 53, CloudFront) answer. */
export function homeRegion(partition: string): string {
  if (partition === 'aws-us-gov') return 'us-gov-west-1';
  if (partition === 'aws-cn') return 'cn-north-1';
  return 'us-east-1';
}

/** `aws`, `aws-us-gov`, `aws-cn` from an ARN (`arn:<partition>:...`); an error naming the input otherwise. */
export function partitionOfArn(arn: string): string {
  const m = /^arn:(aws[a-z-]*):/.exec(arn);
  if (!m) throw new Error(`caller identity ARN "${arn}": expected arn:<partition>:...`);
  return m[1]!;
}

type BaseCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;
const partitions = new Map<BaseCredentials | undefined, Promise<string>>();

/**
 * The partition of the caller's own identity (STS GetCallerIdentity), so role ARNs built from it work in GovCloud
 * and China as well as in `aws`. Asked once per set of base credentials; a failed answer is not kept.
 */
export function callerPartition(baseCredentials?: BaseCredentials, region?: string): Promise<string> {
  let p = partitions.get(baseCredentials);
  if (!p) {
    const sts = new STSClient(clientConfig({ region, credentials: baseCredentials }));
    p = sts.send(new GetCallerIdentityCommand({})).then((out) => partitionOfArn(out.Arn ?? ''));
    p.catch(() => partitions.delete(baseCredentials));
    partitions.set(baseCredentials, p);
  }
  return p;
}

export interface AssumeOptions {
  accountId: string;
  roleName: string;
  /** shows in the account's CloudTrail: which collector asked */
  sessionName: string;
  externalId?: string;
  /** default: the partition of the caller's own identity (callerPartition) */
  partition?: string;
  /** the caller's own credentials (default: the SDK's default chain) */
  baseCredentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  region?: string;
}

/** A clear error for a role that cannot be assumed: the account is recorded as not inventoried. */
export class AssumeRoleError extends Error {
  constructor(
    readonly accountId: string,
    readonly roleArn: string,
    readonly code: string,
    message: string,
  ) {
    super(`cannot assume ${roleArn}: ${code}: ${message}`);
    this.name = 'AssumeRoleError';
  }
}

/** Assume the audit role once and refresh the credentials shortly before they expire. */
export async function assumeRole(opts: AssumeOptions): Promise<AwsCredentialIdentityProvider> {
  const partition = opts.partition ?? (await callerPartition(opts.baseCredentials, opts.region));
  const roleArn = `arn:${partition}:iam::${opts.accountId}:role/${opts.roleName}`;
  const sts = new STSClient(clientConfig({ region: opts.region, credentials: opts.baseCredentials }));
  const fetchOnce = async (): Promise<AwsCredentialIdentity> => {
    try {
      const out = await sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: opts.sessionName.slice(0, 64), ExternalId: opts.externalId }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    } catch (err) {
      const e = err as { name?: string; message?: string };
      throw new AssumeRoleError(opts.accountId, roleArn, e.name ?? 'Error', e.message ?? String(err));
    }
  };
  let current = await fetchOnce();
  let refreshing: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const expiresSoon = current.expiration && current.expiration.getTime() - Date.now() < 5 * 60_000;
    if (expiresSoon) {
      refreshing ??= fetchOnce().finally(() => (refreshing = undefined));
      current = await refreshing;
    }
    return current;
  };
}

interface WithMiddleware {
  middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<{ output: { $metadata?: { attempts?: number } } }>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ): void;
  };
}

/** Note on an SDK error which call failed and the IAM action it needed (engine.ts callError reads it). */
function noteFailedCall(err: unknown, clientName?: string, commandName?: string): void {
  if (!err || typeof err !== 'object' || !clientName || !commandName) return;
  const operation = commandName.replace(/Command$/, '');
  let action: string;
  try {
    action = iamActionFor(clientName, operation);
  } catch {
    action = `${clientName.replace(/Client$/, '').toLowerCase()}:${operation}`;
  }
  const failed: FailedCall = { operation, action };
  Object.defineProperty(err, FAILED_CALL, { value: failed, enumerable: false, configurable: true });
}

const THROTTLE = /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ProvisionedThroughputExceeded/;

export interface ContextOptions {
  accountId: string;
  region: string;
  partition: string;
  collector: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  observedAt: string;
  runId?: string;
  pageSize?: number;
  /** salt of the hashes kept in place of secret values (collectors/redact.ts) */
  redactionSalt?: string;
  limiter: CallLimiter;
  stats: CallStats;
  /** shared across the contexts of one account and collector, so clients are reused */
  clients?: Map<string, unknown>;
  /** event-driven re-collection: only these resources (names, ids or ARNs) */
  only?: ReadonlySet<string>;
}

const factoryIds = new WeakMap<object, number>();
let factoryCount = 0;
function factoryId(factory: object): number {
  let id = factoryIds.get(factory);
  if (id === undefined) factoryIds.set(factory, (id = factoryCount++));
  return id;
}

/** A collector context whose clients are bounded by the limiter and counted in `stats`. */
export function collectorContext(o: ContextOptions): CollectorContext {
  const clients = o.clients ?? new Map<string, unknown>();
  const home = homeRegion(o.partition);
  return {
    accountId: o.accountId,
    region: o.region,
    partition: o.partition,
    observedAt: o.observedAt,
    runId: o.runId,
    collector: o.collector,
    pageSize: o.pageSize,
    redactionSalt: o.redactionSalt,
    only: o.only,
    client<C>(factory: ClientFactory<C>, region?: string): C {
      const r = region && region !== 'global' ? region : o.region === 'global' ? home : o.region;
      const key = `${factoryId(factory)}:${r}`;
      let client = clients.get(key) as C | undefined;
      if (!client) {
        client = factory({ region: r, credentials: o.credentials });
        (client as unknown as WithMiddleware).middlewareStack.add(
          (next, context) => (args) =>
            o.limiter.run(o.accountId, r, async () => {
              o.stats.calls++;
              try {
                const out = await next(args);
                o.stats.retries += Math.max(0, (out.output.$metadata?.attempts ?? 1) - 1);
                return out;
              } catch (err) {
                const e = err as { name?: string; $metadata?: { attempts?: number } };
                o.stats.retries += Math.max(0, (e.$metadata?.attempts ?? 1) - 1);
                if (THROTTLE.test(e.name ?? '')) o.stats.throttled++;
                noteFailedCall(err, context.clientName, context.commandName);
                throw err;
              }
            }),
          { step: 'initialize', name: 'censusCallLimits' },
        );
        redactSensitiveResponses(client, o.redactionSalt);
        clients.set(key, client);
      }
      return client;
    },
  };
}
