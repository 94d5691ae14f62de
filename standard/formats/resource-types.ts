// CloudFormation resource types ↔ ASFF resource types (Resources[].Type), for the types Census evaluates.
const TABLE: [string, string][] = [
  ['AWS::::Account', 'AwsAccount'],
  ['AWS::S3::Bucket', 'AwsS3Bucket'],
  ['AWS::S3::AccountPublicAccessBlock', 'AwsS3AccountPublicAccessBlock'],
  ['AWS::EC2::SecurityGroup', 'AwsEc2SecurityGroup'],
  ['AWS::EC2::Instance', 'AwsEc2Instance'],
  ['AWS::EC2::VPC', 'AwsEc2Vpc'],
  ['AWS::EC2::Volume', 'AwsEc2Volume'],
  ['AWS::EC2::NetworkInterface', 'AwsEc2NetworkInterface'],
  ['AWS::IAM::User', 'AwsIamUser'],
  ['AWS::IAM::Role', 'AwsIamRole'],
  ['AWS::IAM::Policy', 'AwsIamPolicy'],
  ['AWS::IAM::Group', 'AwsIamGroup'],
  ['AWS::KMS::Key', 'AwsKmsKey'],
  ['AWS::Lambda::Function', 'AwsLambdaFunction'],
  ['AWS::RDS::DBInstance', 'AwsRdsDbInstance'],
  ['AWS::RDS::DBCluster', 'AwsRdsDbCluster'],
  ['AWS::DynamoDB::Table', 'AwsDynamoDbTable'],
  ['AWS::SQS::Queue', 'AwsSqsQueue'],
  ['AWS::SNS::Topic', 'AwsSnsTopic'],
  ['AWS::SecretsManager::Secret', 'AwsSecretsManagerSecret'],
  ['AWS::ECR::Repository', 'AwsEcrRepository'],
  ['AWS::CloudTrail::Trail', 'AwsCloudTrailTrail'],
  ['AWS::OpenSearchService::Domain', 'AwsOpenSearchServiceDomain'],
  ['AWS::Elasticsearch::Domain', 'AwsElasticsearchDomain'],
  ['AWS::GuardDuty::Detector', 'AwsGuardDutyDetector'],
  ['AWS::EKS::Cluster', 'AwsEksCluster'],
  ['AWS::ECS::Cluster', 'AwsEcsCluster'],
  ['AWS::CloudFront::Distribution', 'AwsCloudFrontDistribution'],
  ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AwsElbv2LoadBalancer'],
  ['AWS::ElasticLoadBalancing::LoadBalancer', 'AwsElbLoadBalancer'],
];
const TO_ASFF = new Map(TABLE);
const FROM_ASFF = new Map(TABLE.map(([cfn, asff]) => [asff, cfn]));
// OpenSearch keeps its AWS Config spelling too
TO_ASFF.set('AWS::OpenSearch::Domain', 'AwsOpenSearchServiceDomain');

/** ASFF `Resources[].Type` for a CloudFormation type; `Other` where ASFF has no name for it. */
export const asffResourceType = (cfnType: string): string => TO_ASFF.get(cfnType) ?? 'Other';

/** The CloudFormation type for an ASFF type, or the ASFF type itself where none is known. */
export const cfnResourceType = (asffType: string): string => FROM_ASFF.get(asffType) ?? asffType;
