// The local consumer (demo, tests, `census process`): polls every shard of a Kinesis stream
// (kinesalite locally) with the same processing core as the Lambda handler, and moves its checkpoint
// only past records that landed or were dead-lettered.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type Shard, type _Record } from '@aws-sdk/client-kinesis';
import { clientConfig } from '../platform/aws.js';
import type { CensusConfig } from '../platform/config.js';
import { processorDeps, type DepsOptions } from './deps.js';
import { log } from '../platform/log.js';
import { processBatch, type BatchResult, type ProcessorDeps } from './pipeline.js';
import { sleep } from '../core/util.js';
import type { RawRecord } from './validate.js';

export interface CheckpointStore {
  get(shardId: string): Promise<string | undefined>;
  set(shardId: string, sequenceNumber: string): Promise<void>;
}

export class MemoryCheckpoints implements CheckpointStore {
  readonly positions = new Map<string, string>();
  async get(shardId: string) {
    return this.positions.get(shardId);
  }
  async set(shardId: string, sequenceNumber: string) {
    this.positions.set(shardId, sequenceNumber);
  }
}

/** Checkpoints in one small S3 object, so a restarted consumer resumes where it stopped. */
export class S3Checkpoints implements CheckpointStore {
  private positions: Map<string, string> | undefined;
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  private async load(): Promise<Map<string, string>> {
    if (this.positions) return this.positions;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      this.positions = new Map(Object.entries(JSON.parse(await res.Body!.transformToString()) as Record<string, string>));
    } catch (err) {
      if ((err as Error).name !== 'NoSuchKey') throw err;
      this.positions = new Map();
    }
    return this.positions;
  }
  async get(shardId: string) {
    return (await this.load()).get(shardId);
  }
  async set(shardId: string, sequenceNumber: string) {
    const positions = await this.load();
    positions.set(shardId, sequenceNumber);
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: JSON.stringify(Object.fromEntries(positions)), ContentType: 'application/json' }));
  }
}

export interface ConsumeOptions {
  streamName: string;
  /** `drained`: stop once every shard is read to its tip; `forever`: keep polling until the signal aborts */
  until?: 'drained' | 'forever';
  checkpoints?: CheckpointStore;
  /** GetRecords Limit */
  batchSize?: number;
  /** attempts per batch before the consumer stops with the failing position (the checkpoint stays before it) */
  maxAttempts?: number;
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
  deadLettered: number;
  alreadyNewer: number;
  markedDeleted: number;
  /** batches delivered again after a landing failure */
  retries: number;
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
  const checkpoints = opts.checkpoints ?? new MemoryCheckpoints();
  const until = opts.until ?? 'drained';
  const stats: ConsumeStats = { shards: 0, batches: 0, received: 0, landed: 0, deadLettered: 0, alreadyNewer: 0, markedDeleted: 0, retries: 0 };
  const seen = new Set<string>();
  do {
    const shards = shardOrder(await listShards(kinesis, opts.streamName)).filter((s) => until === 'forever' || !seen.has(s.ShardId!));
    for (const shard of shards) {
      if (opts.signal?.aborted) break;
      seen.add(shard.ShardId!);
      await consumeShard(kinesis, deps, shard.ShardId!, checkpoints, opts, stats);
    }
    stats.shards = seen.size;
    if (until === 'forever' && !opts.signal?.aborted) await sleep(opts.pollIntervalMs ?? 1000);
  } while (until === 'forever' && !opts.signal?.aborted);
  return stats;
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
  deps: DepsSource,
  shardId: string,
  checkpoints: CheckpointStore,
  opts: ConsumeOptions,
  stats: ConsumeStats,
): Promise<void> {
  const maxAttempts = opts.maxAttempts ?? 5;
  let iterator = await iteratorFor(kinesis, opts.streamName, shardId, await checkpoints.get(shardId));
  let attempt = 0;
  while (iterator && !opts.signal?.aborted) {
    const res = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: opts.batchSize ?? 500 }));
    const records = res.Records ?? [];
    if (!records.length) {
      // at the tip: a drained consumer moves to the next shard; a closed shard has no next iterator
      if ((res.MillisBehindLatest ?? 0) === 0 || !res.NextShardIterator) return;
      iterator = res.NextShardIterator;
      continue;
    }
    const raws = records.map((r) => toRaw(shardId, r));
    const result = await processBatch(raws, typeof deps === 'function' ? await deps() : deps);
    stats.batches++;
    stats.received += result.received;
    stats.deadLettered += result.deadLettered;
    stats.alreadyNewer += result.alreadyNewer;
    stats.markedDeleted += result.markedDeleted;
    opts.onBatch?.(shardId, result);
    if (!result.failures.length) {
      stats.landed += result.landed;
      await checkpoints.set(shardId, raws.at(-1)!.sequenceNumber);
      attempt = 0;
      iterator = res.NextShardIterator;
      continue;
    }
    // keep what landed before the first failure; deliver again from there (landing is idempotent)
    const firstFailed = raws.findIndex((r) => r.sequenceNumber === result.failures[0]!.sequenceNumber);
    if (firstFailed > 0) await checkpoints.set(shardId, raws[firstFailed - 1]!.sequenceNumber);
    attempt = firstFailed > 0 ? 1 : attempt + 1;
    const failure = result.failures[0]!;
    if (attempt >= maxAttempts) {
      throw new Error(`shard ${shardId}: record ${failure.sequenceNumber} still failing after ${attempt} attempts: ${failure.reason}`);
    }
    stats.retries++;
    log.warn({ shardId, sequenceNumber: failure.sequenceNumber, attempt, reason: failure.reason }, 'batch did not land; delivering again');
    await sleep(Math.min(30_000, 500 * 2 ** (attempt - 1)));
    iterator = await iteratorFor(kinesis, opts.streamName, shardId, undefined, failure.sequenceNumber);
  }
}

/** For the demo and scripts: build the processing dependencies from configuration and drain the stream. */
export async function processStream(
  config: CensusConfig,
  opts: Partial<ConsumeOptions> & DepsOptions & { registerTtlMs?: number } = {},
): Promise<ConsumeStats> {
  const build = () => processorDeps(config, { refresh: opts.refresh ?? true, accountListMaxAgeMs: opts.accountListMaxAgeMs ?? 0, deliveryStream: opts.deliveryStream });
  let deps = await build();
  let builtAt = Date.now();
  // a consumer that runs for hours re-reads the risk and trusted-accounts registers, as the Lambda does
  const current = async () => {
    if (Date.now() - builtAt > (opts.registerTtlMs ?? 300_000)) {
      deps = await build();
      builtAt = Date.now();
    }
    return deps;
  };
  return consumeStream(current, { ...opts, streamName: opts.streamName ?? config.streamName });
}
