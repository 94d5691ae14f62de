// Builds the Census CDK app: the security-account stack and the member-account audit role template,
// checked by cdk-nag's AwsSolutions pack at synthesis.
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuditRoleStack } from './audit-role-stack.js';
import { EventForwarderStack } from './event-forwarder-stack.js';
import { CensusStack } from './census-stack.js';
import { infraConfigKeys, parseInfraConfig, type InfraConfig } from './config.js';

export const stackNames = { census: 'Census', auditRole: 'CensusAuditRole', eventForwarder: 'CensusEventForwarder' } as const;

/** Feature flags this app is written against (cdk.json repeats them for the CDK CLI). */
export const featureFlags = {
  // merge statements with the same actions: forty collectors share a role and each adds its log group
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true,
  // access logs delivered under a bucket policy, so the log bucket can enforce bucket-owner object ownership
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

export interface BuildAppOptions {
  /** context values as `cdk.json` or `-c` would give them */
  context?: Record<string, unknown>;
  outdir?: string;
}

export function buildApp(options: BuildAppOptions = {}) {
  const app = new App({ outdir: options.outdir, context: { ...featureFlags, ...options.context } });
  const context = Object.fromEntries(infraConfigKeys.map((k) => [k, app.node.tryGetContext(k) as unknown]));
  const config: InfraConfig = parseInfraConfig(context);
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const census = new CensusStack(app, stackNames.census, {
    env,
    config,
    description: 'Census: inventory, trust map, security-standard findings and scorecards for an AWS organization',
  });
  const auditRole = new AuditRoleStack(app, stackNames.auditRole, { config });
  // member accounts, every collected region: CloudTrail write events to the Census event bus
  const eventForwarder = new EventForwarderStack(app, stackNames.eventForwarder, { config });
  // cost allocation and ownership in every account's console
  Tags.of(app).add('project', 'census');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, census, auditRole, eventForwarder };
}
