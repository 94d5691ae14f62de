// The member-account half of event-driven re-collection: in every account and region (a service-managed StackSet
// over the collected regions), rules on the default bus forward CloudTrail write events of the collected services to
// the Census event bus in the security account. A template of its own, not part of the audit-role template: the
// audit role is global and deployed once per account, while EventBridge rules are regional.
// The rules match exactly the events the collectors declare (collectors/services/*.events.ts), one rule per service.
import { CfnParameter, DefaultStackSynthesizer, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { eventNames, eventSources } from '../../collectors/events/index.js';
import type { InfraConfig } from './config.js';
import { eventBusName } from './events.js';

export interface EventForwarderStackProps extends StackProps {
  config: InfraConfig;
}

/** Lambda's CloudTrail event names carry the API version (`UpdateFunctionConfiguration20150331v2`): match by prefix. */
const nameMatchers = (source: string): (string | { prefix: string })[] =>
  eventNames(source).map((n) => (source === 'lambda.amazonaws.com' ? { prefix: n } : n));

/** The EventBridge pattern of one service's declared write events. */
export function forwardPattern(source: string): Record<string, unknown> {
  return {
    source: [`aws.${source.split('.')[0]}`],
    'detail-type': ['AWS API Call via CloudTrail'],
    detail: { eventSource: [source], eventName: nameMatchers(source) },
  };
}

export class EventForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: EventForwarderStackProps) {
    super(scope, id, {
      ...props,
      description: 'Census event forwarder: CloudTrail write events of the collected services to the Census event bus',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const { config } = props;
    const busArn = new CfnParameter(this, 'CensusEventBusArn', {
      type: 'String',
      description: `ARN of the Census event bus in the security account (${eventBusName(config.namePrefix)}, the Census stack's EventBusArn output)`,
      allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[\\w.-]+$',
      constraintDescription: 'an event bus ARN',
    });
    // no role name: the stack is deployed in every region of an account and role names are global
    const role = new iam.CfnRole(this, 'ForwardRole', {
      description: 'Census: EventBridge puts forwarded CloudTrail events on the Census event bus',
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': this.account } },
          },
        ],
      },
      policies: [
        {
          policyName: 'PutOnCensusBus',
          policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn.valueAsString }] },
        },
      ],
    });
    for (const source of eventSources()) {
      const name = source.split('.')[0]!;
      new events.CfnRule(this, `Forward${name.replace(/^./, (c) => c.toUpperCase())}`, {
        description: `Census: ${source} write events to the Census event bus`,
        eventPattern: forwardPattern(source),
        state: 'ENABLED',
        targets: [{ id: 'CensusEventBus', arn: busArn.valueAsString, roleArn: Fn.getAtt(role.logicalId, 'Arn').toString() }],
      });
    }
  }
}
