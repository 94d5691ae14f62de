// EC2 write events for security groups, instances and volumes -> re-collect those resources.
// TerminateInstances is not a delete: a terminated instance stays listed (state `terminated`) for about an hour.
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const group = firstOf('requestParameters.groupId', 'responseElements.groupId');
const instances = firstOf('requestParameters.instancesSet.items.instanceId', 'responseElements.instancesSet.items.instanceId', 'requestParameters.instanceId');
const volume = firstOf('requestParameters.volumeId', 'responseElements.volumeId');
const ec2Arn = (kind: string) => arnOr((id, p) => `arn:${p.partition}:ec2:${p.region}:${p.accountId}:${kind}/${id}`);

export const ec2Events: CollectorEvents = {
  collector: 'ec2',
  source: 'ec2.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::EC2::SecurityGroup',
      events: {
        ...rules(
          ['CreateSecurityGroup', 'AuthorizeSecurityGroupIngress', 'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroupIngress', 'RevokeSecurityGroupEgress', 'ModifySecurityGroupRules', 'UpdateSecurityGroupRuleDescriptionsIngress'],
          group,
        ),
        DeleteSecurityGroup: { keys: group, deletes: true },
      },
      arn: ec2Arn('security-group'),
    },
    {
      resourceType: 'AWS::EC2::Instance',
      events: rules(['RunInstances', 'StartInstances', 'StopInstances', 'TerminateInstances', 'ModifyInstanceAttribute', 'ModifyInstanceMetadataOptions', 'AssociateIamInstanceProfile'], instances),
      arn: ec2Arn('instance'),
    },
    {
      resourceType: 'AWS::EC2::Volume',
      events: {
        ...rules(['CreateVolume', 'ModifyVolume', 'AttachVolume', 'DetachVolume'], volume),
        DeleteVolume: { keys: volume, deletes: true },
      },
      arn: ec2Arn('volume'),
    },
  ],
};
