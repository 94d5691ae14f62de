// Collection degrades per resource, never per type (moto): one KMS key whose DescribeKey is denied and resources
// deleted between the list call and their describe must not cost the other resources of the type.
// The denial is injected for one key at the SDK middleware level (moto does not enforce key policies); the
// deletions are real: the queue and the table are deleted in moto just before their describe call is sent.
import { randomInt } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient, KMSServiceException, type KeyMetadata } from '@aws-sdk/client-kms';
import { CreateQueueCommand, DeleteQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../core/schemas.js';
import { collectResources, type Collector, type CollectorContext, type Credentials } from '../../collectors/engine.js';
import { dynamodb } from '../../collectors/services/dynamodb.js';
import { kms } from '../../collectors/services/kms.js';
import { sqs } from '../../collectors/services/sqs.js';
import { CallLimiter, collectorContext, newStats } from '../../collectors/runtime.js';
import { clientConfig } from '../../platform/aws.js';
import { evaluateRecordsDetailed, loadCatalog } from '../../standard/index.js';
import { accessanalyzer } from '../../collectors/services/accessanalyzer.js';
import { inventoryAccount } from '../../collectors/inventory.js';
import type { StreamRecord } from '../../core/schemas.js';

const REGION = 'eu-west-1';

async function freshAccount() {
  const accountId = String(randomInt(100000000000, 999999999999));
  const sts = new STSClient(clientConfig());
  const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/census-audit`, RoleSessionName: 'census-degrade-test' }));
  return { accountId, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } };
}

type Hook = (command: string, input: Record<string, unknown>) => Promise<void>;

/**
 * The inventory's own collector context (call limits, failed-call notes), with `hook` run inside it before each
 * call is sent, the way a real denial or deletion would meet the call.
 */
function contextWith(accountId: string, credentials: Credentials, collector: string, hook: Hook): CollectorContext {
  const base = collectorContext({
    accountId, region: REGION, partition: 'aws', collector, credentials, observedAt: new Date().toISOString(),
    limiter: new CallLimiter({ overall: 8, perAccount: 8, perRegion: 8 }), stats: newStats(),
  });
  const hooked = new WeakSet<object>();
  return {
    ...base,
    client(factory, region) {
      const client = base.client(factory, region);
      if (!hooked.has(client as object)) {
        hooked.add(client as object);
        (client as unknown as { middlewareStack: { add: (mw: unknown, o: unknown) => void } }).middlewareStack.add(
          (next: (a: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: { input: Record<string, unknown> }) => {
            await hook(context.commandName, args.input);
            return next(args);
          },
          { step: 'initialize', name: 'testFault' },
        );
      }
      return client;
    },
  };
}

async function collect(collector: Collector, ctx: CollectorContext): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  // no try/catch: a per-item failure that escaped would fail the whole type, and this test with it
  for (const spec of collector.resources) for await (const r of collectResources(spec, ctx)) out.push(r);
  return out;
}

describe('collection degrades per resource, never per type (moto)', () => {
  it('a key whose DescribeKey is denied becomes a record carrying the denied action; the other keys land', async () => {
    const { accountId, credentials } = await freshAccount();
    const client = new KMSClient(clientConfig({ region: REGION, credentials }));
    const keys: KeyMetadata[] = [];
    for (const d of ['open-a', 'locked', 'open-b']) keys.push((await client.send(new CreateKeyCommand({ Description: d }))).KeyMetadata!);
    const locked = keys[1]!;
    const ctx = contextWith(accountId, credentials, 'kms', async (command, input) => {
      if (command === 'DescribeKeyCommand' && input.KeyId === locked.KeyId) {
        // what KMS answers when the key policy does not delegate to IAM and names no audit role
        throw new KMSServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: `User: arn:aws:sts::${accountId}:assumed-role/CensusAudit/census-kms is not authorized to perform: kms:DescribeKey on resource: ${locked.Arn} because no resource-based policy allows the kms:DescribeKey action`,
        });
      }
    });
    const records = await collect(kms, ctx);
    expect(records.map((r) => r.resourceId).sort()).toEqual(keys.map((k) => k.KeyId).sort());
    const byId = new Map(records.map((r) => [r.resourceId, r]));
    for (const k of [keys[0]!, keys[2]!]) {
      expect(byId.get(k.KeyId!)).toMatchObject({ configurationItemStatus: 'OK', errors: [], configuration: { Description: k.Description, KeyState: 'Enabled' } });
    }
    const denied = byId.get(locked.KeyId!)!;
    expect(denied).toMatchObject({ arn: locked.Arn, resourceType: 'AWS::KMS::Key', awsAccountId: accountId, awsRegion: REGION, configurationItemStatus: 'ResourceDiscovered' });
    expect(denied.errors).toEqual([
      { call: 'DescribeKey', code: 'AccessDeniedException', message: expect.stringMatching(/^access denied to kms:DescribeKey: User: .* is not authorized/) },
    ]);
    // no detail call ran on a key that was never described, and no check judges it from the stub
    expect(denied.supplementaryConfiguration).toEqual({});
    const { findings, problems } = evaluateRecordsDetailed(loadCatalog(), records, new Date().toISOString());
    expect(findings.filter((f) => f.resourceArn === locked.Arn)).toEqual([]);
    expect(problems.filter((p) => p.resource === locked.Arn).length).toBeGreaterThan(0);
    expect(problems.find((p) => p.resource === locked.Arn)!.message).toMatch(/^not evaluated: DescribeKey: AccessDeniedException/);
  });

  it('a queue and a table deleted between list and describe are skipped; the others land and the type completes', async () => {
    const { accountId, credentials } = await freshAccount();
    const sqsClient = new SQSClient(clientConfig({ region: REGION, credentials }));
    const ddb = new DynamoDBClient(clientConfig({ region: REGION, credentials }));
    const queues: string[] = [];
    for (const n of ['q-a', 'q-gone', 'q-b']) queues.push((await sqsClient.send(new CreateQueueCommand({ QueueName: `degrade-${n}` }))).QueueUrl!);
    for (const n of ['t-a', 't-gone', 't-b']) {
      await ddb.send(
        new CreateTableCommand({
          TableName: `degrade-${n}`,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    const deleted: string[] = [];
    const vanish: Hook = async (command, input) => {
      if (command === 'GetQueueAttributesCommand' && input.QueueUrl === queues[1]) {
        await sqsClient.send(new DeleteQueueCommand({ QueueUrl: queues[1] }));
        deleted.push('queue');
      }
      if (command === 'DescribeTableCommand' && input.TableName === 'degrade-t-gone') {
        await ddb.send(new DeleteTableCommand({ TableName: 'degrade-t-gone' }));
        deleted.push('table');
      }
    };
    const queueRecords = await collect(sqs, contextWith(accountId, credentials, 'sqs', vanish));
    const tableRecords = await collect(dynamodb, contextWith(accountId, credentials, 'dynamodb', vanish));
    expect(deleted.sort()).toEqual(['queue', 'table']); // the deletions really happened between list and describe
    expect(queueRecords.map((r) => r.resourceName).sort()).toEqual(['degrade-q-a', 'degrade-q-b']);
    expect(tableRecords.map((r) => r.resourceName).sort()).toEqual(['degrade-t-a', 'degrade-t-b']);
    for (const r of [...queueRecords, ...tableRecords]) expect(r).toMatchObject({ configurationItemStatus: 'OK', errors: [] });
    expect(tableRecords.map((r) => r.arn).sort()).toEqual(
      ['degrade-t-a', 'degrade-t-b'].map((t) => `arn:aws:dynamodb:${REGION}:${accountId}:table/${t}`),
    );
  });

  it('an account-level requirement whose collector could not read is "not evaluated" with the error, not FAILed', async () => {
    const { accountId } = await freshAccount();
    // the Access Analyzer collector as declared, its list call denied the way an SCP denies it
    const denied: Collector = {
      ...accessanalyzer,
      resources: accessanalyzer.resources.map((spec) => ({
        ...spec,
        list: async function* () {
          yield* [];
          throw Object.assign(new Error('User is not authorized to perform: access-analyzer:ListAnalyzers with an explicit deny in a service control policy'), {
            name: 'AccessDeniedException',
            $metadata: { httpStatusCode: 403 },
          });
        },
      })),
    };
    const records: StreamRecord[] = [];
    const summary = await inventoryAccount({
      accountId, auditRole: 'census-audit', regions: ['eu-west-1', 'us-east-1'], collectors: [denied],
      sink: { put: async (r) => void records.push(r), close: async () => undefined },
      limiter: new CallLimiter({ overall: 4, perAccount: 4, perRegion: 4 }), stats: newStats(),
      observedAt: new Date().toISOString(), runId: 'run-degrade', catalog: loadCatalog(),
    });
    expect(summary.inventoried).toBe(true);
    // no PASS or FAIL for CSS-IAM-07 in either region: nothing counts in the score
    expect(records.filter((r) => r.recordType === 'finding' && r.requirementId === 'CSS-IAM-07')).toEqual([]);
    const notEvaluated = records.filter((r) => r.recordType === 'collection-error' && r.code === 'NotEvaluated');
    expect(notEvaluated.map((r) => (r.recordType === 'collection-error' ? [r.region, r.collector] : [])).sort()).toEqual([
      ['eu-west-1', 'sweep'],
      ['us-east-1', 'sweep'],
    ]);
    for (const r of notEvaluated) {
      expect(r.recordType === 'collection-error' && r.message).toMatch(
        /^CSS-IAM-07: not evaluated: collection of AWS::AccessAnalyzer::Analyzer in (eu-west-1|us-east-1) failed \(AccessDeniedException: User is not authorized/,
      );
    }
  });
});
