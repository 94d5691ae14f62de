// The collectors the state machine fans out to, one Lambda function each.
// Override with `-c collectors=s3,iam,...`; the names are passed to the function as CENSUS_COLLECTOR
// and in the event, and must match the collector registry in collectors/.
export const defaultCollectors = [
  'accessanalyzer',
  'backup',
  'cloudformation',
  'cloudfront',
  'cloudtrail',
  'cloudwatch',
  'dynamodb',
  'ec2',
  'ecr',
  'ecs',
  'eks',
  'elb',
  'elbv2',
  'firehose',
  'guardduty',
  'iam',
  'kms',
  'lambda',
  'opensearch',
  'rds',
  'redshift',
  'route53',
  's3',
  'sagemaker',
  'secretsmanager',
  'ses',
  'sns',
  'sqs',
  'ssm',
  'wafv2',
] as const;

/** A Lambda function name part: `census-collector-elbv2`. */
export function collectorFunctionSuffix(collector: string): string {
  if (!/^[a-z0-9-]{1,30}$/.test(collector)) {
    throw new Error(`collector name "${collector}": expected lowercase letters, digits and dashes (at most 30)`);
  }
  return collector;
}
