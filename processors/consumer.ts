// The local consumer (demo, tests, `census process`): polls every shard of a Kinesis stream
// (kinesalite locally) with the same processing core as the Lambda handler, and moves its checkpoint
// only past records that landed or were dead-lettered.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type Shard, type _Record } from '@aws-sdk/client-kinesis';
import { clientConfig, s3Config } from '../platform/aws.js';
import type { CensusConfig } from '../platform/config.js';
import { DepsCache, processorDeps, registerFingerprint, type DepsOptions } from './deps.js';
import { log } from '../platform/log.js';
import { processBatch, type BatchResult, type ProcessorDeps } from './pipeline.js';
import { backoffWithJitter, sleep } from '../core/util.js';
import type { RawRecord } from './validate.js';

export interface CheckpointStore {
  get(shardId: string): Promise<string | undefined>;
  set(shardId: string, sequenceNumber: string): Promise<void>;
}

/** In memory only: for tests that want a throw-away position. The consumer's default is durable (S3). */
export class MemoryCheckpoints implements CheckpointStore {
  readonly positions = new Map<string, string>();
  async get(shardId: string) {
    return this.positions.get(shardId);
  }
  async set(shardId: string, sequenceNumber: string) {
    this.positions.set(shardId, sequenceNumber);
  }
}

/** Positions kept as one small JSON document, read once and written whole after each move. */
abstract class DocumentCheckpoints implements CheckpointStore {
  private positions: Map<string, string> | undefined;
  /** the stored document, undefined when there is none yet */
  protected abstract read(): Promise<string | undefined>;
  protected abstract write(text: string): Promise<void>;

  private async load(): Promise<Map<string, string>> {
    this.positions ??= new Map(Object.entries(JSON.parse((await this.read()) ?? '{}') as Record<string, string>));
    return this.positions;
  }
  async get(shardId: string) {
    return (await this.load()).get(shardId);
  }
  async set(shardId: string, sequenceNumber: string) {
    const positions = await this.load();
    positions.set(shardId, sequenceNumber);
    await this.write(JSON.stringify(Object.fromEntries(positions)));
  }
}

/** Checkpoints in a local JSON file, written atomically (temporary file, then rename), so a restart resumes. */
export class FileCheckpoints extends DocumentCheckpoints {
  constructor(readonly path: string) {
    super();
  }
  protected async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw new Error(`checkpoint file ${this.path}: ${(err as Error).message}`);
    }
  }
  protected async write(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, this.path);
  }
}

/** Checkpoints in one small S3 object, so a restarted consumer resumes where it stopped. */
export class S3Checkpoints extends DocumentCheckpoints {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {
    super();
  }
  protected async read(): Promise<string | undefined> {
    try {
      return await (await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }))).Body!.transformToString();
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
  protected async write(text: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: text, ContentType: 'application/json' }));
  }
}

/** The checkpoint a consumer keeps when given none: one S3 object per stream in the feed bucket. */
export const defaultCheckpointKey = (streamName: string) => `checkpoints/${streamName}.json`;

/** `s3://bucket/key` or a local path. */
export function checkpointsAt(location: string, s3: S3Client): CheckpointStore {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? new S3Checkpoints(s3, m[1]!, m[2]!) : new FileCheckpoints(location);
}

export interface ConsumeOptions {
  streamName: string;
  /** `drained`: stop once every shard is read to its tip; `forever`: keep polling until the signal aborts */
  until?: 'drained' | 'forever';
  /** default: `checkpoints/<stream>.json` in the feed bucket (durable: a restart resumes, never replays the stream) */
  checkpoints?: CheckpointStore;
  /** GetRecords Limit */
  batchSize?: number;
  /**
   * attempts per batch (and per stream or S3 call) before the consumer stops with the failing position (the
   * checkpoint stays before it); default: without end for `forever` (it logs what it waits for), 5 for `drained`
   */
  maxAttempts?: number;
  /** first wait between attempts; doubles up to maxDelayMs, with full jitter */
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  kinesis?: KinesisClient;
  onBatch?: (shardId: string, result: BatchResult) => void;
}

export interface ConsumeStats {
  shards: number;
  batches: number;
  received: number;
  landed: number;
  /** copies equal to what is stored (change-only landing): written nowhere */
  unchanged: number;
  /** of `unchanged`, the resources recognised by their fingerprints without deriving them again */
  recalled: number;
  deadLettered: number;
  alreadyNewer: number;
  markedDeleted: number;
  /** batches delivered again after a landing failure */
  retries: number;
  /** stream or S3 calls of the consumer itself retried (Kinesis, checkpoints, dependencies) */
  waits: number;
}

