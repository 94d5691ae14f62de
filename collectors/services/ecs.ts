// ECS: clusters, services, running tasks with their containers, and active task definitions. The list calls give
// ARNs only; each page is described in the batches the API allows (clusters 100, services 10, tasks 100) or one
// by one (task definitions). Container environment values (in task definitions and in task overrides) keep their
// names only, with length, salted hash and secret signal (collectors/redact.ts).
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  paginateListClusters,
  paginateListServices,
  paginateListTaskDefinitions,
  paginateListTasks,
  type Cluster,
  type Service,
  type Task,
  type TaskDefinition,
  type Tag,
} from '@aws-sdk/client-ecs';
import { clientConfig, type ClientOptions } from '../../platform/aws.js';
import { resource, type Collector, type CollectorContext } from '../engine.js';

const ecsClient = (o: ClientOptions) => new ECSClient(clientConfig(o));

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function* clusterArns(client: ECSClient, ctx: CollectorContext): AsyncGenerator<string> {
  for await (const page of paginateListClusters({ client, pageSize: ctx.pageSize }, {})) yield* page.clusterArns ?? [];
}

async function* clusters(client: ECSClient, ctx: CollectorContext): AsyncGenerator<Cluster> {
  const arns: string[] = [];
  for await (const arn of clusterArns(client, ctx)) arns.push(arn);
  for (const batch of chunks(arns, 100)) {
    const out = await client.send(new DescribeClustersCommand({ clusters: batch, include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS'] }));
    yield* out.clusters ?? [];
  }
}

async function* services(client: ECSClient, ctx: CollectorContext): AsyncGenerator<Service> {
  for await (const cluster of clusterArns(client, ctx)) {
    for await (const page of paginateListServices({ client, pageSize: ctx.pageSize }, { cluster })) {
      for (const batch of chunks(page.serviceArns ?? [], 10)) {
        yield* (await client.send(new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }))).services ?? [];
      }
    }
  }
}

async function* runningTasks(client: ECSClient, ctx: CollectorContext): AsyncGenerator<Task> {
  for await (const cluster of clusterArns(client, ctx)) {
    for await (const page of paginateListTasks({ client, pageSize: ctx.pageSize }, { cluster, desiredStatus: 'RUNNING' })) {
      for (const batch of chunks(page.taskArns ?? [], 100)) {
        yield* (await client.send(new DescribeTasksCommand({ cluster, tasks: batch, include: ['TAGS'] }))).tasks ?? [];
      }
    }
  }
}

/** Active task definitions (every revision still usable), each with its tags. */
async function* taskDefinitions(client: ECSClient, ctx: CollectorContext): AsyncGenerator<TaskDefinition & { tags?: Tag[] }> {
  for await (const page of paginateListTaskDefinitions({ client, pageSize: ctx.pageSize }, { status: 'ACTIVE' })) {
    for (const taskDefinition of page.taskDefinitionArns ?? []) {
      const out = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }));
      if (out.taskDefinition) yield { ...out.taskDefinition, tags: out.tags };
    }
  }
}

const lastPart = (arn: string | undefined) => arn?.split('/').pop() ?? '';

const clusterSpec = resource<ECSClient, Cluster>({
  resourceType: 'AWS::ECS::Cluster',
  client: ecsClient,
  list: clusters,
  id: (c) => c.clusterName ?? '',
  name: 'clusterName',
  arn: (c) => c.clusterArn ?? '',
  tags: 'tags',
});

const serviceSpec = resource<ECSClient, Service>({
  resourceType: 'AWS::ECS::Service',
  client: ecsClient,
  list: services,
  id: (s) => s.serviceArn ?? '',
  name: 'serviceName',
  arn: (s) => s.serviceArn ?? '',
  created: 'createdAt',
  tags: 'tags',
});

/** Running tasks with their containers (image, network bindings) in `configuration.containers`. */
const taskSpec = resource<ECSClient, Task>({
  resourceType: 'AWS::ECS::Task',
  client: ecsClient,
  list: runningTasks,
  id: (t) => lastPart(t.taskArn),
  name: (t) => lastPart(t.taskDefinitionArn),
  arn: (t) => t.taskArn ?? '',
  created: 'createdAt',
  tags: 'tags',
  // RunTask overrides carry environment variables too
  secrets: [{ path: 'configuration.overrides.containerOverrides[].environment[].value', nameKey: 'name' }],
});

/** Where a container definition can carry a secret value; `secrets[].valueFrom` keeps Secrets Manager / SSM ARNs. */
const containerSecrets = (prefix: string) => [
  { path: `${prefix}[].environment[].value`, nameKey: 'name' },
  { path: `${prefix}[].secrets[].valueFrom`, nameKey: 'name', keepReferences: true },
];

const taskDefinitionSpec = resource<ECSClient, TaskDefinition & { tags?: Tag[] }>({
  resourceType: 'AWS::ECS::TaskDefinition',
  client: ecsClient,
  list: taskDefinitions,
  id: (t) => `${t.family}:${t.revision}`,
  name: 'family',
  arn: (t) => t.taskDefinitionArn ?? '',
  created: 'registeredAt',
  tags: 'tags',
  secrets: containerSecrets('configuration.containerDefinitions'),
});

export const ecs: Collector = { name: 'ecs', resources: [clusterSpec, serviceSpec, taskSpec, taskDefinitionSpec] };
