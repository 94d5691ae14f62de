// The member-account audit role template, deployed by moto's CloudFormation into fresh member accounts the
// way the StackSet deploys it: parameters resolve, the external-id condition appears only when one is set.
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { clientConfig, decodePolicyDocument } from '../../platform/aws.js';
import { AuditRoleStack } from '../../infra/lib/audit-role-stack.js';
import { parseInfraConfig } from '../../infra/lib/config.js';
import { uniqueName } from '../helpers.js';

const region = 'us-east-1';
const securityAccountId = '999999999999';
let templateBody: string;

/** Credentials in a brand-new member account (moto: AssumeRole into any account works). */
async function memberAccount() {
  const accountId = `7${String(Date.now()).slice(-8)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  const sts = new STSClient(clientConfig({ region }));
  const out = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'stackset' }),
  );
  const c = out.Credentials!;
  const credentials = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
  return { accountId, cfn: new CloudFormationClient(clientConfig({ region, credentials })), iam: new IAMClient(clientConfig({ region, credentials })) };
}

async function deploy(member: Awaited<ReturnType<typeof memberAccount>>, parameters: Record<string, string>) {
  const StackName = uniqueName('census-audit-role');
  await member.cfn.send(
    new CreateStackCommand({
      StackName,
      TemplateBody: templateBody,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    }),
  );
  const stack = (await member.cfn.send(new DescribeStacksCommand({ StackName }))).Stacks![0]!;
  return stack;
}

beforeAll(() => {
  // only the audit-role stack: no Lambda bundling needed
  const app = new App();
  new AuditRoleStack(app, 'CensusAuditRole', { config: parseInfraConfig({}) });
  templateBody = JSON.stringify(app.synth().getStackByName('CensusAuditRole').template);
});

describe('audit role template in a member account', () => {
  it('creates the role trusting only the security account\'s collector and discovery roles, with the external id', async () => {
    const member = await memberAccount();
    const stack = await deploy(member, { SecurityAccountId: securityAccountId, ExternalId: 'census-external-id' });
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.Outputs).toEqual([{ OutputKey: 'AuditRoleArn', OutputValue: `arn:aws:iam::${member.accountId}:role/CensusAudit` }]);

    const role = (await member.iam.send(new GetRoleCommand({ RoleName: 'CensusAudit' }))).Role!;
    expect(role.MaxSessionDuration).toBe(3600);
    expect(decodePolicyDocument(role.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CensusCollectorsOnly',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${securityAccountId}:root` },
          Action: 'sts:AssumeRole',
          Condition: {
            ArnEquals: {
              'aws:PrincipalArn': [`arn:aws:iam::${securityAccountId}:role/census-collector`, `arn:aws:iam::${securityAccountId}:role/census-discover`],
            },
            StringEquals: { 'sts:ExternalId': 'census-external-id' },
          },
        },
      ],
    });
    const spend = await member.iam.send(new GetRolePolicyCommand({ RoleName: 'CensusAudit', PolicyName: 'CensusSpendRead' }));
    // moto 5.2 stores a CloudFormation inline policy as a Python repr ({'Version': ...}), not JSON: match the text
    expect(decodeURIComponent(spend.PolicyDocument!)).toMatch(/'Action': \['ce:GetCostAndUsage'\]|"Action":\s*\["ce:GetCostAndUsage"\]/);
  });

  it('drops the external-id condition when none is set, and takes other role names', async () => {
    const member = await memberAccount();
    const stack = await deploy(member, { SecurityAccountId: securityAccountId, AuditRoleName: 'OrgAudit', CollectorRoleName: 'prod-collector' });
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const role = (await member.iam.send(new GetRoleCommand({ RoleName: 'OrgAudit' }))).Role!;
    const trust = decodePolicyDocument(role.AssumeRolePolicyDocument) as { Statement: { Condition: Record<string, unknown> }[] };
    expect(trust.Statement[0]!.Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': [`arn:aws:iam::${securityAccountId}:role/prod-collector`, `arn:aws:iam::${securityAccountId}:role/census-discover`],
      },
    });
  });
});
