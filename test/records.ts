// One home for the records tests build: a valid record of each kind with plain defaults (account 111111111111,
// us-east-1, 2026-11-24), and the fields a test cares about given as overrides. Tests that need a series build it
// from these (`resourceRecord({ resourceId: `q-${n}` ... })`) instead of restating the whole shape.
import {
  SCHEMA_VERSION,
  type AccountRecord,
  type CollectionErrorRecord,
  type FindingRecord,
  type InventoryRunRecord,
  type ResourceRecord,
} from '../core/schemas.js';

export const TEST_ACCOUNT = '111111111111';

export function resourceRecord(over: Partial<ResourceRecord> = {}): ResourceRecord {
  return {
    recordType: 'resource',
    schemaVersion: SCHEMA_VERSION,
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'b',
    arn: 'arn:aws:s3:::b',
    resourceName: 'b',
    awsAccountId: TEST_ACCOUNT,
    awsRegion: 'us-east-1',
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    resourceCreationTime: null,
    configurationItemCaptureTime: '2026-11-24T09:00:00Z',
    configurationItemStatus: 'OK',
    collector: 's3',
    errors: [],
    ...over,
  };
}

/** The n-th of a series of resources of one regional type (queue q-1, q-2, ...), distinct ARNs. */
export function seriesResource(n: number, kind: 'sqs' | 'sns', over: Partial<ResourceRecord> = {}): ResourceRecord {
  const { type, name, arnOf } =
    kind === 'sqs'
      ? { type: 'AWS::SQS::Queue', name: `q-${n}`, arnOf: (id: string) => `arn:aws:sqs:us-east-1:${TEST_ACCOUNT}:${id}` }
      : { type: 'AWS::SNS::Topic', name: `t-${n}`, arnOf: (id: string) => `arn:aws:sns:us-east-1:${TEST_ACCOUNT}:${id}` };
  return resourceRecord({ resourceType: type, resourceId: name, arn: arnOf(name), resourceName: name, configuration: { n }, collector: kind, ...over });
}

export function accountRecord(over: Partial<AccountRecord> = {}): AccountRecord {
  return {
    recordType: 'account',
    schemaVersion: SCHEMA_VERSION,
    accountId: TEST_ACCOUNT,
    name: 'prod',
    email: 'e@example.com',
    status: 'ACTIVE',
    payerId: TEST_ACCOUNT,
    ouPath: 'Root',
    joinedAt: null,
    tags: {},
    owner: null,
    executive: null,
    spend: null,
    observedAt: '2026-11-24T08:00:00Z',
    ...over,
  };
}

export function findingRecord(over: Partial<FindingRecord> = {}): FindingRecord {
  return {
    recordType: 'finding',
    schemaVersion: SCHEMA_VERSION,
    findingId: 'f-1',
    requirementId: 'CSS-S3-01',
    status: 'FAIL',
    severity: 'high',
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'b',
    resourceArn: 'arn:aws:s3:::b',
    accountId: TEST_ACCOUNT,
    region: 'us-east-1',
    source: 'census',
    evidence: 'x',
    observedAt: '2026-11-24T09:00:00Z',
    ...over,
  } as FindingRecord;
}

export function inventoryRunRecord(over: Partial<InventoryRunRecord> = {}): InventoryRunRecord {
  return {
    recordType: 'inventory-run',
    schemaVersion: SCHEMA_VERSION,
    runId: 'run-1',
    accountId: TEST_ACCOUNT,
    complete: true,
    scopes: [{ collector: 's3', region: 'global', complete: true, resourceCount: 0 }],
    seen: [],
    errors: [],
    startedAt: '2026-11-24T09:00:00Z',
    finishedAt: '2026-11-24T09:05:00Z',
    ...over,
  };
}

export function collectionErrorRecord(over: Partial<CollectionErrorRecord> = {}): CollectionErrorRecord {
  return {
    recordType: 'collection-error',
    schemaVersion: SCHEMA_VERSION,
    accountId: TEST_ACCOUNT,
    region: null,
    collector: null,
    code: 'AccessDenied',
    message: 'denied',
    runId: 'run-1',
    observedAt: '2026-11-24T09:00:00Z',
    ...over,
  };
}
