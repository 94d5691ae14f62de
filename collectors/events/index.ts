// Every collector's event declaration, by CloudTrail eventSource. The declarations hold no SDK import, so
// routing an event loads no collector; re-collection then loads the one collector it needs.
import { cloudtrailEvents } from '../services/cloudtrail.events.js';
import { dynamodbEvents } from '../services/dynamodb.events.js';
import { ec2Events } from '../services/ec2.events.js';
import { ecrEvents } from '../services/ecr.events.js';
import { iamEvents } from '../services/iam.events.js';
import { kmsEvents } from '../services/kms.events.js';
import { lambdaEvents } from '../services/lambda.events.js';
import { rdsEvents } from '../services/rds.events.js';
import { s3Events } from '../services/s3.events.js';
import { secretsmanagerEvents } from '../services/secretsmanager.events.js';
import { snsEvents } from '../services/sns.events.js';
import { sqsEvents } from '../services/sqs.events.js';
import type { CollectorEvents } from './declare.js';

export const eventDeclarations: CollectorEvents[] = [
  cloudtrailEvents,
  dynamodbEvents,
  ec2Events,
  ecrEvents,
  iamEvents,
  kmsEvents,
  lambdaEvents,
  rdsEvents,
  s3Events,
  secretsmanagerEvents,
  snsEvents,
  sqsEvents,
];

export const bySource = new Map(eventDeclarations.map((d) => [d.source, d]));

/** The CloudTrail event sources an EventBridge rule forwards: exactly the declared ones. */
export const eventSources = (): string[] => eventDeclarations.map((d) => d.source).sort();

/** The event names per source, for the EventBridge rule's pattern. */
export function eventNames(source: string): string[] {
  const d = bySource.get(source);
  return d ? [...new Set(d.resources.flatMap((r) => Object.keys(r.events)))].sort() : [];
}
