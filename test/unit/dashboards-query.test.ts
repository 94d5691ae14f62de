// The request a saved visualization describes, as Dashboards builds it, and its response as table rows.
import { describe, expect, it } from 'vitest';
import { objectId, savedObjects } from '../../dashboards/objects.js';
import { boolQuery, searchRequest, tabify, valueAt, visualizationRequest } from '../../dashboards/query.js';

describe('dashboards panel queries', () => {
  const objects = savedObjects('census');
  const vis = (key: string) => objects.find((o) => o.id === objectId.vis('census', key))!;

  it('orders a terms bucket by its metric and nests that metric under it, as Dashboards does', () => {
    const { index, body } = visualizationRequest(vis('owners-ranked'), objects);
    expect(index).toBe('census-current-scores');
    expect(body.query).toEqual({ bool: { must: [{ query_string: { query: 'scope:owner', analyze_wildcard: true } }], filter: [], must_not: [] } });
    expect(body.aggs).toEqual({
      '3': { terms: { field: 'owner', size: 1000, order: { '1': 'asc' } }, aggs: { '1': { avg: { field: 'score' } }, '2': { sum: { field: 'failing' } } } },
    });
  });

  it('adds the time range on the pattern time field and a dashboard filter, negated ones as must_not', () => {
    const time = { from: '2026-11-22T00:00:00Z', to: '2026-11-29T00:00:00Z' };
    const query = boolQuery([{ query: { query: 'a:b', language: 'lucene' }, filter: [{ meta: { negate: true }, query: { match_phrase: { owner: 'x' } } }, { meta: { disabled: true }, query: { match_phrase: { owner: 'y' } } }] }], 'runAt', time);
    expect(query).toEqual({
      bool: {
        must: [{ query_string: { query: 'a:b', analyze_wildcard: true } }],
        filter: [{ range: { runAt: { gte: time.from, lte: time.to, format: 'strict_date_optional_time' } } }],
        must_not: [{ match_phrase: { owner: 'x' } }],
      },
    });
    const trend = visualizationRequest(vis('enterprise-score-trend'), objects, { time });
    expect((trend.body.aggs as Record<string, { date_histogram: { field: string; fixed_interval: string } }>)['2']!.date_histogram).toMatchObject({ field: 'runAt', fixed_interval: '12h' });
  });

  it('keeps rows without a value under the missing-bucket label instead of dropping them', () => {
    const trust = vis('trust-map');
    const { body } = visualizationRequest(trust, objects);
    expect(JSON.stringify(body.aggs)).toContain('"missing":"__missing__"');
    const bucket = (key: string, inner: Record<string, unknown> = {}) => ({ key, doc_count: 1, ...inner });
    const rows = tabify(trust, {
      aggregations: {
        '2': {
          buckets: {
            '1 unknown': {
              doc_count: 1,
              '3': { buckets: [bucket('900000000001', { '4': { buckets: [bucket('__missing__', { '5': { buckets: [bucket('AWS::IAM::Role', { '6': { buckets: [bucket('arn:r', { '7': { buckets: [bucket('principal')] } })] } })] } })] } })] },
            },
            '2 known vendor': { doc_count: 0, '3': { buckets: [] } },
          },
        },
      },
    });
    expect(rows).toEqual([
      { Classification: '1 unknown', 'External account': '900000000001', 'Vendor name': '(none)', 'Resource type it can reach': 'AWS::IAM::Role', Resource: 'arn:r', 'Granted via': 'principal', 'External accounts': 1 },
    ]);
  });

  it('sorts a saved search as saved and reads nested columns through arrays', () => {
    const search = objects.find((o) => o.id === objectId.search('census', 'excepted-resources'))!;
    expect(searchRequest(search, objects).body.sort).toEqual([{ 'exception.expiresAt': { order: 'asc' } }]);
    expect(valueAt({ policyStatements: [{ reason: 'a' }, { reason: 'b' }] }, 'policyStatements.reason')).toEqual(['a', 'b']);
    expect(valueAt({ exception: { approvedBy: 'x' } }, 'exception.approvedBy')).toBe('x');
  });
});
