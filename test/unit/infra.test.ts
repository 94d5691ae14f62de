// The Census CDK app, proven offline: synthesis (with real esbuild bundling and cdk-nag), the critical
// properties of every resource, least privilege, and cfn-lint on every template.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackNames } from '../../infra/lib/app.js';
import { resolveTokens, stateMachineLintTemplate } from '../../infra/lib/asl-lint.js';
import { registeredCollectors } from '../../infra/lib/collectors.js';
import { wildcardWriteGrants, writeGrantsOnAnyResource } from '../../infra/lib/least-privilege.js';
import { feedErrorPrefix, feedPrefix } from '../../infra/lib/streaming.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const payers = ['111111111111', '222222222222'];
const securityAccountId = '999999999999';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let outdir: string;
let census: Template;
let auditRole: Template;
let censusJson: Json;
let synthMs: number;

/** Resources of one type, as [logicalId, properties]. */
function resources(t: Json, type: string): [string, Json][] {
  return Object.entries(t.Resources as Record<string, Json>)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/** Flatten `Fn::Join` / `Ref` / `Fn::GetAtt` into a string with `${...}` placeholders, to read a state machine definition. */
function flatten(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Json;
  if (o['Fn::Join']) return (o['Fn::Join'][1] as unknown[]).map(flatten).join(o['Fn::Join'][0] as string);
  if (o.Ref) return `\${${o.Ref}}`;
  if (o['Fn::GetAtt']) return `\${${(o['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(v);
}

/** All Allow statements attached (through AWS::IAM::Policy) to the role with this logical id prefix. */
function roleStatements(t: Json, rolePrefix: string): Json[] {
  return resources(t, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Roles as Json[]).some((r) => String(r.Ref).startsWith(rolePrefix)))
    .flatMap(([, p]) => p.PolicyDocument.Statement as Json[]);
}
const actionsOf = (statements: Json[]) => new Set<string>(statements.flatMap((s) => ([] as string[]).concat(s.Action)));
const grants = (action: string) => (s: Json) => ([] as string[]).concat(s.Action).includes(action);

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'census-cdk-'));
  const started = Date.now();
  const { app } = buildApp({
    outdir,
    context: {
      payerAccountIds: payers.join(','), // as `-c payerAccountIds=...` gives it
      securityAccountId,
      scorecardRecipients: 'ciso@example.com',
      sesIdentity: 'census.example.com',
      sesFromAddress: 'scorecards@census.example.com',
    },
  });
  // synthesis runs the cdk-nag AwsSolutions plugin and throws on any unacknowledged finding
  const assembly = app.synth();
  synthMs = Date.now() - started;
  censusJson = assembly.getStackByName(stackNames.census).template as Json;
  census = Template.fromJSON(censusJson);
  auditRole = Template.fromJSON(assembly.getStackByName(stackNames.auditRole).template as Json);
  // one esbuild bundle per collector function (each holds its own collector): minutes on a loaded two-core machine
}, 900_000);

afterAll(() => {
  console.info(`infra: synthesized both stacks (bundling, cdk-nag) in ${synthMs} ms`);
  rmSync(outdir, { recursive: true, force: true });
});

describe('record stream and feed', () => {
  it('is an on-demand Kinesis stream encrypted with the Census key', () => {
    census.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StorageKey'), 'Arn'] } },
      RetentionPeriodHours: 48,
    });
    census.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lands the feed through Firehose: gzip, partitioned by record type and hour, errors apart, KMS', () => {
    census.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        CompressionFormat: 'GZIP',
        Prefix: feedPrefix,
        ErrorOutputPrefix: feedErrorPrefix,
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
    // the partition layout matches the one processors and readers agree on (core/indexes.ts s3Keys.feedPrefix)
    expect(feedPrefix).toMatch(/^feed\/!\{partitionKeyFromQuery:recordType\}\/dt=!\{timestamp:yyyy-MM-dd\}\/hour=!\{timestamp:HH\}\/$/);
  });
});

describe('buckets', () => {
  it('block public access, version, and deny plain HTTP on every bucket', () => {
    const buckets = resources(censusJson, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(4); // feed, dead letters, scorecards, access logs
    for (const [, p] of buckets) {
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(p.LifecycleConfiguration.Rules.length).toBeGreaterThan(0);
    }
    const policies = resources(censusJson, 'AWS::S3::BucketPolicy');
    expect(policies).toHaveLength(4);
    for (const [, p] of policies) {
      expect(p.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('encrypt feed, dead letters and scorecards with the Census KMS key and log access', () => {
    const kmsBuckets = resources(censusJson, 'AWS::S3::Bucket').filter(
      ([, p]) => p.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms',
    );
    expect(kmsBuckets.map(([id]) => id.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual(['StorageDeadLetter', 'StorageFeed', 'StorageScorecards']);
    for (const [, p] of kmsBuckets) {
      expect(p.BucketEncryption.ServerSideEncryptionConfiguration[0].BucketKeyEnabled).toBe(true);
      expect(p.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^StorageAccessLogs/) });
    }
  });
});

describe('collectors and the inventory state machine', () => {
  const collectorFunctions = () =>
    resources(censusJson, 'AWS::Lambda::Function').filter(([, p]) => p.Environment?.Variables?.CENSUS_COLLECTOR);

  it('has one Lambda per collector, each from its own esbuild bundle holding that collector only', () => {
    const fns = collectorFunctions();
    expect(fns.map(([, p]) => p.Environment.Variables.CENSUS_COLLECTOR).sort()).toEqual(registeredCollectors().sort());
    const codeKeys = new Set(fns.map(([, p]) => JSON.stringify(p.Code.S3Key)));
    expect(codeKeys.size).toBe(fns.length);
    for (const [, p] of fns) {
      expect(p).toMatchObject({ Handler: 'index.inventoryHandler', Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900 });
      expect(p.Environment.Variables).toMatchObject({ CENSUS_AUDIT_ROLE: 'CensusAudit', CENSUS_PAYERS: payers.join(',') });
      // collectors never talk to OpenSearch, so they neither know it nor wait for it at deploy time
      expect(p.Environment.Variables.CENSUS_OPENSEARCH_URL).toBeUndefined();
    }
    census.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.discoverHandler' });
  });

  it('every function\'s bundle loads in Node and exports its handler', () => {
    const fns = resources(censusJson, 'AWS::Lambda::Function');
    const byAsset = new Map<string, Set<string>>();
    for (const [, p] of fns) {
      // the code asset's S3 key is `<hash>.zip`, staged in the cloud assembly as `asset.<hash>/`
      const assetPath = `asset.${String(p.Code.S3Key).replace(/\.zip$/, '')}`;
      const handler = (p.Handler as string).replace(/^index\./, '');
      byAsset.set(assetPath, (byAsset.get(assetPath) ?? new Set()).add(handler));
    }
    const files = [...byAsset.keys()].map((a) => join(outdir, a, 'index.mjs'));
    // a separate Node process, as Lambda would load it: ESM output, the require() banner, bundled dependencies
    const script = `const out = {}; for (const f of ${JSON.stringify(files)}) { const m = await import(f); out[f] = Object.keys(m).filter((k) => typeof m[k] === 'function'); } console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH } });
    // Node 20 here (Lambda runs 24): the AWS SDK warns once that its 2027 releases need Node 22; nothing else may be said
    const sdkNodeWarning = /\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)\n?/g;
    expect(run.stderr.replace(sdkNodeWarning, '')).toBe('');
    const exported = JSON.parse(run.stdout) as Record<string, string[]>;
    for (const [asset, handlers] of byAsset) {
      expect(exported[join(outdir, asset, 'index.mjs')], asset).toEqual(expect.arrayContaining([...handlers]));
    }
    // one bundle per collector (each holds its own collector); discovery, processors, scoring and delivery as before
    expect(byAsset.size).toBeLessThanOrEqual(6 + collectorFunctions().length);
    // data files the code opens beside itself (the standard's catalog) travel with the bundle
    for (const asset of byAsset.keys()) {
      const code = readFileSync(join(outdir, asset, 'index.mjs'), 'utf8');
      for (const [, file] of code.matchAll(/new URL\(\s*["'`]\.\/([\w.-]+\.\w+)["'`]\s*,\s*import\.meta\.url\s*\)/g)) {
        expect(existsSync(join(outdir, asset, file!)), `${asset} reads ./${file} at run time`).toBe(true);
      }
    }
  }, 60_000);

  it('discovers accounts, then fans out over accounts and collectors with bounded concurrency and recorded outcomes', () => {
    const [[, sm]] = resources(censusJson, 'AWS::StepFunctions::StateMachine') as [[string, Json]];
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.LoggingConfiguration.Level).toBe('ALL');
    const def = JSON.parse(resolveTokens(sm.DefinitionString)) as Json;
    expect(def.StartAt).toBe('CheckOverlap');
    expect(def.States.DiscoverAccounts.Next).toBe('AnyAccounts');
    // an empty account list fails the run instead of looking like a clean, empty inventory
    expect(def.States.AnyAccounts).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.accountCount', NumericGreaterThan: 0, Next: 'InventoryAccounts' }],
      Default: 'NoAccounts',
    });
    expect(def.States.NoAccounts).toMatchObject({ Type: 'Fail', Error: 'Census.NoAccountsDiscovered' });

    const accounts = def.States.InventoryAccounts;
    expect(accounts).toMatchObject({
      Type: 'Map',
      MaxConcurrency: 20,
      ToleratedFailurePercentage: 10,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
      ResultWriter: { Parameters: { Prefix: 'inventory-runs/' } },
    });
    const perAccount = accounts.ItemProcessor.States;
    const listed = perAccount.ListCollectors.Parameters.collectors as { collector: string }[];
    expect(listed.map((c) => c.collector).sort()).toEqual(registeredCollectors().sort());

    const collectors = perAccount.InventoryCollectors;
    expect(collectors).toMatchObject({ Type: 'Map', ItemsPath: '$.collectors', MaxConcurrency: 8 });
    const collect = collectors.ItemProcessor.States.Collect;
    expect(collect.Parameters['FunctionName.$']).toBe('$.functionArn');
    expect(collect.Parameters.Payload).toEqual({ 'runId.$': '$.runId', 'accountId.$': '$.accountId', 'collector.$': '$.collector' });
    expect(collect.Retry.map((r: Json) => r.ErrorEquals).flat()).toEqual(
      expect.arrayContaining(['Lambda.TooManyRequestsException', 'States.TaskFailed']),
    );
    expect(collect.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.outcome', Next: 'CollectorFailed' }]);
    expect(collectors.ItemProcessor.States.CollectorFailed.Parameters.status).toBe('FAILED');
    expect(collectors.ItemProcessor.States.CollectorSucceeded.Parameters.status).toBe('SUCCEEDED');
    // a failed collector fails the account's item, so the run shows which accounts are incomplete
    expect(perAccount.AnyCollectorFailed.Choices[0]).toMatchObject({ Variable: '$.failedCount', NumericGreaterThan: 0, Next: 'AccountIncomplete' });
    expect(perAccount.AccountIncomplete.Type).toBe('Fail');
  });
});

