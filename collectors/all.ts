// Every collector imported at once, for code that needs them all together (resource-type lists, tests).
// Runs load only the collectors they use through registry.ts; a test keeps the two lists equal.
import type { Collector } from './engine.js';
import { accessanalyzer } from './services/accessanalyzer.js';
import { backup } from './services/backup.js';
import { cloudformation } from './services/cloudformation.js';
import { cloudfront } from './services/cloudfront.js';
import { cloudtrail } from './services/cloudtrail.js';
import { cloudwatch } from './services/cloudwatch.js';
import { dynamodb } from './services/dynamodb.js';
import { ec2 } from './services/ec2.js';
import { ecr } from './services/ecr.js';
import { ecs } from './services/ecs.js';
import { eks } from './services/eks.js';
import { elb } from './services/elb.js';
import { elbv2 } from './services/elbv2.js';
import { firehose } from './services/firehose.js';
import { guardduty } from './services/guardduty.js';
import { iam } from './services/iam.js';
import { kms } from './services/kms.js';
import { lambda } from './services/lambda.js';
import { opensearch } from './services/opensearch.js';
import { rds } from './services/rds.js';
import { redshift } from './services/redshift.js';
import { route53 } from './services/route53.js';
import { s3 } from './services/s3.js';
import { sagemaker } from './services/sagemaker.js';
import { secretsmanager } from './services/secretsmanager.js';
import { ses } from './services/ses.js';
import { sns } from './services/sns.js';
import { sqs } from './services/sqs.js';
import { ssm } from './services/ssm.js';
import { wafv2 } from './services/wafv2.js';

export const collectors: Collector[] = [
  accessanalyzer,
  backup,
  cloudformation,
  cloudfront,
  cloudtrail,
  cloudwatch,
  dynamodb,
  ec2,
  ecr,
  ecs,
  eks,
  elb,
  elbv2,
  firehose,
  guardduty,
  iam,
  kms,
  lambda,
  opensearch,
  rds,
  redshift,
  route53,
  s3,
  sagemaker,
  secretsmanager,
  ses,
  sns,
  sqs,
  ssm,
  wafv2,
];

/** Every CloudFormation type the collectors produce. */
export const resourceTypes = () => [...new Set(collectors.flatMap((c) => c.resources.map((r) => r.resourceType)))].sort();

/** The collectors by name, all imported (registry.ts `loadCollectors` imports only the named ones). */
export function selectCollectors(names?: string[]): Collector[] {
  if (!names?.length) return collectors;
  return names.map((n) => {
    const c = collectors.find((x) => x.name === n);
    if (!c) throw new Error(`unknown collector "${n}"; known: ${collectors.map((x) => x.name).join(', ')}`);
    return c;
  });
}
