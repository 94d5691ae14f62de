// EC2 and VPC: instances (with IMDS options and the AMI they run), security groups, every network interface
// (with its public IP), VPCs (with flow logs), subnets, gateways, volumes, snapshots, AMIs, EBS encryption by
// default, Transit Gateways, Client VPN endpoints and launch templates. User data (instances and launch templates)
// is kept as its length, salted hash and secret signal, never the script (collectors/redact.ts).
import {
  DescribeFlowLogsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  paginateDescribeClientVpnEndpoints,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeLaunchTemplates,
  paginateDescribeNatGateways,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeSubnets,
  paginateDescribeTransitGateways,
  paginateDescribeVolumes,
  paginateDescribeVpcs,
  type ClientVpnEndpoint,
  type Image,
  type Instance,
  type InternetGateway,
  type LaunchTemplate,
  type NatGateway,
  type NetworkInterface,
  type SecurityGroup,
  type Snapshot,
  type Subnet,
  type TransitGateway,
  type Volume,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { arnOf, detail, paged, pageSize, resource, single, type Collector, type CollectorContext } from '../engine.js';

export const ec2Client = (o: ClientOptions) => new EC2Client(clientConfig(o));

/** EC2 Describe* calls take MaxResults of at least 5 */
const EC2_PAGE = { min: 5 };
const ec2Arn = (kind: string) => (id: string | undefined, ctx: CollectorContext) => arnOf(ctx, 'ec2', `${kind}/${id}`);
const nameTag = (tags: { Key?: string; Value?: string }[] | undefined) => tags?.find((t) => t.Key === 'Name')?.Value;

const instanceSpec = resource<EC2Client, Instance>({
  resourceType: 'AWS::EC2::Instance',
  client: ec2Client,
  list: async function* (client, ctx) {
    for await (const page of paginateDescribeInstances({ client, pageSize: pageSize(ctx, EC2_PAGE) }, {})) {
      for (const r of page.Reservations ?? []) yield* r.Instances ?? [];
    }
  },
  id: (i) => i.InstanceId ?? '',
  name: (i) => nameTag(i.Tags),
  arn: (i, ctx) => ec2Arn('instance')(i.InstanceId, ctx),
  created: 'LaunchTime',
  tags: 'Tags',
  details: {
    // the AMI's owner is an outside account the instance trusts to supply its software
    Image: detail('DescribeImages', (c: EC2Client, i: Instance) => c.send(new DescribeImagesCommand({ ImageIds: [i.ImageId!] })), (o) => {
      const img = o.Images?.[0];
      return img ? { ImageId: img.ImageId, OwnerId: img.OwnerId, Name: img.Name, Public: img.Public, ImageOwnerAlias: img.ImageOwnerAlias } : null;
    }),
    // base64 user data: a change shows as a new hash, and a script that embeds a secret is flagged
    UserData: detail(
      'DescribeInstanceAttribute',
      (c: EC2Client, i: Instance) => c.send(new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'userData' })),
      (o) => o.UserData?.Value ?? null,
    ),
  },
  secrets: [{ path: 'supplementaryConfiguration.UserData', base64: true }],
});

const securityGroupSpec = resource<EC2Client, SecurityGroup>({
  resourceType: 'AWS::EC2::SecurityGroup',
  client: ec2Client,
  list: paged(paginateDescribeSecurityGroups, {}, 'SecurityGroups', EC2_PAGE),
  id: (g) => g.GroupId ?? '',
  name: 'GroupName',
  arn: (g, ctx) => g.SecurityGroupArn ?? ec2Arn('security-group')(g.GroupId, ctx),
  tags: 'Tags',
});

const networkInterfaceSpec = resource<EC2Client, NetworkInterface>({
  resourceType: 'AWS::EC2::NetworkInterface',
  client: ec2Client,
  list: paged(paginateDescribeNetworkInterfaces, {}, 'NetworkInterfaces', EC2_PAGE),
  id: (n) => n.NetworkInterfaceId ?? '',
  name: (n) => n.Association?.PublicIp ?? n.PrivateIpAddress,
  arn: (n, ctx) => ec2Arn('network-interface')(n.NetworkInterfaceId, ctx),
  tags: 'TagSet',
});

