// The read-only audit role of every member (and payer) account, as a parameterized template for a
// service-managed StackSet. It is synthesized to cdk.out/<stack>.template.json with no CDK bootstrap
// dependency, because member accounts are never bootstrapped.
import { Aws, CfnCondition, CfnOutput, CfnParameter, DefaultStackSynthesizer, Fn, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

export interface AuditRoleStackProps extends StackProps {
  config: InfraConfig;
}

export class AuditRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: AuditRoleStackProps) {
    super(scope, id, {
      ...props,
      description: 'Census read-only audit role: SecurityAudit plus Cost Explorer read, trusted only by the Census collector roles',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    const { config } = props;

    const securityAccountId = new CfnParameter(this, 'SecurityAccountId', {
      type: 'String',
      description: 'The account Census is deployed into (its collector roles assume this role)',
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'a 12-digit AWS account ID',
      ...(config.securityAccountId ? { default: config.securityAccountId } : {}),
    });
    const roleName = new CfnParameter(this, 'AuditRoleName', {
      type: 'String',
      description: 'Name of the audit role; the same in every account (the auditRoleName context value)',
      default: config.auditRoleName,
      allowedPattern: '^[\\w+=,.@-]{1,64}$',
    });
    const collectorRoleName = new CfnParameter(this, 'CollectorRoleName', {
      type: 'String',
      description: 'Role of the Census collector Lambdas in the security account',
      default: `${config.namePrefix}-collector`,
    });
    const discoverRoleName = new CfnParameter(this, 'DiscoverRoleName', {
      type: 'String',
      description: 'Role of the Census discovery Lambda in the security account (reads the organization in payer accounts)',
      default: `${config.namePrefix}-discover`,
    });
    const externalId = new CfnParameter(this, 'ExternalId', {
      type: 'String',
      description: 'Optional sts:ExternalId the collectors must present; empty for none',
      default: config.externalId ?? '',
      noEcho: true,
    });
    const hasExternalId = new CfnCondition(this, 'HasExternalId', {
      expression: Fn.conditionNot(Fn.conditionEquals(externalId.valueAsString, '')),
    });

    const securityRole = (name: CfnParameter) =>
      Fn.sub('arn:${AWS::Partition}:iam::${SecurityAccountId}:role/${Name}', { Name: name.valueAsString, SecurityAccountId: securityAccountId.valueAsString });

    const role = new iam.CfnRole(this, 'AuditRole', {
      roleName: roleName.valueAsString,
      description: 'Census read-only inventory (SecurityAudit plus Cost Explorer read)',
      maxSessionDuration: 3600,
      // SecurityAudit alone grants every call the collectors make (infra test: permissions derived from the
      // collectors against infra/policies/SecurityAudit.json); ViewOnlyAccess would add ~140 unused actions,
      // object listing among them
      managedPolicyArns: [Fn.sub('arn:${AWS::Partition}:iam::aws:policy/SecurityAudit')],
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CensusCollectorsOnly',
            Effect: 'Allow',
            // the account principal plus aws:PrincipalArn survives the roles being recreated, which a role-ARN principal does not
            Principal: { AWS: Fn.sub('arn:${AWS::Partition}:iam::${SecurityAccountId}:root', { SecurityAccountId: securityAccountId.valueAsString }) },
            Action: 'sts:AssumeRole',
            Condition: {
              ArnEquals: { 'aws:PrincipalArn': [securityRole(collectorRoleName), securityRole(discoverRoleName)] },
              StringEquals: Fn.conditionIf(hasExternalId.logicalId, { 'sts:ExternalId': externalId.valueAsString }, Aws.NO_VALUE),
            },
          },
        ],
      },
      policies: [
        {
          policyName: 'CensusSpendRead',
          policyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'MonthlySpendPerLinkedAccount',
                Effect: 'Allow',
                // read-only; Cost Explorer has no resource-level permissions
                Action: ['ce:GetCostAndUsage'],
                Resource: '*',
              },
            ],
          },
        },
      ],
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/SecurityAudit]',
      reason: 'The AWS managed SecurityAudit policy is the point: AWS keeps its read-only coverage current as services launch.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ce:GetCostAndUsage is read-only and supports no resource-level permissions.',
    });

    new CfnOutput(this, 'AuditRoleArn', { value: role.attrArn });
  }
}
