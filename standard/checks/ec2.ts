// EC2: security groups, instance metadata, EBS default encryption, VPC flow logs.
// Inputs (AWS API response shapes):
//   AWS::EC2::SecurityGroup configuration = DescribeSecurityGroups `SecurityGroups[]` entry
//   AWS::EC2::Instance      configuration = DescribeInstances `Reservations[].Instances[]` entry (MetadataOptions)
//   AWS::EC2::VPC           configuration = DescribeVpcs `Vpcs[]` entry;
//                           supplementaryConfiguration.FlowLogs = DescribeFlowLogs `FlowLogs[]` for the VPC
//   EBS default encryption: a record of type EBS_DEFAULTS_TYPE per region whose configuration is the
//                           GetEbsEncryptionByDefault output { EbsEncryptionByDefault, SseType }
import type { ResourceCheck, SweepCheck } from '../types.js';
import { asBool, assertCollected, conf, fail, isObj, listOf, pass, supp, text } from './util.js';

export const EBS_DEFAULTS_TYPE = 'AWS::EC2::EBSEncryptionByDefault';

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];

/** The internet-open ports of a security group among `ports`, each with the rule that opens it. */
export function openPorts(group: Record<string, unknown>, ports: number[]): string[] {
  const perms = Array.isArray(group.IpPermissions) ? group.IpPermissions.filter(isObj) : [];
  const found: string[] = [];
  for (const perm of perms) {
    const protocol = text(perm.IpProtocol ?? '');
    const allTraffic = protocol === '-1' || protocol.toLowerCase() === 'all';
    if (!allTraffic && protocol !== 'tcp' && protocol !== '6') continue;
    const cidrs = [
      ...(Array.isArray(perm.IpRanges) ? perm.IpRanges : []).map((r) => (isObj(r) ? r.CidrIp : undefined)),
      ...(Array.isArray(perm.Ipv6Ranges) ? perm.Ipv6Ranges : []).map((r) => (isObj(r) ? r.CidrIpv6 : undefined)),
    ].filter((c): c is string => typeof c === 'string' && OPEN_CIDRS.includes(c));
    if (cidrs.length === 0) continue;
    const from = allTraffic || perm.FromPort === undefined || perm.FromPort === -1 ? 0 : Number(perm.FromPort);
    const to = allTraffic || perm.ToPort === undefined || perm.ToPort === -1 ? 65535 : Number(perm.ToPort);
    for (const port of ports) {
      if (port >= from && port <= to) found.push(`${port}/tcp from ${cidrs.join(' and ')}${allTraffic ? ' (all traffic rule)' : ''}`);
    }
  }
  return found;
}

function openPortsCheck(id: string, ports: number[], kind: string): ResourceCheck {
  return {
    id,
    scope: 'resource',
    resourceTypes: ['AWS::EC2::SecurityGroup'],
    reads: 'configuration.IpPermissions (DescribeSecurityGroups)',
    evaluate(record) {
      const open = openPorts(record.configuration, ports);
      return open.length
        ? fail(`ingress open to the internet on ${kind} port${open.length > 1 ? 's' : ''} ${open.join('; ')}`)
        : pass(`no ingress from 0.0.0.0/0 or ::/0 to ${kind} ports ${ports.join(', ')}`);
    },
  };
}

export const ADMIN_PORTS = [22, 3389, 21, 23];
export const DATA_PORTS = [3306, 5432, 1433, 27017, 6379, 9200, 5601];
export const sgAdminPorts = openPortsCheck('ec2_sg_admin_ports_not_open', ADMIN_PORTS, 'administrative');
export const sgDataPorts = openPortsCheck('ec2_sg_data_ports_not_open', DATA_PORTS, 'database/data');

export const instanceImdsv2: ResourceCheck = {
  id: 'ec2_instance_imdsv2_required',
  scope: 'resource',
  resourceTypes: ['AWS::EC2::Instance'],
  reads: 'configuration.MetadataOptions, configuration.State (DescribeInstances)',
  evaluate(record) {
    const state = (conf(record).State as { Name?: string } | undefined)?.Name;
    if (state === 'terminated' || state === 'shutting-down') return undefined;
    const mo = conf(record).MetadataOptions as { HttpTokens?: string; HttpEndpoint?: string } | undefined;
    if (mo?.HttpEndpoint === 'disabled') return pass('instance metadata service disabled');
    if (mo?.HttpTokens === 'required') return pass('IMDSv2 required (HttpTokens: required)');
    return fail(`IMDSv1 allowed (HttpTokens: ${mo?.HttpTokens ?? 'not reported'})`);
  },
};

export const vpcFlowLogs: ResourceCheck = {
  id: 'vpc_flow_logs_enabled',
  scope: 'resource',
  resourceTypes: ['AWS::EC2::VPC'],
  reads: 'supplementaryConfiguration.FlowLogs (DescribeFlowLogs filtered by resource-id)',
  evaluate(record) {
    assertCollected(record, 'DescribeFlowLogs');
    const active = listOf(supp(record).FlowLogs, 'FlowLogs').filter((l) => (l.FlowLogStatus ?? 'ACTIVE') === 'ACTIVE');
    return active.length
      ? pass(`flow logs active: ${active.map((l) => `${text(l.FlowLogId)} (${text(l.TrafficType ?? 'ALL')})`).join(', ')}`)
      : fail('no active flow log for this VPC');
  },
};

export const ebsDefaultEncryption: SweepCheck = {
  id: 'ec2_ebs_default_encryption',
  scope: 'sweep',
  level: 'region',
  resourceTypes: [EBS_DEFAULTS_TYPE],
  reads: `${EBS_DEFAULTS_TYPE} configuration.EbsEncryptionByDefault (GetEbsEncryptionByDefault), one per region`,
  evaluate(scope) {
    return scope.regions.map((region) => {
      const record = scope.resources.find((r) => r.resourceType === EBS_DEFAULTS_TYPE && r.awsRegion === region);
      const on = record ? asBool(record.configuration.EbsEncryptionByDefault) : undefined;
      const verdict = !record
        ? fail(`no EBS default-encryption setting inventoried in ${region}`)
        : on
          ? pass(`EBS encryption by default enabled in ${region}`)
          : fail(`EBS encryption by default disabled in ${region}`);
      return { ...verdict, region };
    });
  },
};

export const ec2Checks = [sgAdminPorts, sgDataPorts, instanceImdsv2, vpcFlowLogs, ebsDefaultEncryption];
