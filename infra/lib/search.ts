// The OpenSearch Service domain, its logs, and the fine-grained access control role mapping.
import { CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';
import { censusFunction, entries, type FunctionDefaults } from './functions.js';
import { keepData, type CensusStorage } from './storage.js';

export interface SearchRoles {
  processors: iam.IRole[];
  scoring: iam.IRole[];
}

/** The HTTP actions of the data plane; management (es:Create*, es:Delete*) is never granted to the pipeline. */
export const openSearchHttpActions = ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost', 'es:ESHttpPut'];

export class CensusSearch extends Construct {
  readonly domain: opensearch.Domain;
  /** `arn:...:domain/<name>`, built from the name so IAM policies do not depend on the domain resource */
  readonly domainArn: string;

  constructor(scope: Construct, id: string, config: InfraConfig, storage: CensusStorage, defaults: FunctionDefaults) {
    super(scope, id);
    const stack = Stack.of(this);
    const domainName = config.namePrefix;
    this.domainArn = stack.formatArn({ service: 'es', resource: 'domain', resourceName: domainName });

    // FGAC master user: the role of the deploy-time mapping function (people get all_access through adminRoleArns)
    const securityFn = censusFunction(this, 'SecurityMapping', defaults, {
      name: 'opensearch-security',
      entry: entries.opensearchSecurity,
      handler: 'onEvent',
      description: 'Census: maps IAM roles to OpenSearch fine-grained access control roles at deploy time',
      memorySize: 256,
      timeout: Duration.minutes(2),
    });
    const masterRole = securityFn.role as iam.Role;

    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/opensearch/${domainName}/${name.toLowerCase()}`,
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: keepData,
      });
    const logGroups = { slowSearch: logGroup('SlowSearch'), slowIndex: logGroup('SlowIndex'), app: logGroup('Application'), audit: logGroup('Audit') };
    // our own resource policy instead of the construct's custom resource (a Lambda with logs:* on every group)
    const logsPolicy = new logs.ResourcePolicy(this, 'LogsPolicy', {
      resourcePolicyName: `${domainName}-opensearch-logs`,
      policyStatements: [
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: Object.values(logGroups).map((g) => g.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      ],
    });

    const os = config.openSearch;
    this.domain = new opensearch.Domain(this, 'Domain', {
      domainName,
      version: opensearch.EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: os.dataNodes,
        dataNodeInstanceType: os.dataNodeInstanceType,
        masterNodes: os.masterNodes === 0 ? undefined : os.masterNodes,
        masterNodeInstanceType: os.masterNodes === 0 ? undefined : os.masterNodeInstanceType,
        multiAzWithStandbyEnabled: false,
      },
      ebs: { volumeSize: os.volumeSizeGiB, volumeType: ec2.EbsDeviceVolumeType.GP3 },
      zoneAwareness: os.zoneAwareness ? { enabled: true, availabilityZoneCount: 2 } : { enabled: false },
      encryptionAtRest: { enabled: true, kmsKey: storage.key },
      nodeToNodeEncryption: true,
      enforceHttps: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      fineGrainedAccessControl: { masterUserArn: masterRole.roleArn },
      logging: {
        slowSearchLogEnabled: true,
        slowSearchLogGroup: logGroups.slowSearch,
        slowIndexLogEnabled: true,
        slowIndexLogGroup: logGroups.slowIndex,
        appLogEnabled: true,
        appLogGroup: logGroups.app,
        auditLogEnabled: true,
        auditLogGroup: logGroups.audit,
      },
      suppressLogsResourcePolicy: true,
      enableAutoSoftwareUpdate: true,
      removalPolicy: keepData,
    });
    // CreateDomain checks that the log groups' resource policy admits the service; without the dependency
    // CloudFormation may create both at once and the domain fails ("Resource Access Policy ... does not grant
    // sufficient permissions"), a known race of suppressLogsResourcePolicy
    this.domain.node.addDependency(logsPolicy);
    Validations.of(this.domain).acknowledge({
      id: 'AwsSolutions-OS1',
      reason:
        'Public endpoint by design: the domain policy admits only the Census roles and configured admin roles, every request is SigV4-signed, and fine-grained access control maps each role to its indexes. A VPC would put every Lambda behind NAT for cross-account STS calls.',
    });
    Validations.of(this.domain).acknowledge({
      id: 'AwsSolutions-OS3',
      reason: 'Access is controlled by IAM identity (signed requests) and FGAC, not by source IP: Lambda has no fixed addresses.',
    });
    if (os.masterNodes === 0) {
      Validations.of(this.domain).acknowledge({ id: 'AwsSolutions-OS4', reason: 'Dedicated master nodes disabled by the openSearch.masterNodes=0 context value (small deployments).' });
    }
    if (!os.zoneAwareness) {
      Validations.of(this.domain).acknowledge({ id: 'AwsSolutions-OS7', reason: 'Zone awareness disabled by the openSearch.zoneAwareness=false context value.' });
    }

    this.securityFn = securityFn;
    this.admins = [masterRole.roleArn, ...os.adminRoleArns];
    this.indexPrefix = config.indexPrefix;
    this.retention = { score: config.scoreRetentionDays, history: config.historyRetentionDays };
    this.domainName = domainName;
  }

  private readonly domainName: string;
  private readonly securityFn: lambda.IFunction;
  private readonly admins: string[];
  private readonly indexPrefix: string;
  private readonly retention: { score: number; history: number };

  /** Admit these roles to the domain and map them to their FGAC roles; call once, after the roles exist. */
  allow(roles: SearchRoles): void {
    const callers = [...roles.processors, ...roles.scoring];
    // the domain policy admits only the pipeline roles and the admins; FGAC then narrows each to its indexes
    const cfnDomain = this.domain.node.defaultChild as opensearch.CfnDomain;
    cfnDomain.accessPolicies = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          principals: [...callers.map((r) => r.roleArn), ...this.admins].map((arn) => new iam.ArnPrincipal(arn)),
          actions: openSearchHttpActions,
          resources: [`${this.domainArn}/*`],
        }),
      ],
    }).toJSON();
    for (const role of [...callers, this.securityFn.role!]) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: openSearchHttpActions, resources: [this.domainArn, `${this.domainArn}/*`] }),
      );
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:es:<AWS::Region>:<AWS::AccountId>:domain/${this.domainName}/*]`,
        reason: 'HTTP paths of one domain (index names are generated per resource family); fine-grained access control limits each role to its indexes.',
      });
    }
    new CustomResource(this, 'SecurityRoleMapping', {
      serviceToken: this.securityFn.functionArn,
      resourceType: 'Custom::OpenSearchRoleMapping',
      properties: {
        DomainEndpoint: this.domain.domainEndpoint,
        IndexPrefix: this.indexPrefix,
        ProcessorRoleArns: roles.processors.map((r) => r.roleArn),
        ScoringRoleArns: roles.scoring.map((r) => r.roleArn),
        AdminRoleArns: this.admins,
        // the index lifecycle (opensearch/lifecycle.ts) as ISM policies, applied by the same deploy-time function
        ScoreRetentionDays: String(this.retention.score),
        HistoryRetentionDays: String(this.retention.history),
      },
    });
  }
}
