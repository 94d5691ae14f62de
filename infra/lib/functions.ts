// One way to build every Census Lambda: same runtime, bundling, logging and least-privilege role.
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CensusConfig } from '../../platform/config.js';
import { keepData } from './storage.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The Lambda entry files the product exports (their export names are the handlers). */
export const entries = {
  collectors: `${repoRoot}collectors/lambda.ts`,
  processors: `${repoRoot}processors/lambda.ts`,
  scoring: `${repoRoot}scoring/lambda.ts`,
  events: `${repoRoot}collectors/events/lambda.ts`,
  opensearchSecurity: `${repoRoot}infra/lambda/opensearch-security.ts`,
} as const;

/**
 * Files the code reads next to itself at run time (`new URL('./catalog.yaml', import.meta.url)`). esbuild bundles
 * code, not data: each is copied beside the bundle's index.mjs, where that URL points once bundled.
 * The infra test fails if a bundle refers to a file that is not there.
 */
export const bundledDataFiles = [
  { from: 'standard/catalog.yaml', to: 'catalog.yaml' },
  { from: 'data/known-aws-accounts/accounts.yaml', to: 'known-aws-accounts/accounts.yaml' },
] as const;

const copyDataFiles: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir: string, outputDir: string) =>
    bundledDataFiles.map((f) => `mkdir -p "$(dirname "${outputDir}/${f.to}")" && cp "${inputDir}/${f.from}" "${outputDir}/${f.to}"`),
};

/**
 * The CensusConfig key -> environment variable rule of platform/config.ts (`streamName` -> CENSUS_STREAM_NAME),
 * typed against CensusConfig so a renamed setting breaks the build instead of the deployment.
 */
export function censusEnvironment(settings: Partial<Record<keyof CensusConfig, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || value === '') continue;
    out[`CENSUS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`] = value;
  }
  return out;
}

export interface CensusFunctionProps {
  /** used in the function, role and log group names: `${namePrefix}-${name}` */
  name: string;
  entry: string;
  handler: string;
  description: string;
  environment?: Record<string, string>;
  memorySize?: number;
  timeout?: Duration;
  /** share one role between functions that need the same permissions (the collectors) */
  role?: iam.Role;
}

export interface FunctionDefaults {
  namePrefix: string;
  logRetentionDays: number;
}

/** A role a Lambda function can assume, with no permissions yet. */
export function lambdaRole(scope: Construct, id: string, roleName: string, description: string): iam.Role {
  return new iam.Role(scope, id, {
    roleName,
    description,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
}

/**
 * A Node.js Lambda bundled by esbuild from the same TypeScript the CLI runs. Functions with the same entry share
 * one bundle (CDK caches the asset by entry and bundling options), so forty collectors bundle once.
 * The function writes only to its own log group: no AWSLambdaBasicExecutionRole with logs:* on every group.
 */
export function censusFunction(scope: Construct, id: string, defaults: FunctionDefaults, props: CensusFunctionProps): NodejsFunction {
  const functionName = `${defaults.namePrefix}-${props.name}`;
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    logGroupName: `/aws/lambda/${functionName}`,
    retention: defaults.logRetentionDays as logs.RetentionDays,
    removalPolicy: keepData,
  });
  const role = props.role ?? lambdaRole(scope, `${id}Role`, functionName, props.description);
  const fn = new NodejsFunction(scope, id, {
    functionName,
    description: props.description,
    entry: props.entry,
    handler: props.handler,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 512,
    timeout: props.timeout ?? Duration.minutes(5),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
    projectRoot: repoRoot,
    depsLockFilePath: `${repoRoot}package-lock.json`,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      // the product's dependencies (SDK v3 clients, smithy HTTP handler) are bundled at the versions it was tested with
      bundleAwsSDK: true,
      sourceMap: true,
      minify: true,
      // some bundled CommonJS packages call require(); ESM output needs it defined
      banner: "import { createRequire as __censusCreateRequire } from 'node:module'; const require = __censusCreateRequire(import.meta.url);",
      // product code only: infra's own deploy-time function reads no data files
      commandHooks: props.entry.startsWith(`${repoRoot}infra/`) ? undefined : copyDataFiles,
    },
  });
  // the log group is named, so the role's log permissions can be scoped to it
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(scope).getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:*]`,
    reason: 'Log streams are created by Lambda at run time with generated names; the grant is scoped to the function\'s own log group.',
  });
  return fn;
}
