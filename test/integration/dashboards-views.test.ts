// The latest scoring run's views: one run behind each alias, never an older run over a newer one, and a
// retried run not doubled.
import { describe, expect, it } from 'vitest';
import { indexNames } from '../../core/indexes.js';
import { SCHEMA_VERSION, type ScoreRecord } from '../../core/schemas.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { publishScoringViews, type ScoringViewInput } from '../../scoring/views.js';
import { testIndexPrefix } from './processors-helpers.js';

describe('scoring views behind swapped aliases', () => {
  const prefix = testIndexPrefix('dashviews');
  const os = openSearchClient();
  const names = indexNames(prefix);

  const runAt = (hour: number) => `2026-11-29T${String(hour).padStart(2, '0')}:00:00.000Z`;
  const run = (hour: number, score: number): ScoringViewInput => {
    const at = runAt(hour);
    const enterprise: ScoreRecord = { recordType: 'score', schemaVersion: SCHEMA_VERSION, scoreId: `enterprise|${at}`, scope: 'enterprise', score, asOf: '2026-11-29', runAt: at };
    return {
      scores: [enterprise],
      nonCompliant: [
        {
          accountId: '111111111111',
          requirementId: 'CSS-S3-01',
          resourceId: 'b',
          resourceArn: 'arn:aws:s3:::b',
          resourceType: 'AWS::S3::Bucket',
          region: 'us-east-1',
          status: 'FAIL',
          evidence: 'public',
          observedAt: at,
          excepted: false,
        },
      ],
      accounts: [{ accountId: '111111111111', name: 'prod', owner: 'alice', executive: 'eve', spend: 1 }],
      requirements: [{ id: 'CSS-S3-01', title: 'Buckets are not public', severity: 'critical', weight: 10 }],
      asOf: '2026-11-29',
      runAt: at,
    };
  };
  const current = async () => {
    const res = await os.search({ index: names.currentScores, body: { query: { match_all: {} } } });
    return (res.body.hits.hits as { _source: ScoreRecord }[]).map((h) => h._source.score);
  };
  const failingCount = async () => (await os.count({ index: names.currentFailing })).body.count;
  const behind = async (alias: string) => Object.keys((await os.indices.getAlias({ name: alias })).body as object);

  it('moves the aliases to the newest run, keeps a newer run against a late older one, and does not double a retry', async () => {
    expect((await publishScoringViews(os, run(10, 0.5), prefix)).published).toBe(true);
    expect(await current()).toEqual([0.5]);
    expect(await failingCount()).toBe(1);

    expect((await publishScoringViews(os, run(11, 0.7), prefix)).published).toBe(true);
    expect(await current()).toEqual([0.7]);
    // the previous run's indexes are gone, not just unaliased
    expect(await behind(names.currentScores)).toEqual([`${names.currentScores}-20261129t110000000z`]);
    expect((await os.indices.exists({ index: `${names.currentScores}-20261129t100000000z` })).body).toBe(false);

    // an older run finishing late
    expect((await publishScoringViews(os, run(9, 0.1), prefix)).published).toBe(false);
    expect(await current()).toEqual([0.7]);
    expect((await os.indices.exists({ index: `${names.currentScores}-20261129t090000000z` })).body).toBe(false);

    // the same run again (a retried job)
    expect((await publishScoringViews(os, run(11, 0.7), prefix)).published).toBe(true);
    expect(await current()).toEqual([0.7]);
    expect(await failingCount()).toBe(1);
  });
});