const vpcSpec = resource<EC2Client, Vpc>({
  resourceType: 'AWS::EC2::VPC',
  client: ec2Client,
  list: paged(paginateDescribeVpcs, {}, 'Vpcs', EC2_PAGE),
  id: (v) => v.VpcId ?? '',
  name: (v) => nameTag(v.Tags),
  arn: (v, ctx) => ec2Arn('vpc')(v.VpcId, ctx),
  tags: 'Tags',
  details: {
    FlowLogs: detail(
      'DescribeFlowLogs',
      (c: EC2Client, v: Vpc) => c.send(new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [v.VpcId!] }] })),
      (o) => o.FlowLogs,
    ),
  },
});

const subnetSpec = resource<EC2Client, Subnet>({
  resourceType: 'AWS::EC2::Subnet',
  client: ec2Client,
  list: paged(paginateDescribeSubnets, {}, 'Subnets', EC2_PAGE),
  id: (s) => s.SubnetId ?? '',
  name: (s) => nameTag(s.Tags),
  arn: (s, ctx) => s.SubnetArn ?? ec2Arn('subnet')(s.SubnetId, ctx),
  tags: 'Tags',
});

const internetGatewaySpec = resource<EC2Client, InternetGateway>({
  resourceType: 'AWS::EC2::InternetGateway',
  client: ec2Client,
  list: paged(paginateDescribeInternetGateways, {}, 'InternetGateways', EC2_PAGE),
  id: (g) => g.InternetGatewayId ?? '',
  name: (g) => nameTag(g.Tags),
  arn: (g, ctx) => ec2Arn('internet-gateway')(g.InternetGatewayId, ctx),
  tags: 'Tags',
});

const natGatewaySpec = resource<EC2Client, NatGateway>({
  resourceType: 'AWS::EC2::NatGateway',
  client: ec2Client,
  list: paged(paginateDescribeNatGateways, {}, 'NatGateways', EC2_PAGE),
  id: (g) => g.NatGatewayId ?? '',
  name: (g) => nameTag(g.Tags),
  arn: (g, ctx) => ec2Arn('natgateway')(g.NatGatewayId, ctx),
  created: 'CreateTime',
  tags: 'Tags',
});

const volumeSpec = resource<EC2Client, Volume>({
  resourceType: 'AWS::EC2::Volume',
  client: ec2Client,
  list: paged(paginateDescribeVolumes, {}, 'Volumes', EC2_PAGE),
  id: (v) => v.VolumeId ?? '',
  name: (v) => nameTag(v.Tags),
  arn: (v, ctx) => ec2Arn('volume')(v.VolumeId, ctx),
  created: 'CreateTime',
  tags: 'Tags',
});

/** Keep what the account owns: the `self` filter is the contract, but moto ignores it (thousands of AMI snapshots). */
function ownedBy<T extends { OwnerId?: string }>(list: (c: EC2Client, ctx: CollectorContext) => AsyncIterable<T>) {
  return async function* (client: EC2Client, ctx: CollectorContext) {
    for await (const item of list(client, ctx)) if (item.OwnerId === ctx.accountId) yield item;
  };
}

/** The account's own snapshots (public ones of others are not its inventory). */
const snapshotSpec = resource<EC2Client, Snapshot>({
  resourceType: 'AWS::EC2::Snapshot',
  client: ec2Client,
  list: ownedBy(paged(paginateDescribeSnapshots, { OwnerIds: ['self'] }, 'Snapshots', EC2_PAGE)),
  id: (s) => s.SnapshotId ?? '',
  name: (s) => nameTag(s.Tags),
  arn: (s, ctx) => arnOf(ctx, 'ec2', `snapshot/${s.SnapshotId}`),
  created: 'StartTime',
  tags: 'Tags',
});

