// The deployed scoring job (hourly): findings from OpenSearch, accounts and register from S3, the same
// scoring core as the offline command; scores indexed with history and fed to S3, scorecards to S3.
import { applyLifecycle, hasIsm, type LifecycleOptions, type LifecycleResult } from '../opensearch/lifecycle.js';
import { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@opensearch-project/opensearch';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { s3Config } from '../platform/aws.js';
import type { CensusConfig } from '../platform/config.js';
import { s3Keys } from '../core/indexes.js';
import { log } from '../platform/log.js';
import { openSearchClient } from '../platform/opensearch.js';
import { loadAccounts, loadRegister, loadRequirements } from './inputs.js';
import { describeWarnings, type ScoringRun } from './offline.js';
import { closeFindings, goneFromOpenSearch, indexScores, latestFindingsFromOpenSearch, scoreHistoryFromOpenSearch } from './opensearch.js';
import { ScoreTrends } from './trends.js';
import { ScoreAccumulator, finishScoring } from './score.js';
import { publishScoringViews } from './views.js';
import { writeScorecards } from './scorecards/index.js';
import { uploadScorecards, writeScoresFeed } from './store.js';
import { writeDailySnapshot, type CurrentState } from '../feed/snapshot.js';

export interface JobClients {
  s3?: S3Client;
  opensearch?: Client;
}

/** Read and score, without writing anything: the deployed twin of `scoreFolder`. */
export interface JobOptions {
  asOf: string;
  runAt: string;
  /** resources per composite-aggregation page */
  pageSize?: number;
  /** history rollover and retention, done here where the cluster has no ISM plugin (defaults: opensearch/lifecycle.ts) */
  lifecycle?: LifecycleOptions;
}

/** What a scoring run counts as current: the snapshot it writes lists the same (feed/snapshot.ts). */
export function currentStateOf(run: Pick<ScoringRun, 'accounts' | 'closed'>): CurrentState {
  return {
    accounts: new Set(run.accounts.filter((a) => !a.leftAt).map((a) => a.accountId)),
    closedFindings: new Set(run.closed.flatMap((c) => (c.findingId ? [c.findingId] : []))),
  };
}

export async function scoreFromStack(config: CensusConfig, opts: JobOptions, clients: JobClients = {}): Promise<ScoringRun> {
  const s3 = clients.s3 ?? new S3Client(s3Config());
  const os = clients.opensearch ?? openSearchClient(config);
  const requirements = loadRequirements(config.catalog);
  const { accounts, problems } = await loadAccounts(`s3://${config.feedBucket}/${s3Keys.accounts}`, s3);
  if (!config.exceptions) log.warn('no exception register configured (CENSUS_EXCEPTIONS): no finding is excepted');
  const register = await loadRegister(config.exceptions, requirements, s3);
  problems.push(...register.problems);
  // resources a complete inventory found gone, accounts that left: their findings are closed, not scored
  const gone = await goneFromOpenSearch(os, { prefix: config.indexPrefix, currentAccounts: accounts, listedAt: opts.runAt });
  const acc = new ScoreAccumulator(requirements, register.entries, opts.asOf, gone);
  let resources = 0;
  for await (const f of latestFindingsFromOpenSearch(os, { prefix: config.indexPrefix, pageSize: opts.pageSize, onPage: (n) => (resources += n) })) acc.add(f);
  log.info({ resources }, 'read the latest finding of each evaluated resource');
  const result = finishScoring(acc, { accounts, requirements, asOf: opts.asOf, runAt: opts.runAt });
  // trends from the score history the job itself indexed in earlier runs
  const trends = new ScoreTrends(await scoreHistoryFromOpenSearch(os, { prefix: config.indexPrefix, runAt: opts.runAt }), opts.runAt);
  return { ...result, accounts, requirements, asOf: opts.asOf, runAt: opts.runAt, problems, trends };
}

export interface JobSummary {
  asOf: string;
  runAt: string;
  scores: number;
  enterpriseScore: number | null;
  indexed: number;
  /** findings this run closed in the index (resource deleted, account left) */
  closed: number;
  feedKey: string;
  manifestKey?: string;
  /** the manifest of the day's full feed snapshot, when this run wrote it (the first run of each UTC day) */
  snapshotKey?: string;
  warnings: string[];
  /** what this run rolled over and expired (empty where ISM does it) */
  lifecycle: LifecycleResult;
}

/** One scheduled run: score, index the scores, write them to the feed, store the scorecards. */
export async function runScoringJob(
  config: CensusConfig,
  opts: JobOptions & { workbooks?: boolean; /** the day's feed snapshot: written if not there yet (daily, the default), written again (force), or not (off) */ snapshot?: 'daily' | 'force' | 'off' },
  clients: JobClients = {},
): Promise<JobSummary> {
  const s3 = clients.s3 ?? new S3Client(s3Config());
  const os = clients.opensearch ?? openSearchClient(config);
  const run = await scoreFromStack(config, opts, { s3, opensearch: os });
  const warnings = describeWarnings(run);
  for (const w of warnings) log.warn(w);
  const { closed } = await closeFindings(os, run.closed, config.indexPrefix);
  if (closed) log.info({ closed }, 'closed the findings of resources and accounts that are gone');
  const { indexed } = await indexScores(os, run.scores, config.indexPrefix);
  // the dashboards' view of this run: latest scores, failing and excepted resources with days to expiry
  await publishScoringViews(os, run, config.indexPrefix);
  const feedKey = await writeScoresFeed(s3, config.feedBucket, run.scores, run.runAt);
  // once a day, the whole current state for SIEMs that keep state; after the closing above, so it counts what the scores count
  const snapshot =
    opts.snapshot === 'off'
      ? undefined
      : await writeDailySnapshot(s3, os, {
          bucket: config.feedBucket,
          indexPrefix: config.indexPrefix,
          day: run.runAt.slice(0, 10),
          snapshotAt: run.runAt,
          current: currentStateOf(run),
          force: opts.snapshot === 'force',
        });
  if (snapshot?.written) log.info({ manifestKey: snapshot.manifestKey, counts: snapshot.manifest.counts, parts: snapshot.manifest.parts.length }, 'wrote the daily feed snapshot');
  // history grows every run: where the cluster has no ISM (deployments get ISM policies), Census rolls it over
  // and expires it itself, once per scoring run
  const lifecycle = (await hasIsm(os)) ? { rolledOver: [], deleted: [] } : await applyLifecycle(os, config.indexPrefix, opts.lifecycle);
  if (lifecycle.rolledOver.length || lifecycle.deleted.length) log.info(lifecycle, 'history rolled over and expired');
  let manifestKey: string | undefined;
  if (opts.workbooks !== false) {
    const dir = await mkdtemp(join(tmpdir(), 'census-scorecards-'));
    try {
      const manifest = await writeScorecards({ ...run, outDir: dir });
      manifestKey = await uploadScorecards(s3, config.scorecardBucket, dir, manifest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    asOf: run.asOf,
    runAt: run.runAt,
    scores: run.scores.length,
    enterpriseScore: run.scores.find((s) => s.scope === 'enterprise')?.score ?? null,
    indexed,
    closed,
    feedKey,
    ...(manifestKey ? { manifestKey } : {}),
    ...(snapshot?.written ? { snapshotKey: snapshot.manifestKey } : {}),
    warnings,
    lifecycle,
  };
}
