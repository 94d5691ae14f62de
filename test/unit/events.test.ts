// The event router and the collectors' event declarations (pure; no stack).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventDeclarations, eventNames, eventSources } from '../../collectors/events/index.js';
import { plainEventName, routeEvent } from '../../collectors/events/route.js';
import { loadCollectors } from '../../collectors/registry.js';
import { wanted } from '../../collectors/engine.js';

const event = (detail: Record<string, unknown>) => ({
  'detail-type': 'AWS API Call via CloudTrail',
  account: '111122223333',
  region: 'eu-west-1',
  detail: { eventTime: '2026-11-20T10:00:00Z', awsRegion: 'eu-west-1', recipientAccountId: '111122223333', ...detail },
});

describe('event declarations', () => {
  it('name only collectors and resource types that exist, so an event always has a collector to re-collect with', async () => {
    for (const d of eventDeclarations) {
      const [collector] = await loadCollectors([d.collector]);
      const types = collector!.resources.map((r) => r.resourceType);
      for (const r of d.resources) expect(types, `${d.collector} ${r.resourceType}`).toContain(r.resourceType);
    }
  });

  it('cover at least 15 resource types across the collected services', () => {
    expect(new Set(eventDeclarations.flatMap((d) => d.resources.map((r) => r.resourceType))).size).toBeGreaterThanOrEqual(15);
    expect(eventSources()).toContain('s3.amazonaws.com');
    expect(eventNames('sqs.amazonaws.com')).toEqual(expect.arrayContaining(['CreateQueue', 'DeleteQueue', 'SetQueueAttributes']));
  });
});

describe('routeEvent', () => {
  it('maps a Lambda event with its API-version suffix to the function', () => {
    expect(plainEventName('UpdateFunctionConfiguration20150331v2')).toBe('UpdateFunctionConfiguration');
    const r = routeEvent(event({ eventSource: 'lambda.amazonaws.com', eventName: 'UpdateFunctionConfiguration20150331v2', requestParameters: { functionName: 'orders' } }));
    expect(r).toMatchObject({ ok: true, routes: [{ collector: 'lambda', resourceType: 'AWS::Lambda::Function', keys: ['orders'], deletes: false, region: 'eu-west-1', accountId: '111122223333' }] });
  });

  it('builds the ARN of every instance a RunInstances response lists, and of a deleted queue from its URL', () => {
    const run = routeEvent(event({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', responseElements: { instancesSet: { items: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }] } } }));
    expect(run.ok && run.routes[0]!.keys).toEqual(['i-1', 'i-2']);
    const del = routeEvent(event({ eventSource: 'sqs.amazonaws.com', eventName: 'DeleteQueue', requestParameters: { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs' } }));
    expect(del.ok && del.routes[0]!.arns).toEqual(['arn:aws:sqs:eu-west-1:111122223333:jobs']);
    const gov = routeEvent({ ...event({ eventSource: 'dynamodb.amazonaws.com', eventName: 'DeleteTable', requestParameters: { tableName: 't' } }), detail: { ...event({}).detail, awsRegion: 'us-gov-west-1', eventSource: 'dynamodb.amazonaws.com', eventName: 'DeleteTable', requestParameters: { tableName: 't' } } });
    expect(gov.ok && gov.routes[0]!.arns).toEqual(['arn:aws-us-gov:dynamodb:us-gov-west-1:111122223333:table/t']);
  });

  it.each([
    [{ eventSource: 'sqs.amazonaws.com', eventName: 'SetQueueAttributes', errorCode: 'AccessDenied', requestParameters: { queueUrl: 'u' } }, /the call failed/],
    [{ eventSource: 'glacier.amazonaws.com', eventName: 'CreateVault' }, /no collector declares/],
    [{ eventSource: 'sqs.amazonaws.com', eventName: 'SendMessage' }, /not a declared write event/],
    [{ eventSource: 'sqs.amazonaws.com', eventName: 'SetQueueAttributes', requestParameters: {} }, /no resource identity/],
    [{ eventSource: 'sqs.amazonaws.com', eventName: 'SetQueueAttributes', recipientAccountId: '12', requestParameters: { queueUrl: 'u' } }, /not a 12-digit account ID/],
    [{ eventSource: 'sqs.amazonaws.com', eventName: 'SetQueueAttributes', eventTime: 'yesterday', requestParameters: { queueUrl: 'u' } }, /is not a time/],
  ])('gives a reason, never an exception: %o', (detail, reason) => {
    const r = routeEvent(event(detail));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(reason);
  });

  it('never throws on any input', () => {
    fc.assert(
      fc.property(fc.anything(), fc.jsonValue(), (anything, detail) => {
        routeEvent(anything);
        routeEvent({ 'detail-type': 'AWS API Call via CloudTrail', detail });
        routeEvent(event({ eventSource: 's3.amazonaws.com', eventName: 'PutBucketPolicy', requestParameters: detail as Record<string, unknown> }));
      }),
    );
  });
});

describe('wanted (re-collection filter)', () => {
  it('matches a resource by name, id, URL or ARN, and nothing else', () => {
    const ctx = { only: new Set(['orders']) };
    expect(wanted(ctx, 'orders')).toBe(true);
    expect(wanted(ctx, 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders')).toBe(true);
    expect(wanted(ctx, 'https://sqs.eu-west-1.amazonaws.com/111122223333/orders')).toBe(true);
    expect(wanted(ctx, 'orders-archive', 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders-archive')).toBe(false);
    expect(wanted({ only: undefined }, 'anything')).toBe(true);
    expect(wanted({ only: new Set(['arn:aws:kms:eu-west-1:111122223333:key/k1']) }, { KeyId: 'k1', KeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/k1' })).toBe(true);
  });
});
