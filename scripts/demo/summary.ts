// The demo's closing summary, read back from what landed in OpenSearch and from the scoring run.
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../../core/indexes.js';
import type { ScoreRecord } from '../../core/schemas.js';
import type { StageReport } from './stages.js';

export interface DemoSummary {
  accounts: number;
  resourcesByType: Record<string, number>;
  findingsByRequirement: Record<string, { pass: number; fail: number; excepted: number }>;
  unknownTrustedAccounts: { accountId: string; resources: number }[];
  enterpriseScore: number | null;
  worstAccounts: { accountId: string; name: string | null; owner: string | null; score: number | null }[];
  deadLetters: number;
  workbooks: string[];
  feed: string;
  /** the OCSF Parquet objects written for Security Lake beside the feed, by the compaction of the staged events */
  securityLake: {
    location: string;
    objects: number;
    /** rows per custom source folder (compliance findings, config changes, inventory info) */
    rowsBySource?: Record<string, number>;
    /** what the processors staged and the compaction made of it; `left` staged objects not merged (0 when all went) */
    compaction?: { staging: string; stagedObjects: number; stagedBytes: number; mergedObjects: number; mergedBytes: number; left: number };
  };
  /** the day's full feed snapshot (feed/snapshot.ts): its manifest and what it lists */
  snapshot?: { manifest: string; accounts: number; resources: number; findings: number };
  /**
   * Following change: what the second, unchanged inventory wrote beside the first (change-only landing), the
   * change records in the changes index, and the time from one CloudTrail event to the change being searchable.
   */
  followingChange?: {
    firstRun: { latestPuts: number; feedLines: number; indexOps: number };
    /** and what the processors made of its records: unchanged, and of those recognised without deriving them again */
    secondRun: { latestPuts: number; feedLines: number; indexOps: number; records?: number; unchanged?: number; recalled?: number };
    changes: { created: number; modified: number; deleted: number };
    eventToSearchableMs: number;
  };
  opensearchUrl: string;
  stages: StageReport[];
}

type Buckets = { key: string; doc_count: number; [sub: string]: unknown }[];

async function termsCount(client: Client, index: string, field: string, query: Record<string, unknown>, size = 500): Promise<Buckets> {
  const res = await client.search({
    index,
    // the client's typings lag the query DSL
    body: { size: 0, query, aggs: { by: { terms: { field, size } } } } as never,
  });
  return ((res.body.aggregations as { by: { buckets: Buckets } } | undefined)?.by.buckets ?? []) as Buckets;
}

export async function readSummary(
  client: Client,
  prefix: string,
  scores: ScoreRecord[],
  accountNames: Map<string, { name: string | null; owner: string | null }>,
): Promise<Omit<DemoSummary, 'deadLetters' | 'workbooks' | 'feed' | 'securityLake' | 'snapshot' | 'opensearchUrl' | 'stages'>> {
  const names = indexNames(prefix);
  await client.indices.refresh({ index: `${prefix}-*` });
  const accounts = Number((await client.count({ index: names.accounts })).body.count);

  const live = { bool: { must_not: [{ term: { configurationItemStatus: 'ResourceDeleted' } }] } };
  const resourcesByType = Object.fromEntries((await termsCount(client, names.resources, 'resourceType', live)).map((b) => [b.key, b.doc_count]));

  const findings = await client.search({
    index: names.findings,
    body: {
      size: 0,
      aggs: {
        by: {
          terms: { field: 'requirementId', size: 500 },
          aggs: {
            status: { terms: { field: 'status' } },
            excepted: { filter: { bool: { filter: [{ term: { status: 'FAIL' } }, { term: { 'exception.active': true } }] } } },
          },
        },
      },
    } as never,
  });
  const reqBuckets = (findings.body.aggregations as { by: { buckets: (Buckets[number] & { status: { buckets: Buckets }; excepted: { doc_count: number } })[] } }).by.buckets;
  const findingsByRequirement = Object.fromEntries(
    reqBuckets
      .filter((b) => b.key !== '')
      .map((b) => {
        const byStatus = Object.fromEntries(b.status.buckets.map((s) => [s.key, s.doc_count]));
        return [b.key, { pass: byStatus.PASS ?? 0, fail: byStatus.FAIL ?? 0, excepted: b.excepted.doc_count }];
      }),
  );

  const unknown = await client.search({
    index: names.trustedAccounts,
    body: { size: 1000, query: { term: { classification: 'unknown' } }, _source: ['accountId', 'resourceCount'] },
  });
  const unknownTrustedAccounts = (unknown.body.hits.hits as { _source: { accountId: string; resourceCount: number } }[])
    .map((h) => ({ accountId: h._source.accountId, resources: h._source.resourceCount }))
    .sort((a, b) => a.accountId.localeCompare(b.accountId));

  const accountScores = scores.filter((s) => s.scope === 'account' && s.score !== null);
  const worstAccounts = accountScores
    .sort((a, b) => a.score! - b.score! || a.accountId!.localeCompare(b.accountId!))
    .slice(0, 5)
    .map((s) => ({ accountId: s.accountId!, ...(accountNames.get(s.accountId!) ?? { name: null, owner: null }), score: s.score }));

  return {
    accounts,
    resourcesByType,
    findingsByRequirement,
    unknownTrustedAccounts,
    enterpriseScore: scores.find((s) => s.scope === 'enterprise')?.score ?? null,
    worstAccounts,
  };
}