describe('schedules', () => {
  it('runs the inventory and scoring hourly and delivery on its own schedule, with retries and a DLQ', () => {
    const schedules = resources(censusJson, 'AWS::Scheduler::Schedule');
    const byTarget = (re: RegExp) => schedules.find(([, p]) => re.test(JSON.stringify(p.Target.Arn)))![1];
    expect(schedules.map(([, p]) => p.ScheduleExpression).sort()).toEqual(['cron(0 7 ? * MON *)', 'rate(1 hour)', 'rate(1 hour)']);
    expect(byTarget(/"Ref":"Inventory/).ScheduleExpression).toBe('rate(1 hour)');
    expect(byTarget(/"Score/).ScheduleExpression).toBe('rate(1 hour)');
    const byExpression = Object.fromEntries(schedules.map(([, p]) => [p.ScheduleExpression, p]));
    expect(byExpression['cron(0 7 ? * MON *)'].Target.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Deliver/), 'Arn'] });
    for (const [, p] of schedules) {
      expect(p.State).toBe('ENABLED');
      expect(p.Target.RetryPolicy).toEqual({ MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 3 });
      expect(p.Target.DeadLetterConfig.Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ScheduleFailures/), 'Arn'] });
    }
    // sending to the KMS-encrypted dead-letter queue needs the data key, or failed invocations vanish
    // and a scheduled run that fails inside Lambda (after its own retries) is kept too
    for (const fn of ['Score', 'Deliver']) {
      census.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^${fn}`) },
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ScheduleFailures'), 'Arn'] } } },
      });
    }
    const schedulerActions = actionsOf(roleStatements(censusJson, 'SchedulerRole'));
    expect([...schedulerActions].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage', 'states:StartExecution']);
  });

  it('takes schedule expressions and concurrency from context', () => {
    const { census: stack } = buildApp({
      context: {
        schedules: '{"inventory":"rate(15 minutes)","delivery":"cron(0 6 1 * ? *)"}',
        inventory: { accountConcurrency: 50, accountExecutionType: 'EXPRESS' },
        collectors: `${registeredCollectors()[0]},${registeredCollectors()[0]}`, // a subset; repeats collapse
      },
    });
    // only the configuration is checked here; this stack is not synthesized (no bundling, no nag)
    expect([...stack.inventory.collectorFunctions.keys()]).toEqual([registeredCollectors()[0]]);
    expect(() => buildApp({ context: { collectors: 's3,no-such-collector' } })).toThrow(
      /CDK context collectors: unknown "no-such-collector"; known: .*s3/,
    );
    const expressions = stack.node
      .findAll()
      .filter((c) => c.node.defaultChild && (c.node.defaultChild as Json).cfnResourceType === 'AWS::Scheduler::Schedule')
      .map((c) => (c.node.defaultChild as Json).scheduleExpression as string);
    expect(expressions.sort()).toEqual(['cron(0 6 1 * ? *)', 'rate(1 hour)', 'rate(15 minutes)']);
    // no payer accounts in this context: nothing to discover, so the inventory schedule is off, with a warning
    const inventorySchedule = stack.node.findChild('InventorySchedule').node.defaultChild as Json;
    expect(inventorySchedule.state).toBe('DISABLED');
    expect(stack.node.metadata.map((m) => String(m.data))).toEqual(expect.arrayContaining([expect.stringMatching(/No payerAccountIds/)]));
    const cfnStateMachine = stack.inventory.stateMachine.node.defaultChild as Json;
    const def = JSON.parse(resolveTokens(stack.resolve(cfnStateMachine.definitionString))) as Json;
    expect(def.States.InventoryAccounts).toMatchObject({
      MaxConcurrency: 50,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' } },
    });
    }, 60_000);
});

describe('processors', () => {
  it('read the stream with bisecting, partial batch failures, bounded retries and an SQS on-failure destination', () => {
    census.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^Processor') },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamingRecords'), 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 86_400,
      ParallelizationFactor: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProcessorFailures'), 'Arn'] } } },
    });
    census.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          CENSUS_STREAM_NAME: { Ref: Match.stringLikeRegexp('^StreamingRecords') },
          CENSUS_FEED_DELIVERY_STREAM: { Ref: Match.stringLikeRegexp('^StreamingFeed') },
          CENSUS_OPENSEARCH_URL: Match.anyValue(),
          CENSUS_OPENSEARCH_SIGV4: 'true',
          CENSUS_INDEX_PREFIX: 'census',
        }),
      },
    });
    census.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'census-processor-failures',
      KmsMasterKeyId: Match.anyValue(),
      MessageRetentionPeriod: 1_209_600,
    });
  });
});

describe('OpenSearch', () => {
  it('is a 2.x domain encrypted at rest and between nodes, HTTPS-only TLS 1.2, with FGAC and every log', () => {
    census.hasResourceProperties('AWS::OpenSearchService::Domain', {
      EngineVersion: Match.stringLikeRegexp('^OpenSearch_2\\.'),
      EncryptionAtRestOptions: { Enabled: true, KmsKeyId: Match.anyValue() },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
      AdvancedSecurityOptions: {
        Enabled: true,
        InternalUserDatabaseEnabled: false,
        MasterUserOptions: { MasterUserARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SearchSecurityMappingRole'), 'Arn'] } },
      },
      LogPublishingOptions: {
        SEARCH_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        INDEX_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        ES_APPLICATION_LOGS: Match.objectLike({ Enabled: true }),
        AUDIT_LOGS: Match.objectLike({ Enabled: true }),
      },
      ClusterConfig: Match.objectLike({ DedicatedMasterEnabled: true, DedicatedMasterCount: 3, InstanceCount: 2, ZoneAwarenessEnabled: true }),
    });
  });

  it('admits only the pipeline and admin roles, and maps processors and scoring to their FGAC roles', () => {
    const [[, domain]] = resources(censusJson, 'AWS::OpenSearchService::Domain') as [[string, Json]];
    const statement = (domain.AccessPolicies.Statement as Json[])[0]!;
    expect(statement.Action).toEqual(['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut']);
    const principals = ([] as Json[]).concat(statement.Principal.AWS).map((p) => p['Fn::GetAtt'][0] as string);
    expect(principals.map((p) => p.replace(/[A-F0-9]{8}$/, '')).sort()).toEqual(['ProcessorRole', 'ScoringRole', 'SearchSecurityMappingRole']);
    census.hasResourceProperties('Custom::OpenSearchRoleMapping', {
      IndexPrefix: 'census',
      ProcessorRoleArns: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ProcessorRole'), 'Arn'] }],
      ScoringRoleArns: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^ScoringRole'), 'Arn'] }],
    });
  });
});

describe('least privilege', () => {
  it('no identity policy in any template grants a wildcard action that can reach a write API', () => {
    expect(wildcardWriteGrants(censusJson)).toEqual([]);
    expect(wildcardWriteGrants(auditRole.toJSON())).toEqual([]);
  });

  it('grants a write API on every resource (`*`) only where the API has no resource ARN: state machine logs and tracing', () => {
    const anyResource = writeGrantsOnAnyResource(censusJson);
    // CDK's vended-logs delivery and X-Ray tracing for the state machine; these APIs accept no resource ARN
    expect([...new Set(anyResource.map((g) => g.resource.replace(/[A-F0-9]{8}$/, '')))]).toEqual(['InventoryRoleDefaultPolicy']);
    expect(anyResource.map((g) => g.action).sort()).toEqual(
      [
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(writeGrantsOnAnyResource(auditRole.toJSON())).toEqual([]); // ce:GetCostAndUsage is read-only
  });

  it('collectors may only assume the audit role, write to the stream, and park oversize records and dead letters', () => {
    const statements = roleStatements(censusJson, 'InventoryCollectorRole');
    expect([...actionsOf(statements)].sort()).toEqual(
      [
        'kinesis:DescribeStreamSummary',
        'kinesis:PutRecord',
        'kinesis:PutRecords',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:PutObject',
        'sts:AssumeRole',
      ].sort(),
    );
    const assume = statements.find((s) => s.Action === 'sts:AssumeRole')!;
    expect(flatten(assume.Resource)).toBe('arn:${AWS::Partition}:iam::*:role/CensusAudit');
    const put = statements.find(grants('kinesis:PutRecords'))!;
    expect(put.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^StreamingRecords/), 'Arn'] });
    const objects = statements.find(grants('s3:PutObject'))!;
    expect(([] as unknown[]).concat(objects.Resource).map(flatten).map((r) => r.replace(/[A-F0-9]{8}\./, '.')).sort()).toEqual([
      '${StorageDeadLetter.Arn}/dead-letter/*',
      '${StorageFeed.Arn}/oversize/*',
    ]);
  });

  it('discovery assumes the audit role in the configured payer accounts only', () => {
    const assume = roleStatements(censusJson, 'InventoryDiscoverRole').find((s) => s.Action === 'sts:AssumeRole')!;
    expect(([] as unknown[]).concat(assume.Resource).map(flatten)).toEqual(
      payers.map((a) => `arn:\${AWS::Partition}:iam::${a}:role/CensusAudit`),
    );
  });

  it('processors read the stream and write only the feed Firehose, latest/, dead letters, their queue and OpenSearch', () => {
    const statements = roleStatements(censusJson, 'ProcessorRole');
    const actions = actionsOf(statements);
    expect([...actions].filter((a) => !/^(kinesis:(Get|List|Describe|SubscribeToShard)|logs:|kms:(Decrypt|GenerateDataKey)$)/.test(a)).sort()).toEqual(
      [
        'es:ESHttpGet',
        'es:ESHttpHead',
        'es:ESHttpPost',
        'es:ESHttpPut',
        'firehose:PutRecord',
        'firehose:PutRecordBatch',
        's3:AbortMultipartUpload',
        's3:GetObject',
        's3:PutObject',
        's3:ListBucket',
        'sqs:GetQueueAttributes',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(actions.has('kinesis:PutRecords')).toBe(false);
    const writes = statements.find(grants('s3:PutObject'))!;
    expect(([] as unknown[]).concat(writes.Resource).map(flatten).map((r) => r.replace(/[A-F0-9]{8}\./, '.')).sort()).toEqual([
      '${StorageDeadLetter.Arn}/dead-letter/*',
      '${StorageFeed.Arn}/feed-delivered/*',
      '${StorageFeed.Arn}/latest/*',
    ]);
  });

  it('scoring writes only scorecards, its scores and the daily snapshot into the feed; delivery only reads scorecards', () => {
    const writes = (role: string) =>
      roleStatements(censusJson, role)
        .filter(grants('s3:PutObject'))
        .flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten))
        .map((r) => r.replace(/[A-F0-9]{8}\./, '.'))
        .sort();
    expect(writes('ScoringRole')).toEqual(['${StorageFeed.Arn}/feed/score/*', '${StorageFeed.Arn}/feed/snapshot/*', '${StorageScorecards.Arn}/scorecards/*']);
    expect(writes('DeliverRole')).toEqual([]);
    // deleting is for the snapshot's own parts only (an interrupted attempt's extra parts), nowhere else
    const deletes = roleStatements(censusJson, 'ScoringRole')
      .filter(grants('s3:DeleteObject'))
      .flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten))
      .map((r) => r.replace(/[A-F0-9]{8}\./, '.'));
    expect(deletes).toEqual(['${StorageFeed.Arn}/feed/snapshot/*']);
  });

  it('scorecard e-mail may be sent only from the configured SES identity and address', () => {
    const ses = roleStatements(censusJson, 'DeliverRole').find(grants('ses:SendEmail'))!;
    expect(flatten(ses.Resource)).toBe('arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/census.example.com');
    expect(ses.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'scorecards@census.example.com' } });
    for (const role of ['InventoryCollectorRole', 'InventoryDiscoverRole', 'ProcessorRole', 'ScoringRole']) {
      expect([...actionsOf(roleStatements(censusJson, role))].filter((a) => a.startsWith('ses:'))).toEqual([]);
    }
  });
});

describe('alarms', () => {
  it('watch iterator age, dead-letter depth, Lambda errors and throttles, the inventory and OpenSearch health', () => {
    const alarms = resources(censusJson, 'AWS::CloudWatch::Alarm');
    const metrics = alarms.map(([, p]) => `${p.Namespace}/${p.MetricName}`);
    expect(metrics).toEqual(
      expect.arrayContaining([
        'AWS/Lambda/IteratorAge',
        'AWS/Kinesis/GetRecords.IteratorAgeMilliseconds',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
        'AWS/States/ExecutionsFailed',
        'AWS/ES/ClusterStatus.red',
        'AWS/ES/ClusterStatus.yellow',
        'AWS/ES/ClusterIndexWritesBlocked',
        'AWS/ES/FreeStorageSpace',
        'AWS/ES/JVMMemoryPressure',
        'AWS/Firehose/DeliveryToS3.DataFreshness',
      ]),
    );
    expect(metrics.filter((m) => m === 'AWS/SQS/ApproximateNumberOfMessagesVisible')).toHaveLength(2);
    // every function: the collectors, discover, processor, score, deliver and the deploy-time mapping function's callers
    const functionCount = registeredCollectors().length + 4;
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(functionCount);
    expect(metrics.filter((m) => m === 'AWS/Lambda/Throttles')).toHaveLength(functionCount);
    for (const [, p] of alarms) expect(p.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmsTopic/) }]);
  });
});

describe('member-account audit role template', () => {
  it('creates the audit role with SecurityAudit only (it grants every collector call; see infra-deploy.test.ts)', () => {
    auditRole.hasResourceProperties('AWS::IAM::Role', {
      RoleName: { Ref: 'AuditRoleName' },
      ManagedPolicyArns: [
        { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit' },
      ],
    });
    auditRole.resourceCountIs('AWS::IAM::Role', 1);
  });

  it('trusts only the collector and discovery roles of the security account, with an optional external id', () => {
    const [[, role]] = resources(auditRole.toJSON(), 'AWS::IAM::Role') as [[string, Json]];
    const trust = (role.AssumeRolePolicyDocument.Statement as Json[])[0]!;
    expect(trust.Principal).toEqual({ AWS: { 'Fn::Sub': ['arn:${AWS::Partition}:iam::${SecurityAccountId}:root', { SecurityAccountId: { Ref: 'SecurityAccountId' } }] } });
    const arns = trust.Condition.ArnEquals['aws:PrincipalArn'] as Json[];
    expect(arns.map((a) => a['Fn::Sub'][1].Name)).toEqual([{ Ref: 'CollectorRoleName' }, { Ref: 'DiscoverRoleName' }]);
    expect(trust.Condition.StringEquals).toEqual({
      'Fn::If': ['HasExternalId', { 'sts:ExternalId': { Ref: 'ExternalId' } }, { Ref: 'AWS::NoValue' }],
    });
  });

  it('is a plain parameterized template a StackSet can deploy (no CDK bootstrap version check)', () => {
    const t = auditRole.toJSON() as Json;
    expect(Object.keys(t.Parameters).sort()).toEqual(['AuditRoleName', 'CollectorRoleName', 'DiscoverRoleName', 'ExternalId', 'SecurityAccountId']);
    expect(t.Parameters.SecurityAccountId.Default).toBe(securityAccountId);
    expect(t.Parameters.CollectorRoleName.Default).toBe('census-collector');
    expect(t.Rules).toBeUndefined();
    expect(JSON.stringify(t)).not.toContain('BootstrapVersion');
  });
});

describe('validators', () => {
  it('cdk-nag AwsSolutions reports no unacknowledged finding', () => {
    const reportPath = join(outdir, 'validation-report.json');
    if (existsSync(reportPath)) {
      const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Json;
      const violations = (report.pluginReports as Json[]).flatMap((p) => p.violations as Json[]);
      expect(violations.map((v) => `${v.ruleName} ${v.violatingConstructs.map((c: Json) => c.constructPath).join(',')}`)).toEqual([]);
    }
  });

  it('cdk-nag fails synthesis on an unacknowledged wildcard grant (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-nag-'));
    try {
      const app = new App({ outdir: dir });
      const stack = new Stack(app, 'Bad');
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::s3:\*\]/);
      expect(readFileSync(join(dir, 'validation-report.json'), 'utf8')).toContain('AwsSolutions-IAM5[Action::s3:*]');
      // the template was written before validation: the least-privilege scan finds the same grant
      expect(wildcardWriteGrants(JSON.parse(readFileSync(join(dir, 'Bad.template.json'), 'utf8')) as Json)).toEqual([
        { resource: expect.stringMatching(/^RoleDefaultPolicy/), action: 's3:*', sid: undefined },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cfn-lint reports no error or warning on every synthesized template', () => {
    const templates = ['Census.template.json', 'CensusAuditRole.template.json', 'CensusEventForwarder.template.json'];
    for (const t of templates) expect(existsSync(join(outdir, t))).toBe(true);
    const run = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), outdir], { encoding: 'utf8' });
    // a missing cfn-lint (no `npm run setup`) fails here with the script's message
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stderr).toContain('Census.template.json CensusAuditRole.template.json CensusEventForwarder.template.json');
    expect(run.stdout).toBe('');
  }, 120_000);

  it('cfn-lint validates the inventory state machine definition (Amazon States Language) and fails a broken one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-asl-'));
    try {
      const asl = stateMachineLintTemplate(censusJson);
      expect(Object.keys(asl.Resources as Json)).toHaveLength(1);
      writeFileSync(join(dir, 'InventoryStateMachine.template.json'), JSON.stringify(asl));
      const good = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), dir], { encoding: 'utf8' });
      expect(good.status, good.stderr + good.stdout).toBe(0);
      expect(good.stdout).toBe('');

      const broken = JSON.parse(JSON.stringify(asl)) as Json;
      const sm = Object.values(broken.Resources as Json)[0] as Json;
      const states = sm.Properties.Definition.States as Json;
      states.InventoryAccounts.ItemProcessor.States.InventoryCollectors.MaxConcurrency = 'eight';
      writeFileSync(join(dir, 'InventoryStateMachine.template.json'), JSON.stringify(broken));
      const bad = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), dir], { encoding: 'utf8' });
      expect(bad.status).not.toBe(0);
      expect(bad.stdout).toContain("E3601 'eight' is not of type 'number'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('cfn-lint fails on a broken template (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-lint-'));
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'Broken.template.json'),
        JSON.stringify({ Resources: { Stream: { Type: 'AWS::Kinesis::Stream', Properties: { RetentionPeriodHours: 'forever' } } } }),
      );
      const run = spawnSync('bash', [join(repoRoot, 'scripts/cfn-lint.sh'), dir], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stdout).toMatch(/E\d{4}/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm run synth', () => {
  it('synthesizes every stack with no context, no AWS credentials and (where unshare exists) no network', () => {
    const dir = mkdtempSync(join(tmpdir(), 'census-synth-'));
    try {
      const env = { ...process.env, CDK_OUTDIR: dir, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'census-no-such-profile' };
      const tsx = join(repoRoot, 'node_modules/.bin/tsx');
      // a private network namespace with no interfaces up: any network call fails instead of succeeding quietly
      const isolated = spawnSync('unshare', ['-rn', 'true']).status === 0;
      const [cmd, args] = isolated ? ['unshare', ['-rn', tsx, 'infra/bin/app.ts']] : [tsx, ['infra/bin/app.ts']];
      if (!isolated) console.warn('unshare -rn is not available here: synthesizing without network isolation');
      const run = spawnSync(cmd, args, { cwd: repoRoot, env, encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/synthesized Census, CensusAuditRole, CensusEventForwarder into/);
      expect(existsSync(join(dir, 'Census.template.json'))).toBe(true);
      expect(existsSync(join(dir, 'CensusAuditRole.template.json'))).toBe(true);
      expect(existsSync(join(dir, 'CensusEventForwarder.template.json'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
