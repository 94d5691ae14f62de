// Shared by the fault-injection tests: a TCP fault proxy started by the test (the shared OpenSearch and moto
// are never stopped), and a comparison of what was produced with what landed in OpenSearch, `latest/` and
// the feed, by identity and version.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { indexNames } from '../../core/indexes.js';

export type ProxyMode = 'pass' | 'refuse' | { delayMs: number };

/**
 * Forwards 127.0.0.1:<port> to a target port. `refuse` closes every open and new connection at once (the
 * service looks down: connection reset/refused); a delay holds each chunk towards the target, so a client
 * can be killed while its requests are in flight.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  mode: ProxyMode = 'pass';
  port = 0;
  /** connections accepted and refused, for the figures */
  accepted = 0;
  refused = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<string> {
    this.server = createServer((client) => {
      if (this.mode === 'refuse') {
        this.refused++;
        client.destroy();
        return;
      }
      this.accepted++;
      const upstream = connect(this.targetPort, '127.0.0.1');
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk) => {
        const m = this.mode;
        if (m === 'refuse') return drop();
        if (typeof m === 'object') setTimeout(() => upstream.write(chunk), m.delayMs);
        else upstream.write(chunk);
      });
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
    return `http://127.0.0.1:${this.port}`;
  }

  /** switch mode; `refuse` also cuts the connections already open (keep-alive) */
  set(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface Landed {
  /** identity -> version of each resource document in OpenSearch */
  opensearch: Map<string, number>;
  /** identity -> version (capture time) of each latest/ object */
  latest: Map<string, number>;
  /** `identity@version@status` -> how many feed lines hold it */
  feed: Map<string, number>;
  deletedInOpenSearch: number;
  deadLetters: number;
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(res.Contents ?? []).map((o) => o.Key!));
    token = res.NextContinuationToken;
  } while (token);
  return keys;
}

async function body(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
}

/** Everything that landed, read back from each store. */
export async function landed(os: Client, s3: S3Client, opts: { prefix: string; feedBucket: string; deadLetterBucket: string }): Promise<Landed> {
  const index = indexNames(opts.prefix).resources;
  await os.indices.refresh({ index }, { ignore: [404] });
  const opensearch = new Map<string, number>();
  let deletedInOpenSearch = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const res = await os.search({
      index,
      ignore_unavailable: true,
      body: { size: 5000, version: true, _source: ['arn', 'configurationItemStatus'], sort: [{ arn: 'asc' }], query: { match_all: {} }, ...(after ? { search_after: after } : {}) } as never,
    });
    const hits = res.body.hits.hits as { _version: number; _source: { arn: string; configurationItemStatus: string }; sort: unknown[] }[];
    for (const h of hits) {
      opensearch.set(h._source.arn, h._version);
      if (h._source.configurationItemStatus === 'ResourceDeleted') deletedInOpenSearch++;
    }
    if (hits.length < 5000) break;
    after = hits.at(-1)!.sort;
  }
  const latest = new Map<string, number>();
  for (const key of await listKeys(s3, opts.feedBucket, 'latest/')) {
    const r = JSON.parse((await body(s3, opts.feedBucket, key)).toString('utf8')) as { arn: string; configurationItemCaptureTime: string };
    latest.set(r.arn, Date.parse(r.configurationItemCaptureTime));
  }
  const feed = new Map<string, number>();
  for (const key of await listKeys(s3, opts.feedBucket, 'feed/resource/')) {
    for (const line of gunzipSync(await body(s3, opts.feedBucket, key)).toString('utf8').trimEnd().split('\n')) {
      const r = JSON.parse(line) as { arn: string; configurationItemCaptureTime: string; configurationItemStatus: string };
      const k = `${r.arn}@${Date.parse(r.configurationItemCaptureTime)}@${r.configurationItemStatus}`;
      feed.set(k, (feed.get(k) ?? 0) + 1);
    }
  }
  const deadLetters = (await listKeys(s3, opts.deadLetterBucket, 'dead-letter/')).length;
  return { opensearch, latest, feed, deletedInOpenSearch, deadLetters };
}

export interface Figures {
  scenario: string;
  produced: number;
  landed: number;
  lost: number;
  doubled: number;
  deadLettered: number;
  [k: string]: string | number;
}

/** Produced copies (identity -> version) against the stores: landed in all three, lost from any, doubled in the feed. */
export function compare(scenario: string, produced: Map<string, number>, got: Landed, extra: Record<string, number> = {}): Figures {
  let landedAll = 0;
  let lost = 0;
  for (const [arn, version] of produced) {
    const inFeed = got.feed.get(`${arn}@${version}@OK`) ?? 0;
    if (got.opensearch.get(arn) === version && got.latest.get(arn) === version && inFeed >= 1) landedAll++;
    else lost++;
  }
  const doubled = [...got.feed.values()].filter((n) => n > 1).length;
  const figures: Figures = { scenario, produced: produced.size, landed: landedAll, lost, doubled, deadLettered: got.deadLetters, ...extra };
  // the figures RELIABILITY.md quotes
  console.log(`FAULT-FIGURES ${JSON.stringify(figures)}`);
  return figures;
}

/** Wait until `ok()` holds, polling. */
export async function until(ok: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The environment a child `census` process needs to use a scenario's buckets, stream and indexes. */
export function censusEnv(config: { feedBucket: string; deadLetterBucket: string; indexPrefix: string; streamName: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CENSUS_FEED_BUCKET: config.feedBucket,
    CENSUS_DEAD_LETTER_BUCKET: config.deadLetterBucket,
    CENSUS_INDEX_PREFIX: config.indexPrefix,
    CENSUS_STREAM_NAME: config.streamName,
    CENSUS_LOG_LEVEL: 'silent',
  };
}
