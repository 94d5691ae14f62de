// Discovery and inventory: one Lambda per collector, and the state machine that fans out over accounts and collectors.
//
// Contract with collectors/lambda.ts:
//   discoverHandler({ runId })                      -> { runId, accountCount, accountsKey }; the active accounts are
//                                                      written to s3://<feed>/<accountsKey> as [{ accountId }]
//   inventoryHandler({ runId, accountId, collector }) -> a small summary (counts), streamed records go to Kinesis
// Every collector function also gets CENSUS_COLLECTOR=<name>, so a handler can serve a single collector.
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { runAccountsPrefix } from '../../collectors/discovery.js';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { collectorFunctionSuffix } from './collectors.js';
import type { InfraConfig } from './config.js';
import { censusFunction, entries, lambdaRole, type FunctionDefaults, collectorEntry } from './functions.js';
import { acknowledgePrefixGrants, allowObjects, allowStreamWrite } from './grants.js';
import { keepData, type CensusStorage } from './storage.js';
import type { CensusStreaming } from './streaming.js';

/** Where the distributed map writes each account's outcome (a run's results can outgrow the state payload). */
export const runResultsPrefix = 'inventory-runs/';

/**
 * The distributed map reads the run's account list from S3 (ItemReader), never from the state: 2,500 accounts
 * at ~100 bytes each already exceed Step Functions' 256 KiB payload. Only this prefix may be read.
 */
class RunAccountsReader extends sfn.S3JsonItemReader {
  constructor(
    private readonly listBucket: s3.IBucket,
    keyPath: string,
  ) {
    super({ bucket: listBucket, key: keyPath });
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.listBucket.arnForObjects(`${runAccountsPrefix}*`)] })];
  }
}

/** CDK's result writer grants on every object of the bucket; this one only on its prefix. */
class PrefixResultWriter extends sfn.ResultWriterV2 {
  constructor(
    private readonly resultBucket: s3.IBucket,
    private readonly keyPrefix: string,
  ) {
    super({ bucket: resultBucket, prefix: keyPrefix });
  }
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.resultBucket.arnForObjects(`${this.keyPrefix}*`)],
      }),
    ];
  }
}

/** Errors worth retrying on a Lambda invoke: the service's, not the function's. */
const lambdaServiceErrors = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

export interface InventoryProps {
  config: InfraConfig;
  collectors: readonly string[];
  storage: CensusStorage;
  streaming: CensusStreaming;
  defaults: FunctionDefaults;
  environment: Record<string, string>;
}

