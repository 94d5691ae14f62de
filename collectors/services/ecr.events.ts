// ECR repository write events -> re-collect the repository.
import { arnOr, firstOf, rules, type CollectorEvents } from '../events/declare.js';

const repo = firstOf('requestParameters.repositoryName', 'responseElements.repository.repositoryName');

export const ecrEvents: CollectorEvents = {
  collector: 'ecr',
  source: 'ecr.amazonaws.com',
  resources: [
    {
      resourceType: 'AWS::ECR::Repository',
      events: {
        ...rules(['CreateRepository', 'SetRepositoryPolicy', 'DeleteRepositoryPolicy', 'PutImageScanningConfiguration', 'PutImageTagMutability', 'PutLifecyclePolicy', 'TagResource', 'UntagResource'], repo),
        DeleteRepository: { keys: repo, deletes: true },
      },
      arn: arnOr((name, p) => `arn:${p.partition}:ecr:${p.region}:${p.accountId}:repository/${name}`),
    },
  ],
};
