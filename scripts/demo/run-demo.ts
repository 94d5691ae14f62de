// `census demo`: a synthetic organization through the whole pipeline, on the local real stack.
// moto (AWS APIs) → collectors → kinesalite (Kinesis) → processors → S3 feed + OpenSearch → scoring → workbooks + SES.
import { changeCounts, measureEventLatency, measureWrites } from './follow-change.js';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { loadConfig, type CensusConfig } from '../../platform/config.js';
import type { Client } from '@opensearch-project/opensearch';
import { log } from '../../platform/log.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureBucket, ensureStream, localStack, stackUp, useLocalStack } from '../../platform/local-stack.js';
import { savedObjectsNdjson } from '../../dashboards/objects.js';
import { ensureIndexTemplates } from '../../opensearch/templates.js';
import { currentStateOf, scoreFromStack } from '../../scoring/job.js';
import { writeDailySnapshot } from '../../feed/snapshot.js';
import { indexScores } from '../../scoring/opensearch.js';
import { publishScoringViews } from '../../scoring/views.js';
import { writeScorecards } from '../../scoring/scorecards/index.js';
import { deliverScorecards } from '../../scoring/deliver.js';
import { uploadScorecards, writeScoresFeed } from '../../scoring/store.js';
import { collectOrganization, consumeAll } from './pipeline-stages.js';
import { compactLake } from '../../feed/lake-compactor.js';
import { securityLakeWriterFromEnv } from '../../feed/security-lake-sink.js';
import { StageRunner } from './stages.js';
import { formatSummary, readSummary, type DemoSummary } from './summary.js';
import { buildSyntheticOrg, exceptionsCsv, trustedAccountsRegisterCsv, type SyntheticOrgManifest } from './synthetic-org.js';

export interface DemoOptions {
  accounts: number;
  seed: number;
  out: string;
  /** index prefix, stream and bucket names: distinct per run keeps runs apart on a shared stack */
  name: string;
  json: boolean;
  startStack: boolean;
  /** clear moto and the demo's indexes first (a fresh organization each run) */
  reset: boolean;
  catalog?: string;
  regions: string[];
  /** tests: plant more into the organization (and its manifest) before the registers are written and it is collected */
  afterSeed?: (manifest: SyntheticOrgManifest) => Promise<void>;
}

const DEMO_ENTERPRISE_RECIPIENTS = ['security-leadership@corp.example'];

export interface DemoResult {
  summary: DemoSummary;
  manifest: SyntheticOrgManifest;
}

async function countObjects(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    n += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return n;
}

/** Run `fn` with these environment variables set, then put the previous values back. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** The configuration a run on the local stack uses: names derived from `name`, registers in `registerDir`. */
export function demoConfig(name: string, manifest: SyntheticOrgManifest, opts: { registerDir: string; catalog?: string }): CensusConfig {
  return loadConfig({
    payers: manifest.payers.join(','),
    auditRole: manifest.auditRole,
    regions: manifest.regions.join(','),
    streamName: `${name}-records`,
    feedBucket: `${name}-feed`,
    deadLetterBucket: `${name}-dead-letter`,
    scorecardBucket: `${name}-scorecards`,
    opensearchUrl: localStack.opensearch,
    indexPrefix: name,
    catalog: opts.catalog,
    exceptions: join(opts.registerDir, 'exceptions.csv'),
    trustedAccounts: join(opts.registerDir, 'trusted-accounts.csv'),
  });
}

/** Write the demo registers (trusted accounts, risk register) that the generator planted. */
export function writeRegisters(registerDir: string, manifest: SyntheticOrgManifest): void {
  mkdirSync(registerDir, { recursive: true });
  writeFileSync(join(registerDir, 'trusted-accounts.csv'), trustedAccountsRegisterCsv(manifest.securityAccountId));
  writeFileSync(join(registerDir, 'exceptions.csv'), exceptionsCsv(manifest.exceptions));
}