export class CensusInventory extends Construct {
  readonly discoverFunction: NodejsFunction;
  readonly collectorFunctions: Map<string, NodejsFunction>;
  readonly discoverRole: iam.Role;
  readonly collectorRole: iam.Role;
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: InventoryProps) {
    super(scope, id);
    const { config, storage, streaming } = props;
    const stack = Stack.of(this);

    // Discovery assumes the audit role in the payer accounts only (any account when none is configured yet).
    const payerAuditRoles = config.payerAccountIds.length
      ? config.payerAccountIds.map((a) => `arn:${stack.partition}:iam::${a}:role/${config.auditRoleName}`)
      : [`arn:${stack.partition}:iam::*:role/${config.auditRoleName}`];
    this.discoverRole = lambdaRole(this, 'DiscoverRole', `${config.namePrefix}-discover`, 'Census discovery: reads payer organizations');
    this.collectorRole = lambdaRole(this, 'CollectorRole', `${config.namePrefix}-collector`, 'Census collectors: read member accounts through the audit role');
    this.discoverRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'AssumeAuditRoleInPayers', actions: ['sts:AssumeRole'], resources: payerAuditRoles }),
    );
    this.collectorRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeAuditRoleInMembers',
        actions: ['sts:AssumeRole'],
        // every member account, but only the one role the StackSet creates there
        resources: [`arn:${stack.partition}:iam::*:role/${config.auditRoleName}`],
      }),
    );
    Validations.of(this.collectorRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.auditRoleName}]`,
      reason: 'Collectors inventory every account of the organization, which changes as accounts join; the grant names the single audit role.',
    });
    if (!config.payerAccountIds.length) {
      Validations.of(this.discoverRole).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${config.auditRoleName}]`,
        reason: 'No payerAccountIds context given: discovery may assume the audit role in any account until it is set.',
      });
    }
    for (const role of [this.discoverRole, this.collectorRole]) {
      allowStreamWrite(role, streaming.stream, storage.key);
      // records over Kinesis's 1 MiB limit travel by S3 pointer; records that cannot be sent go to dead letters
      allowObjects(role, storage.feed, storage.key, 'write', ['oversize/*']);
      allowObjects(role, storage.deadLetter, storage.key, 'write', ['dead-letter/*']);
    }
    // the latest account list, read by processors and scoring; and this run's active accounts, read by the map
    allowObjects(this.discoverRole, storage.feed, storage.key, 'write', ['state/*', `${runAccountsPrefix}*`]);

    this.discoverFunction = censusFunction(this, 'Discover', props.defaults, {
      name: 'discover',
      entry: entries.collectors,
      handler: 'discoverHandler',
      description: 'Census: lists the accounts of every payer organization',
      role: this.discoverRole,
      timeout: Duration.minutes(10),
      memorySize: 512,
      environment: props.environment,
    });
    this.collectorFunctions = new Map(
      props.collectors.map((collector) => [
        collector,
        censusFunction(this, `Collector-${collector}`, props.defaults, {
          name: `collector-${collectorFunctionSuffix(collector)}`,
          // one bundle per collector, holding that collector only
          entry: collectorEntry(collector),
          handler: 'inventoryHandler',
          description: `Census collector ${collector}: inventories one account in every region`,
          role: this.collectorRole,
          timeout: Duration.minutes(15),
          memorySize: config.inventory.collectorMemoryMiB,
          environment: { ...props.environment, CENSUS_COLLECTOR: collector },
        }),
      ]),
    );
    this.stateMachine = this.buildStateMachine(props);
  }

  private buildStateMachine({ config, storage }: InventoryProps): sfn.StateMachine {
    const discover = new tasks.LambdaInvoke(this, 'DiscoverAccounts', {
      lambdaFunction: this.discoverFunction,
      payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.stringAt('$$.Execution.Name') }),
      resultSelector: { 'runId.$': '$.Payload.runId', 'accountCount.$': '$.Payload.accountCount', 'accountsKey.$': '$.Payload.accountsKey' },
      retryOnServiceExceptions: true,
    });
    discover.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(30), maxAttempts: 2, backoffRate: 2 });

    // per account: every collector, with bounded concurrency, each outcome recorded
    const collectorItems = [...this.collectorFunctions].map(([collector, fn]) => ({ collector, functionArn: fn.functionArn }));
    const withCollectors = new sfn.Pass(this, 'ListCollectors', {
      parameters: { 'runId.$': '$.runId', 'accountId.$': '$.accountId', collectors: collectorItems },
    });
    const collect = new sfn.CustomState(this, 'Collect', {
      stateJson: {
        Type: 'Task',
        Resource: `arn:${Stack.of(this).partition}:states:::lambda:invoke`,
        Parameters: {
          'FunctionName.$': '$.functionArn',
          Payload: { 'runId.$': '$.runId', 'accountId.$': '$.accountId', 'collector.$': '$.collector' },
        },
        ResultSelector: { 'summary.$': '$.Payload' },
        ResultPath: '$.outcome',
      },
    });
    collect.addRetry({ errors: lambdaServiceErrors, interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    // a collector that failed (throttled to death, timed out) gets one more try before it is recorded as failed
    collect.addRetry({ errors: ['States.TaskFailed', 'States.Timeout'], interval: Duration.seconds(30), maxAttempts: 1, backoffRate: 2 });
    const collectorFailed = new sfn.Pass(this, 'CollectorFailed', {
      parameters: {
        'accountId.$': '$.accountId',
        'collector.$': '$.collector',
        status: 'FAILED',
        'error.$': '$.outcome.Error',
        'cause.$': '$.outcome.Cause',
      },
    });
    collect.addCatch(collectorFailed, { errors: ['States.ALL'], resultPath: '$.outcome' });
    const collectorSucceeded = new sfn.Pass(this, 'CollectorSucceeded', {
      parameters: { 'accountId.$': '$.accountId', 'collector.$': '$.collector', status: 'SUCCEEDED', 'summary.$': '$.outcome.summary' },
    });
    const perCollector = new sfn.Map(this, 'InventoryCollectors', {
      itemsPath: '$.collectors',
      maxConcurrency: config.inventory.collectorConcurrency,
      itemSelector: {
        'runId.$': '$.runId',
        'accountId.$': '$.accountId',
        'collector.$': '$$.Map.Item.Value.collector',
        'functionArn.$': '$$.Map.Item.Value.functionArn',
      },
      resultPath: '$.results',
    });
    perCollector.itemProcessor(collect.next(collectorSucceeded));
    const countFailures = new sfn.Pass(this, 'CollectFailures', {
      parameters: {
        'accountId.$': '$.accountId',
        'results.$': '$.results',
        'failed.$': "$.results[?(@.status == 'FAILED')]",
      },
    });
    const count = new sfn.Pass(this, 'CountFailures', {
      parameters: {
        'accountId.$': '$.accountId',
        'results.$': '$.results',
        'failed.$': '$.failed',
        'failedCount.$': 'States.ArrayLength($.failed)',
      },
    });
    // an account with a failed collector fails its map item: visible in the map run, counted against the tolerance
    const accountFailed = new sfn.Fail(this, 'AccountIncomplete', {
      error: 'Census.CollectorsFailed',
      causePath: sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.failed')),
    });
    const accountDone = new sfn.Succeed(this, 'AccountComplete');
    const perAccountFlow = withCollectors
      .next(perCollector)
      .next(countFailures)
      .next(count)
      .next(new sfn.Choice(this, 'AnyCollectorFailed').when(sfn.Condition.numberGreaterThan('$.failedCount', 0), accountFailed).otherwise(accountDone));

    const perAccount = new sfn.DistributedMap(this, 'InventoryAccounts', {
      itemReader: new RunAccountsReader(storage.feed, sfn.JsonPath.stringAt('$.accountsKey')),
      itemSelector: { 'runId.$': '$.runId', 'accountId.$': '$$.Map.Item.Value.accountId' },
      maxConcurrency: config.inventory.accountConcurrency,
      toleratedFailurePercentage: config.inventory.toleratedFailurePercentage,
      mapExecutionType: sfn.StateMachineType[config.inventory.accountExecutionType],
      label: 'accounts',
      // per-account outcomes can exceed the 256 KiB state payload at a few hundred accounts: write them to S3
      resultWriterV2: new PrefixResultWriter(storage.feed, runResultsPrefix),
    });
    perAccount.itemProcessor(perAccountFlow);

    // an empty organization list means discovery failed (no payer role, wrong payer IDs): fail loudly, not an empty run
    const anyAccounts = new sfn.Choice(this, 'AnyAccounts')
      .when(sfn.Condition.numberGreaterThan('$.accountCount', 0), perAccount)
      .otherwise(
        new sfn.Fail(this, 'NoAccounts', {
          error: 'Census.NoAccountsDiscovered',
          cause: 'Discovery found no active account: check payerAccountIds and the audit role in each payer account',
        }),
      );

    discover.next(anyAccounts);

    // runs never overlap: a run that finds an earlier one of this state machine still running ends at once
    // (the schedule's next tick tries again), so a slow run cannot double the API calls and the cost
    const stateMachineName = `${config.namePrefix}-inventory`;
    const stack = Stack.of(this);
    const thisStateMachine = stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const runningExecutions = new tasks.CallAwsService(this, 'CheckOverlap', {
      service: 'sfn',
      action: 'listExecutions',
      parameters: { StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'), StatusFilter: 'RUNNING', MaxResults: 2 },
      iamResources: [thisStateMachine],
      iamAction: 'states:ListExecutions',
      resultSelector: { 'running.$': 'States.ArrayLength($.Executions)' },
      resultPath: '$.overlap',
    });
    const overlapGuard = runningExecutions.next(
      new sfn.Choice(this, 'PreviousRunStillRunning')
        .when(sfn.Condition.numberGreaterThan('$.overlap.running', 1), new sfn.Succeed(this, 'SkippedWhilePreviousRuns', { comment: 'an earlier inventory run is still running' }))
        .otherwise(discover),
    );

    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/${config.namePrefix}-inventory`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: keepData,
    });
    const stateMachine = new sfn.StateMachine(this, 'Inventory', {
      stateMachineName,
      definitionBody: sfn.DefinitionBody.fromChainable(overlapGuard),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    // exactly the collector functions (the discover task adds its own grant)
    stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [...this.collectorFunctions.values()].map((f) => f.functionArn) }),
    );
    stateMachine.addToRolePolicy(new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [storage.key.keyArn] }));
    acknowledgePrefixGrants(stateMachine, storage.feed, [`${runResultsPrefix}*`, `${runAccountsPrefix}*`]);
    Validations.of(stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.discoverFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason: 'Added by the LambdaInvoke task: invoking the discover function\'s versions and aliases, one function only.',
    });
    Validations.of(stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs delivery and X-Ray tracing for the state machine: these APIs take no resource ARN.',
    });
    const smRef = stack.getLogicalId(stateMachine.node.defaultChild as sfn.CfnStateMachine);
    const executions = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${smRef}"}]}]}`;
    for (const suffix of [':*', '/accounts:*']) {
      Validations.of(stateMachine).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${executions}${suffix}]`,
        reason: 'Added by the distributed map: describe, stop and redrive this state machine\'s own child executions, whose names are generated.',
      });
    }
    return stateMachine;
  }
}