/** AMIs the account owns. */
const imageSpec = resource<EC2Client, Image>({
  resourceType: 'AWS::EC2::Image',
  client: ec2Client,
  list: ownedBy(single((c: EC2Client) => c.send(new DescribeImagesCommand({ Owners: ['self'] })), 'Images')),
  id: (i) => i.ImageId ?? '',
  name: 'Name',
  arn: (i, ctx) => arnOf(ctx, 'ec2', `image/${i.ImageId}`, ctx.region),
  created: 'CreationDate',
  tags: 'Tags',
});

/** One record per account and region: is new EBS storage encrypted by default, and with which key. */
const ebsEncryptionSpec = resource<EC2Client, Record<string, unknown>>({
  resourceType: 'AWS::EC2::EBSEncryptionByDefault',
  client: ec2Client,
  list: async function* (client) {
    const out = await client.send(new GetEbsEncryptionByDefaultCommand({}));
    yield { EbsEncryptionByDefault: out.EbsEncryptionByDefault ?? false, SseType: out.SseType };
  },
  id: (_e, ctx) => `${ctx.accountId}/${ctx.region}`,
  name: () => undefined,
  arn: (_e, ctx) => arnOf(ctx, 'ec2', 'ebs-encryption-by-default'),
  details: {
    EbsDefaultKmsKeyId: detail('GetEbsDefaultKmsKeyId', (c: EC2Client) => c.send(new GetEbsDefaultKmsKeyIdCommand({})), (o) => o.KmsKeyId ?? null),
  },
});

const transitGatewaySpec = resource<EC2Client, TransitGateway>({
  resourceType: 'AWS::EC2::TransitGateway',
  client: ec2Client,
  list: paged(paginateDescribeTransitGateways, {}, 'TransitGateways', EC2_PAGE),
  id: (t) => t.TransitGatewayId ?? '',
  name: (t) => nameTag(t.Tags),
  arn: (t, ctx) => t.TransitGatewayArn ?? ec2Arn('transit-gateway')(t.TransitGatewayId, ctx),
  created: 'CreationTime',
  tags: 'Tags',
});

const clientVpnSpec = resource<EC2Client, ClientVpnEndpoint>({
  resourceType: 'AWS::EC2::ClientVpnEndpoint',
  client: ec2Client,
  list: paged(paginateDescribeClientVpnEndpoints, {}, 'ClientVpnEndpoints', EC2_PAGE),
  id: (e) => e.ClientVpnEndpointId ?? '',
  name: 'Description',
  arn: (e, ctx) => ec2Arn('client-vpn-endpoint')(e.ClientVpnEndpointId, ctx),
  created: 'CreationTime',
  tags: 'Tags',
});

/** Launch templates with their default and latest versions' data (the user data redacted). */
const launchTemplateSpec = resource<EC2Client, LaunchTemplate>({
  resourceType: 'AWS::EC2::LaunchTemplate',
  client: ec2Client,
  list: paged(paginateDescribeLaunchTemplates, {}, 'LaunchTemplates', EC2_PAGE),
  id: (t) => t.LaunchTemplateId ?? '',
  name: 'LaunchTemplateName',
  arn: (t, ctx) => ec2Arn('launch-template')(t.LaunchTemplateId, ctx),
  created: 'CreateTime',
  tags: 'Tags',
  details: {
    LaunchTemplateVersions: detail(
      'DescribeLaunchTemplateVersions',
      (c: EC2Client, t: LaunchTemplate) =>
        c.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: t.LaunchTemplateId, Versions: ['$Default', '$Latest'] })),
      (o) => o.LaunchTemplateVersions,
    ),
  },
  // also marked sensitive in the EC2 model, so the response middleware redacts it first; declared as well so the
  // protection does not depend on the client the spec runs with
  secrets: [{ path: 'supplementaryConfiguration.LaunchTemplateVersions[].LaunchTemplateData.UserData', base64: true }],
});

export const ec2: Collector = {
  name: 'ec2',
  resources: [
    instanceSpec,
    securityGroupSpec,
    networkInterfaceSpec,
    vpcSpec,
    subnetSpec,
    internetGatewaySpec,
    natGatewaySpec,
    volumeSpec,
    snapshotSpec,
    imageSpec,
    ebsEncryptionSpec,
    transitGatewaySpec,
    clientVpnSpec,
    launchTemplateSpec,
  ],
};
