// Event-driven re-collection in the CDK app: the security account's event bus (organization only), its rule to the
// events Lambda, and the member-account forwarder template whose rules match exactly the collectors' declared events.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackNames } from '../../infra/lib/app.js';
import { forwardPattern } from '../../infra/lib/event-forwarder-stack.js';
import { eventDeclarations, eventSources } from '../../collectors/events/index.js';
import { routeEvent } from '../../collectors/events/route.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const repoRoot = new URL('../../', import.meta.url).pathname;
let outdir: string;
let census: Template;
let forwarder: Json;
let withoutOrg: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'census-events-cdk-'));
  // no bundling (the infra test bundles every function once already); cdk-nag still runs at synthesis
  const context = { payerAccountIds: '111111111111', securityAccountId: '999999999999', organizationId: 'o-abcdef1234', 'aws:cdk:bundling-stacks': [] };
  const assembly = buildApp({ outdir, context }).app.synth();
  census = Template.fromJSON(assembly.getStackByName(stackNames.census).template as Json);
  forwarder = assembly.getStackByName(stackNames.eventForwarder).template as Json;
  const plain = buildApp({ outdir: mkdtempSync(join(tmpdir(), 'census-events-cdk-')), context: { ...context, organizationId: undefined } }).app.synth();
  withoutOrg = Template.fromJSON(plain.getStackByName(stackNames.census).template as Json);
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('security account: the Census event bus', () => {
  it('admits PutEvents from the organization only', () => {
    census.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Action: 'events:PutEvents', Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdef1234' } } }),
    });
  });

  it('sends the declared services\' CloudTrail events to the events Lambda, with retries and a dead-letter queue', () => {
    census.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: eventSources() } },
      Targets: Match.arrayWith([Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: Match.anyValue() })]),
    });
    census.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'census-events', Handler: 'index.handler' });
  });

  it('runs the events Lambda as the collector role (the only role name member accounts\' audit role trusts)', () => {
    const fns = census.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'census-events' } });
    const role = (Object.values(fns)[0] as Json).Properties.Role['Fn::GetAtt'][0] as string;
    const roles = census.findResources('AWS::IAM::Role', { Properties: { RoleName: 'census-collector' } });
    expect(Object.keys(roles)).toEqual([role]);
  });

  it('is left out, with a note, when no organization ID is configured', () => {
    withoutOrg.resourceCountIs('AWS::Events::EventBus', 0);
    withoutOrg.resourcePropertiesCountIs('AWS::Lambda::Function', { FunctionName: 'census-events' }, 0);
  });
});

describe('member accounts: the event forwarder template', () => {
  const rules = () => Object.values(forwarder.Resources as Record<string, Json>).filter((r) => r.Type === 'AWS::Events::Rule');

  it('has one rule per declared service, matching exactly the declared write events', () => {
    expect(rules().map((r) => r.Properties.EventPattern.detail.eventSource[0]).sort()).toEqual(eventSources());
    for (const d of eventDeclarations) {
      const names = new Set(d.resources.flatMap((r) => Object.keys(r.events)));
      const rule = rules().find((r) => r.Properties.EventPattern.detail.eventSource[0] === d.source)!;
      const matched = (rule.Properties.EventPattern.detail.eventName as (string | { prefix: string })[]).map((m) => (typeof m === 'string' ? m : m.prefix));
      expect(new Set(matched), d.source).toEqual(names);
    }
  });

  it('forwards only what the router maps: every declared event name routes to a resource', () => {
    for (const source of eventSources()) {
      const pattern = forwardPattern(source) as { detail: { eventName: (string | { prefix: string })[] } };
      for (const m of pattern.detail.eventName) {
        const eventName = typeof m === 'string' ? m : `${m.prefix}20150331`;
        const routed = routeEvent({ 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: source, eventName, eventTime: '2026-11-20T10:00:00Z', awsRegion: 'eu-west-1', recipientAccountId: '111122223333' } });
        // no identity in this bare event: the router must say so, not "not declared"
        expect(!routed.ok && routed.reason, `${source} ${eventName}`).toMatch(/no resource identity/);
      }
    }
  });

  it('puts events on the bus through an unnamed role (the template is deployed in every region) scoped to that bus', () => {
    const roles = Object.values(forwarder.Resources as Record<string, Json>).filter((r) => r.Type === 'AWS::IAM::Role');
    expect(roles).toHaveLength(1);
    expect(roles[0]!.Properties.RoleName).toBeUndefined();
    expect(roles[0]!.Properties.Policies[0].PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'CensusEventBusArn' } }]);
    for (const r of rules()) expect(r.Properties.Targets[0].Arn).toEqual({ Ref: 'CensusEventBusArn' });
  });

  it('passes cfn-lint', () => {
    const run = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), outdir], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  }, 180_000);
});