export function toRaw(shardId: string, r: _Record): RawRecord {
  return { data: Buffer.from(r.Data ?? new Uint8Array()), shardId, sequenceNumber: r.SequenceNumber!, arrivalTime: r.ApproximateArrivalTimestamp ?? new Date(0) };
}

/** Parents before children, so a resharded stream keeps each key's order. */
export function shardOrder(shards: Shard[]): Shard[] {
  const ids = new Set(shards.map((s) => s.ShardId));
  const done = new Set<string>();
  const out: Shard[] = [];
  let remaining = [...shards].sort((a, b) => a.ShardId!.localeCompare(b.ShardId!));
  while (remaining.length) {
    const ready = remaining.filter((s) => [s.ParentShardId, s.AdjacentParentShardId].every((p) => !p || !ids.has(p) || done.has(p)));
    const batch = ready.length ? ready : remaining; // a cycle cannot happen; never spin
    for (const s of batch) {
      out.push(s);
      done.add(s.ShardId!);
    }
    remaining = remaining.filter((s) => !done.has(s.ShardId!));
  }
  return out;
}

async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const res = await kinesis.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: streamName }));
    shards.push(...(res.Shards ?? []));
    token = res.NextToken;
  } while (token);
  return shards;
}

/** Fixed dependencies, or a function asked before every batch (lets a long-running consumer re-read its registers). */
export type DepsSource = ProcessorDeps | (() => Promise<ProcessorDeps>);

export async function consumeStream(deps: DepsSource, opts: ConsumeOptions): Promise<ConsumeStats> {
  const kinesis = opts.kinesis ?? new KinesisClient(clientConfig());
  const until = opts.until ?? 'drained';
  const stats: ConsumeStats = { shards: 0, batches: 0, received: 0, landed: 0, unchanged: 0, recalled: 0, deadLettered: 0, alreadyNewer: 0, markedDeleted: 0, retries: 0, waits: 0 };
  const retry = retrier(opts, stats);
  const depsNow = () => retry('processing dependencies (registers, account list)', async () => (typeof deps === 'function' ? deps() : deps));
  let checkpoints = opts.checkpoints;
  if (!checkpoints) {
    const d = await depsNow();
    checkpoints = new S3Checkpoints(d.s3, d.feedBucket, defaultCheckpointKey(opts.streamName));
  }
  const seen = new Set<string>();
  do {
    const shards = shardOrder(await retry(`Kinesis ListShards ${opts.streamName}`, () => listShards(kinesis, opts.streamName))).filter(
      (s) => until === 'forever' || !seen.has(s.ShardId!),
    );
    for (const shard of shards) {
      if (opts.signal?.aborted) break;
      seen.add(shard.ShardId!);
      await consumeShard(kinesis, depsNow, shard.ShardId!, checkpoints, opts, stats, retry);
    }
    stats.shards = seen.size;
    if (until === 'forever' && !opts.signal?.aborted) await sleep(opts.pollIntervalMs ?? 1000);
  } while (until === 'forever' && !opts.signal?.aborted);
  return stats;
}

type Retry = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** The consumer's own calls (Kinesis, checkpoints, dependencies): retried with backoff and jitter, logging what it waits for. */
function retrier(opts: ConsumeOptions, stats: ConsumeStats): Retry {
  const maxAttempts = opts.maxAttempts ?? (opts.until === 'forever' ? Infinity : 5);
  return async (what, fn) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= maxAttempts || opts.signal?.aborted) throw new Error(`${what}: still failing after ${attempt} attempts: ${(err as Error).name}: ${(err as Error).message}`);
        const waitMs = backoffWithJitter(attempt, opts.baseDelayMs ?? 500, opts.maxDelayMs ?? 30_000);
        stats.waits++;
        log.warn({ waitingFor: what, attempt, waitMs, err: `${(err as Error).name}: ${(err as Error).message}` }, 'waiting for a dependency to come back');
        await sleep(waitMs);
      }
    }
  };
}

async function iteratorFor(kinesis: KinesisClient, streamName: string, shardId: string, after: string | undefined, at?: string): Promise<string | undefined> {
  const res = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ...(at
        ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: at }
        : after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  return res.ShardIterator;
}

