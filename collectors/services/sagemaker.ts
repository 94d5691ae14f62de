// SageMaker notebook instances: DescribeNotebookInstance (direct internet access, root access, encryption).
import {
  DescribeNotebookInstanceCommand,
  ListTagsCommand,
  paginateListNotebookInstances,
  SageMakerClient,
  type DescribeNotebookInstanceOutput,
} from '@aws-sdk/client-sagemaker';
import { clientConfig, type ClientOptions } from '../../core/aws.js';
import { detail, pageSize, resource, type Collector, type CollectorContext } from '../engine.js';

const sagemakerClient = (o: ClientOptions) => new SageMakerClient(clientConfig(o));

async function* notebooks(client: SageMakerClient, ctx: CollectorContext): AsyncGenerator<DescribeNotebookInstanceOutput> {
  for await (const page of paginateListNotebookInstances({ client, pageSize: pageSize(ctx) }, {})) {
    for (const n of page.NotebookInstances ?? []) {
      yield await client.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: n.NotebookInstanceName }));
    }
  }
}

const notebookSpec = resource<SageMakerClient, DescribeNotebookInstanceOutput>({
  resourceType: 'AWS::SageMaker::NotebookInstance',
  client: sagemakerClient,
  list: notebooks,
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