/** The stream, buckets and index templates a run lands in. */
export async function prepareTargets(config: CensusConfig, s3: S3Client, os: Client): Promise<void> {
  await ensureStream(config.streamName, 4);
  for (const b of [config.feedBucket, config.deadLetterBucket, config.scorecardBucket]) await ensureBucket(s3, b);
  await ensureIndexTemplates(os, config.indexPrefix);
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  // progress lines carry the story; per-record logs only when asked for
  if (!process.env.CENSUS_LOG_LEVEL) log.level = 'warn';
  const stages = new StageRunner(opts.json);
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });

  if (opts.startStack) await stages.run('start the local stack (moto, kinesalite, OpenSearch)', async () => stackUp());
  useLocalStack();
  if (opts.reset) {
    await stages.run('reset moto and the demo indexes', async () => {
      const res = await fetch(`${localStack.moto}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered HTTP ${res.status}`);
      await openSearchClient(localStack.opensearch).indices.delete({ index: `${opts.name}-*`, expand_wildcards: 'all' }).catch(() => undefined);
    });
  }

  const manifest = await stages.run(
    `seed a synthetic organization (${opts.accounts} accounts)`,
    (p) => {
      p.total(opts.accounts);
      return buildSyntheticOrg({ seed: opts.seed, accounts: opts.accounts, regions: opts.regions, onProgress: (d) => p.update(d) });
    },
    (m) => m.accounts.length,
  );
  await opts.afterSeed?.(manifest);
  const registerDir = join(out, 'registers');
  writeRegisters(registerDir, manifest);
  writeFileSync(join(out, 'synthetic-org.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const config = demoConfig(opts.name, manifest, { registerDir, catalog: opts.catalog });
  const s3 = new S3Client(s3Config());
  const os = openSearchClient(config);

  await stages.run('create the stream, buckets and index templates', async () => {
    await prepareTargets(config, s3, os);
    writeFileSync(join(out, 'dashboards.ndjson'), savedObjectsNdjson(config.indexPrefix));
  });

  // the processors also stage OCSF events for Security Lake beside the NDJSON feed (feed/security-lake-sink.ts), and
  // the compaction merges them into Parquet in Security Lake's layout, as the deployed schedule does (feed/lake-staging.ts)
  const lakeLocation = `s3://${config.feedBucket}/security-lake/ext/`;
  const stagingLocation = `s3://${config.feedBucket}/lake-staging/`;
  const lake = { CENSUS_SECURITY_LAKE: lakeLocation, CENSUS_SECURITY_LAKE_REGION: manifest.regions[0], CENSUS_SECURITY_LAKE_STAGING: stagingLocation };
  const firstRun = await measureWrites(s3, os, config, async () => {
    await stages.run('discover accounts and run every collector into Kinesis', (p) => collectOrganization(config, p), (r) => r.records);
    await withEnv(lake, () =>
      stages.run('process the stream into S3 (NDJSON feed, staged Security Lake events) and OpenSearch', (p) => consumeAll(config, p), (r) => r.records),
    );
  });
  // change-only landing: an unchanged organization inventoried again writes (almost) nothing
  let secondStats: { unchanged: number; recalled: number; received: number } | undefined;
  const secondRun = await measureWrites(s3, os, config, async () => {
    await stages.run('inventory again (nothing changed)', (p) => collectOrganization(config, p), (r) => r.records);
    secondStats = await withEnv(lake, () => stages.run('process the second inventory (change-only landing)', (p) => consumeAll(config, p), (r) => r.records));
  });


  const runAt = new Date().toISOString();
  const asOf = runAt.slice(0, 10);
  const scorecardDir = join(out, 'scorecards');
  const scoring = await stages.run('score accounts, owners and executives', () => scoreFromStack(config, { asOf, runAt }, { s3, opensearch: os }), (r) => r.scores.length);
  await stages.run('index scores and write them to the feed', async () => {
    await indexScores(os, scoring.scores, config.indexPrefix);
    await publishScoringViews(os, scoring, config.indexPrefix);
    await writeScoresFeed(s3, config.feedBucket, scoring.scores, runAt);
  });
  // what the scoring job does on its first run of a day: the whole current state, for SIEMs that keep state
  const snapshot = await stages.run(
    "write the day's full feed snapshot",
    () => writeDailySnapshot(s3, os, { bucket: config.feedBucket, indexPrefix: config.indexPrefix, day: asOf, snapshotAt: runAt, current: currentStateOf(scoring), force: true }),
    (r) => (r.written ? r.manifest.counts.resource + r.manifest.counts.finding + r.manifest.counts.account : 0),
  );
  const cards = await stages.run(
    'write and store scorecards',
    async () => {
      const written = await writeScorecards({ ...scoring, outDir: scorecardDir });
      await uploadScorecards(s3, config.scorecardBucket, scorecardDir, written);
      return written;
    },
    (m) => m.owners.length + 1 + (m.unowned ? 1 : 0),
  );
  const deliveries = await stages.run(
    'mail scorecards through SES (moto)',
    async () => {
      const ses = new SESClient(clientConfig());
      await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: config.sesFrom }));
      return deliverScorecards({ ses, source: { dir: scorecardDir }, from: config.sesFrom, enterpriseRecipients: DEMO_ENTERPRISE_RECIPIENTS });
    },
    (d) => d.filter((x) => x.status === 'sent').length,
  );
  const failedMail = deliveries.filter((d) => d.status === 'failed');
  if (failedMail.length) throw new Error(`${failedMail.length} scorecard mails failed, first: ${failedMail[0]!.reason}`);

  const accountNames = new Map(scoring.accounts.map((a) => [a.accountId, { name: a.name, owner: a.owner }]));
  const partial = await stages.run('read the summary back from OpenSearch', () => readSummary(os, config.indexPrefix, scoring.scores, accountNames));
  // after the summary is read: the followed queue is the demo's own, not one the organization planted
  const member = manifest.accounts[0];
  const latency = member
    ? await withEnv(lake, () =>
        stages.run('a CloudTrail event re-collects one queue until it is searchable', () => measureEventLatency(config, os, member.accountId, manifest.regions[0]!, 1)),
      )
    : undefined;
  // every partition at once (no waiting for it to fill or age): the demo's staged objects all become lake objects
  const compaction = await withEnv(lake, () =>
    stages.run(
      'merge the staged Security Lake events into Parquet (census lake compact)',
      () => compactLake({ s3, writer: securityLakeWriterFromEnv(s3)!, feedBucket: config.feedBucket }, { maxWaitMs: 0 }),
      (r) => r.merged.reduce((n, m) => n + m.objects.length, 0),
    ),
  );
  const merged = compaction.merged.flatMap((m) => m.objects);
  const rowsByClass: Record<string, number> = {};
  for (const o of merged) {
    const source = o.key.slice(`security-lake/ext/`.length).split('/')[0]!;
    rowsByClass[source] = (rowsByClass[source] ?? 0) + o.rows;
  }
  const summary: DemoSummary = {
    ...partial,
    deadLetters: await countObjects(s3, config.deadLetterBucket, 'dead-letter/'),
    workbooks: [cards.enterprise.file, ...cards.owners.map((o) => o.file), ...(cards.unowned ? [cards.unowned.file] : [])].map((f) => join(scorecardDir, f)),
    feed: `s3://${config.feedBucket}/feed/ (moto at ${localStack.moto})`,
    securityLake: {
      location: lakeLocation,
      objects: await countObjects(s3, config.feedBucket, 'security-lake/ext/'),
      rowsBySource: rowsByClass,
      compaction: {
        staging: stagingLocation,
        stagedObjects: compaction.staged.objects,
        stagedBytes: compaction.staged.bytes,
        mergedObjects: merged.length,
        mergedBytes: merged.reduce((n, o) => n + o.bytes, 0),
        left: await countObjects(s3, config.feedBucket, 'lake-staging/') - (await countObjects(s3, config.feedBucket, 'lake-staging/_merged/')),
      },
    },
    ...(snapshot.written
      ? { snapshot: { manifest: `s3://${config.feedBucket}/${snapshot.manifestKey}`, accounts: snapshot.manifest.counts.account, resources: snapshot.manifest.counts.resource, findings: snapshot.manifest.counts.finding } }
      : {}),
    followingChange: {
      firstRun,
      secondRun: { ...secondRun, records: secondStats?.received ?? 0, unchanged: secondStats?.unchanged ?? 0, recalled: secondStats?.recalled ?? 0 },
      changes: await changeCounts(os, config.indexPrefix),
      eventToSearchableMs: latency?.medianMs ?? 0,
    },
    opensearchUrl: `${localStack.opensearch} (indexes ${config.indexPrefix}-*)`,
    stages: stages.reports,
  };
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`${formatSummary(summary)}\n`);
  return { summary, manifest };
}
