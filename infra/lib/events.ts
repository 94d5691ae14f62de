// Event-driven re-collection in the security account: a Census event bus that member accounts' forwarder rules
// (event-forwarder-stack.ts) put their CloudTrail write events on, admitted only from the organization, and a rule
// that invokes the events Lambda (collectors/events/lambda.ts). The Lambda uses the collector role, because the
// member accounts' audit role trusts only the collector and discovery role names.
import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { eventSources } from '../../collectors/events/index.js';
import { censusFunction, entries, type FunctionDefaults } from './functions.js';

export interface CensusEventsProps {
  namePrefix: string;
  organizationId: string;
  defaults: FunctionDefaults;
  collectorRole: iam.Role;
  environment: Record<string, string>;
  /** where events the Lambda could not take after its retries go */
  deadLetterQueue: sqs.IQueue;
}

/** The bus name member accounts forward to: `${namePrefix}-events`. */
export const eventBusName = (namePrefix: string) => `${namePrefix}-events`;

export class CensusEvents extends Construct {
  readonly bus: events.EventBus;
  readonly handler: NodejsFunction;

  constructor(scope: Construct, id: string, props: CensusEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: eventBusName(props.namePrefix) });
    // any account of the organization may put events on the bus, and no one else
    new events.CfnEventBusPolicy(this, 'OrganizationMayPut', {
      eventBusName: this.bus.eventBusName,
      statementId: 'CensusOrganizationForwarders',
      statement: {
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: this.bus.eventBusArn,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      },
    });
    this.handler = censusFunction(this, 'Handler', props.defaults, {
      name: 'events',
      entry: entries.events,
      handler: 'handler',
      description: 'Census: re-collects the resources a CloudTrail write event touched',
      role: props.collectorRole,
      timeout: Duration.minutes(2),
      memorySize: 512,
      environment: props.environment,
    });
    new events.Rule(this, 'ToHandler', {
      eventBus: this.bus,
      description: 'Census: CloudTrail write events of the collected services, forwarded by member accounts',
      eventPattern: { detailType: ['AWS API Call via CloudTrail'], detail: { eventSource: eventSources() } },
      targets: [new eventTargets.LambdaFunction(this.handler, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: props.deadLetterQueue })],
    });
    Stack.of(this);
  }
}