/** Read one shard to its tip (or until aborted), landing each GetRecords batch before moving on. */
async function consumeShard(
  kinesis: KinesisClient,
  deps: () => Promise<ProcessorDeps>,
  shardId: string,
  checkpoints: CheckpointStore,
  opts: ConsumeOptions,
  stats: ConsumeStats,
  retry: Retry,
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? (opts.until === 'forever' ? Infinity : 5);
  const resume = async (at?: string) =>
    retry(`Kinesis GetShardIterator ${shardId}`, async () => iteratorFor(kinesis, opts.streamName, shardId, at ? undefined : await checkpoints.get(shardId), at));
  let iterator = await resume();
  let attempt = 0;
  while (iterator && !opts.signal?.aborted) {
    let res;
    try {
      res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: opts.batchSize ?? 500 }));
    } catch (err) {
      // the stream is unreachable or the iterator expired while we waited: resume after the checkpoint
      stats.waits++;
      if (stats.waits % 10 === 1) log.warn({ shardId, err: `${(err as Error).name}: ${(err as Error).message}` }, 'GetRecords failed; resuming after the checkpoint');
      await sleep(backoffWithJitter(Math.min(stats.waits, 8), opts.baseDelayMs ?? 500, opts.maxDelayMs ?? 30_000));
      iterator = await resume();
      continue;
    }
    const records = res.Records ?? [];
    if (!records.length) {
      // at the tip: a drained consumer moves to the next shard; a closed shard has no next iterator
      if ((res.MillisBehindLatest ?? 0) === 0 || !res.NextShardIterator) return;
      iterator = res.NextShardIterator;
      continue;
    }
    const raws = records.map((r) => toRaw(shardId, r));
    const result = await processBatch(raws, await deps());
    stats.batches++;
    stats.received += result.received;
    stats.deadLettered += result.deadLettered;
    stats.alreadyNewer += result.alreadyNewer;
    stats.markedDeleted += result.markedDeleted;
    opts.onBatch?.(shardId, result);
    if (!result.failures.length) {
      stats.landed += result.landed;
      stats.unchanged += result.unchanged;
      stats.recalled += result.recalled;
      await retry(`checkpoint of ${shardId}`, () => checkpoints.set(shardId, raws.at(-1)!.sequenceNumber));
      attempt = 0;
      iterator = res.NextShardIterator;
      continue;
    }
    // keep what landed before the first failure; deliver again from there (landing is idempotent)
    const firstFailed = raws.findIndex((r) => r.sequenceNumber === result.failures[0]!.sequenceNumber);
    if (firstFailed > 0) await retry(`checkpoint of ${shardId}`, () => checkpoints.set(shardId, raws[firstFailed - 1]!.sequenceNumber));
    attempt = firstFailed > 0 ? 1 : attempt + 1;
    const failure = result.failures[0]!;
    if (attempt >= maxAttempts) {
      throw new Error(`shard ${shardId}: record ${failure.sequenceNumber} still failing after ${attempt} attempts: ${failure.reason}`);
    }
    stats.retries++;
    const waitMs = backoffWithJitter(attempt, opts.baseDelayMs ?? 500, opts.maxDelayMs ?? 30_000);
    log.warn({ shardId, sequenceNumber: failure.sequenceNumber, attempt, waitMs, reason: failure.reason }, 'batch did not land; waiting, then delivering it again from the checkpoint');
    await sleep(waitMs);
    iterator = await resume(failure.sequenceNumber);
  }
}

/** For the demo and scripts: build the processing dependencies from configuration and drain the stream. */
export async function processStream(
  config: CensusConfig,
  opts: Partial<ConsumeOptions> & DepsOptions & { registerTtlMs?: number } = {},
): Promise<ConsumeStats> {
  const build = () =>
    processorDeps(config, { refresh: opts.refresh ?? true, accountListMaxAgeMs: opts.accountListMaxAgeMs ?? 0, deliveryStream: opts.deliveryStream, limits: opts.limits });
  // a consumer that runs for hours re-reads the risk and trusted-accounts registers when they change, as the Lambda does
  const s3 = new S3Client(s3Config());
  const cache = new DepsCache(build, () => registerFingerprint(config, s3), opts.registerTtlMs ?? 300_000);
  return consumeStream(() => cache.get(), { ...opts, streamName: opts.streamName ?? config.streamName });
}
