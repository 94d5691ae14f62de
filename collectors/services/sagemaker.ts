// SageMaker notebook instances: DescribeNotebookInstance (direct internet access, root access, encryption).
import {
  DescribeNotebookInstanceCommand,
  ListTagsCommand,
  paginateListNotebookInstances,
  SageMakerClient,
  type DescribeNotebookInstanceOutput,
} from '@aws-sdk/client-sagemaker';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { detail, pagedDescribe, resource, type Collector } from '../engine.js';

const sagemakerClient = (o: ClientOptions) => new SageMakerClient(clientConfig(o));

const notebookSpec = resource<SageMakerClient, DescribeNotebookInstanceOutput>({
  resourceType: 'AWS::SageMaker::NotebookInstance',
  client: sagemakerClient,
  list: pagedDescribe(paginateListNotebookInstances, {}, 'NotebookInstances', (c, n) =>
    c.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: n.NotebookInstanceName })),
  ),
  id: (n) => n.NotebookInstanceName ?? '',
  name: 'NotebookInstanceName',
  arn: (n) => n.NotebookInstanceArn ?? '',
  created: 'CreationTime',
  details: {
    Tags: detail('ListTags', (c: SageMakerClient, n: DescribeNotebookInstanceOutput) => c.send(new ListTagsCommand({ ResourceArn: n.NotebookInstanceArn })), (o) => o.Tags, {
      tags: true,
    }),
  },
});

export const sagemaker: Collector = { name: 'sagemaker', resources: [notebookSpec] };