const pct = (s: number | null) => (s === null ? 'n/a' : `${(s * 100).toFixed(1)}%`);

/** The summary for people: short tables on stdout. */
export function formatSummary(s: DemoSummary): string {
  const lines: string[] = [];
  const total = Object.values(s.resourcesByType).reduce((a, b) => a + b, 0);
  lines.push('', `Census demo summary`, '', `Accounts: ${s.accounts}`, `Resources: ${total}`);
  for (const [type, n] of Object.entries(s.resourcesByType).sort()) lines.push(`  ${type.padEnd(40)} ${String(n).padStart(6)}`);
  lines.push('', 'Findings by requirement              pass   fail  excepted');
  for (const [req, c] of Object.entries(s.findingsByRequirement).sort()) {
    lines.push(`  ${req.padEnd(32)} ${String(c.pass).padStart(6)} ${String(c.fail).padStart(6)} ${String(c.excepted).padStart(9)}`);
  }
  lines.push('', `Unknown external accounts trusted: ${s.unknownTrustedAccounts.length}`);
  for (const u of s.unknownTrustedAccounts.slice(0, 10)) lines.push(`  ${u.accountId}  (${u.resources} resources)`);
  if (s.unknownTrustedAccounts.length > 10) lines.push(`  ... and ${s.unknownTrustedAccounts.length - 10} more`);
  lines.push('', `Enterprise score: ${pct(s.enterpriseScore)}`, '', 'Worst five accounts:');
  for (const w of s.worstAccounts) lines.push(`  ${w.accountId}  ${pct(w.score).padStart(6)}  ${w.name ?? ''}  ${w.owner ?? ''}`);
  lines.push('', `Dead-lettered records: ${s.deadLetters}`, `Workbooks (${s.workbooks.length}): ${s.workbooks.length ? s.workbooks[0]!.replace(/[^/]+$/, '') : 'none'}`);
  lines.push(`S3 feed: ${s.feed}`, `Security Lake (OCSF Parquet, ${s.securityLake.objects} objects): ${s.securityLake.location}`);
  const rows = Object.entries(s.securityLake.rowsBySource ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (rows.length) lines.push(`  rows by custom source: ${rows.map(([source, n]) => `${source} ${n}`).join(', ')}`);
  const c = s.securityLake.compaction;
  if (c) {
    lines.push(
      `  compacted (census lake compact): ${c.stagedObjects} staged objects (${c.stagedBytes} bytes) under ${c.staging} -> ${c.mergedObjects} Parquet objects (${c.mergedBytes} bytes), ${c.left} left staged`,
    );
  }
  if (s.snapshot) lines.push(`Daily feed snapshot (${s.snapshot.accounts} accounts, ${s.snapshot.resources} resources, ${s.snapshot.findings} open findings): ${s.snapshot.manifest}`);
  lines.push(`OpenSearch: ${s.opensearchUrl}`, '');
  if (s.followingChange) {
    const f = s.followingChange;
    lines.push(
      'Following change:',
      `  second inventory (unchanged): ${f.secondRun.latestPuts} latest/ writes (first: ${f.firstRun.latestPuts}), ${f.secondRun.feedLines} feed lines (first: ${f.firstRun.feedLines}), ${f.secondRun.indexOps} OpenSearch index operations (first: ${f.firstRun.indexOps})`,
      ...(f.secondRun.records
        ? [`  second inventory's ${f.secondRun.records} records: ${f.secondRun.unchanged} unchanged, ${f.secondRun.recalled} of them recognised by their fingerprints without deriving their findings again`]
        : []),
      `  changes found: ${f.changes.created} created, ${f.changes.modified} modified, ${f.changes.deleted} deleted`,
      `  one CloudTrail event to searchable: ${f.eventToSearchableMs} ms`,
      '',
    );
  }
  lines.push('Stages:');
  for (const r of s.stages) lines.push(`  ${r.stage.padEnd(58)} ${r.seconds.toFixed(1).padStart(7)} s${r.items !== undefined ? `  ${r.items} items, ${r.ratePerSecond}/s` : ''}`);
  return lines.join('\n');
}
