import { describe, expect, it } from 'vitest';
import { indexNames } from '../../core/indexes.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { ensureIndexTemplates, ensureResourceIndex } from '../../opensearch/templates.js';
import { uniqueName } from '../helpers.js';

describe('OpenSearch index templates', () => {
  it('creates aliased indexes with explicit mappings that tolerate Principal as string or object', async () => {
    const client = openSearchClient();
    const prefix = uniqueName('p4tpl');
    const names = indexNames(prefix);
    await ensureIndexTemplates(client, prefix);
    await ensureIndexTemplates(client, prefix); // idempotent
    const findings = await client.indices.getMapping({ index: names.findings });
    const props = Object.values(findings.body)[0]!.mappings.properties as Record<string, { type?: string }>;
    for (const f of ['accountId', 'requirementId', 'resourceId', 'resourceArn', 'status', 'severity']) expect(props[f]?.type).toBe('keyword');
    expect(props.observedAt?.type).toBe('date');

    const alias = await ensureResourceIndex(client, prefix, 'AWS::IAM::Role');
    expect(alias).toBe(names.resourceFamily('AWS::IAM::Role'));
    const doc = (principal: unknown) => ({
      recordType: 'resource', arn: 'arn:aws:iam::111111111111:role/a', awsAccountId: '111111111111', resourceType: 'AWS::IAM::Role',
      configuration: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: principal }] } },
      tags: { 'kubernetes.io/cluster/x': 'owned', owner: 'alice' },
    });
    await client.index({ index: alias, id: '1', body: doc('*') });
    await client.index({ index: alias, id: '2', body: doc({ AWS: ['arn:aws:iam::222222222222:root'] }), refresh: true });
    const hits = await client.search({ index: names.resources, body: { query: { term: { 'tags.owner': 'alice' } } } });
    expect(hits.body.hits.total).toMatchObject({ value: 2 });
    await client.indices.delete({ index: `${prefix}-*` });
    await client.indices.deleteIndexTemplate({ name: `${prefix}-*` });
  });
});
