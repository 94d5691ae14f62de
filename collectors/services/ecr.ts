// ECR repositories: repository policy, scan on push (in configuration), tags.
import { ECRClient, GetRepositoryPolicyCommand, ListTagsForResourceCommand, paginateDescribeRepositories, type Repository } from '@aws-sdk/client-ecr';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, paged, resource, type Collector } from '../engine.js';

const ecrClient = (o: ClientOptions) => new ECRClient(clientConfig(o));

const repositorySpec = resource<ECRClient, Repository>({
  resourceType: 'AWS::ECR::Repository',
  client: ecrClient,
  list: paged(paginateDescribeRepositories, {}, 'repositories'),
  id: (r) => r.repositoryName ?? '',
  name: 'repositoryName',
  arn: (r) => r.repositoryArn ?? '',
  created: 'createdAt',
  details: {
    RepositoryPolicy: detail(
      'GetRepositoryPolicy',
      (c: ECRClient, r: Repository) => c.send(new GetRepositoryPolicyCommand({ repositoryName: r.repositoryName, registryId: r.registryId })),
      (o) => o.policyText,
      { policy: true },
    ),
    Tags: detail('ListTagsForResource', (c: ECRClient, r: Repository) => c.send(new ListTagsForResourceCommand({ resourceArn: r.repositoryArn })), (o) => o.tags, {
      tags: true,
    }),
  },
});

export const ecr: Collector = { name: 'ecr', resources: [repositorySpec] };
