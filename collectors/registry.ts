// Every collector, by name, as a loader: the names the CLI's --collectors flag, the Lambda's collector and infra use.
// Only the collectors a run selects are imported (each pulls in its AWS SDK client); `all.ts` imports every one
// for code that needs them all at once (resource-type lists, tests).
import type { Collector } from './engine.js';

/** Same names as infra's default collector list: one Lambda each. */
export const collectorLoaders: Readonly<Record<string, () => Promise<Collector>>> = {
  accessanalyzer: async () => (await import('./services/accessanalyzer.js')).accessanalyzer,
  backup: async () => (await import('./services/backup.js')).backup,
  cloudformation: async () => (await import('./services/cloudformation.js')).cloudformation,
  cloudfront: async () => (await import('./services/cloudfront.js')).cloudfront,
  cloudtrail: async () => (await import('./services/cloudtrail.js')).cloudtrail,
  cloudwatch: async () => (await import('./services/cloudwatch.js')).cloudwatch,
  dynamodb: async () => (await import('./services/dynamodb.js')).dynamodb,
  ec2: async () => (await import('./services/ec2.js')).ec2,
  ecr: async () => (await import('./services/ecr.js')).ecr,
  ecs: async () => (await import('./services/ecs.js')).ecs,
  eks: async () => (await import('./services/eks.js')).eks,
  elb: async () => (await import('./services/elb.js')).elb,
  elbv2: async () => (await import('./services/elbv2.js')).elbv2,
  firehose: async () => (await import('./services/firehose.js')).firehose,
  guardduty: async () => (await import('./services/guardduty.js')).guardduty,
  iam: async () => (await import('./services/iam.js')).iam,
  kms: async () => (await import('./services/kms.js')).kms,
  lambda: async () => (await import('./services/lambda.js')).lambda,
  opensearch: async () => (await import('./services/opensearch.js')).opensearch,
  rds: async () => (await import('./services/rds.js')).rds,
  redshift: async () => (await import('./services/redshift.js')).redshift,
  route53: async () => (await import('./services/route53.js')).route53,
  s3: async () => (await import('./services/s3.js')).s3,
  sagemaker: async () => (await import('./services/sagemaker.js')).sagemaker,
  secretsmanager: async () => (await import('./services/secretsmanager.js')).secretsmanager,
  ses: async () => (await import('./services/ses.js')).ses,
  sns: async () => (await import('./services/sns.js')).sns,
  sqs: async () => (await import('./services/sqs.js')).sqs,
  ssm: async () => (await import('./services/ssm.js')).ssm,
  wafv2: async () => (await import('./services/wafv2.js')).wafv2,
};

export const collectorNames = () => Object.keys(collectorLoaders);

/** The collectors by name (all when none are named); an unknown name is an error that lists the known ones. */
export async function loadCollectors(names?: string[]): Promise<Collector[]> {
  const wanted = names?.length ? names : collectorNames();
  const unknown = wanted.find((n) => !Object.hasOwn(collectorLoaders, n));
  if (unknown !== undefined) throw new Error(`unknown collector "${unknown}"; known: ${collectorNames().join(', ')}`);
  return Promise.all(wanted.map((n) => collectorLoaders[n]!()));
}

/** The file defining a collector, exporting it under its own name: what a single-collector Lambda bundle starts from. */
export const collectorSourceFile = (name: string) => `collectors/services/${name}.ts`;
