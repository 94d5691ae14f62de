// CloudFormation custom resource: maps Census's IAM roles to OpenSearch fine-grained access control roles.
// FGAC only knows IAM roles through role mappings in the security plugin's REST API; doing this at deploy
// time means nobody clicks through Dashboards to give the processors write access, and the mapping is
// exactly as narrow as the index names in core/indexes.ts.
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { indexNames } from '../../core/indexes.js';

export interface SecurityProps {
  indexPrefix: string;
  /** roles of the stream processors: write the inventory and finding indexes */
  processorRoleArns: string[];
  /** roles of the scoring job: read everything of this prefix, write the score index */
  scoringRoleArns: string[];
  /** roles given all_access, always including the FGAC master role (dropping it would lock the deployment out) */
  adminRoleArns: string[];
}

export interface SecurityRequest {
  method: 'PUT' | 'DELETE';
  path: string;
  body?: Record<string, unknown>;
}

const api = '/_plugins/_security/api';

/** Names of the OpenSearch security roles this deployment owns (prefix-scoped, so deployments sharing a domain do not collide). */
export function securityRoleNames(indexPrefix: string) {
  return { processor: `${indexPrefix}_processor`, scoring: `${indexPrefix}_scoring` };
}

/** The security plugin requests that create or update the roles and their mappings. Pure, so it is unit-tested. */
export function securityRequests(props: SecurityProps): SecurityRequest[] {
  const names = indexNames(props.indexPrefix);
  const roles = securityRoleNames(props.indexPrefix);
  const processorIndexes = [
    `${names.resources}*`, // resource family indexes and their alias
    `${names.findings}*`,
    `${names.accounts}*`,
    `${names.trustedAccounts}*`,
    `${names.collectionErrors}*`,
  ];
  // index templates are cluster-level: each stage installs the mappings of the indexes it writes
  const templateActions = ['indices:admin/index_template/*', 'indices:admin/template/*'];
  return [
    {
      method: 'PUT',
      path: `${api}/roles/${roles.processor}`,
      body: {
        description: 'Census stream processors: write inventory, trust and finding indexes only',
        cluster_permissions: ['cluster_monitor', 'indices:data/write/bulk', 'indices:data/read/mget', ...templateActions],
        index_permissions: [
          { index_patterns: processorIndexes, allowed_actions: ['crud', 'create_index', 'manage', 'indices:admin/aliases*'] },
        ],
      },
    },
    {
      method: 'PUT',
      path: `${api}/roles/${roles.scoring}`,
      body: {
        description: 'Census scoring job: read this deployment\'s indexes, write scores',
        cluster_permissions: ['cluster_monitor', 'indices:data/write/bulk', 'indices:data/read/scroll*', ...templateActions],
        index_permissions: [
          { index_patterns: [`${props.indexPrefix}-*`], allowed_actions: ['read'] },
          { index_patterns: [`${names.scores}*`], allowed_actions: ['crud', 'create_index', 'manage'] },
        ],
      },
    },
    { method: 'PUT', path: `${api}/rolesmapping/${roles.processor}`, body: { backend_roles: props.processorRoleArns } },
    { method: 'PUT', path: `${api}/rolesmapping/${roles.scoring}`, body: { backend_roles: props.scoringRoleArns } },
    { method: 'PUT', path: `${api}/rolesmapping/all_access`, body: { backend_roles: props.adminRoleArns } },
  ];
}

/** On stack deletion: remove what this deployment created, but leave all_access as the domain keeps it. */
export function securityDeleteRequests(indexPrefix: string): SecurityRequest[] {
  const roles = Object.values(securityRoleNames(indexPrefix));
  return [
    ...roles.map((r): SecurityRequest => ({ method: 'DELETE', path: `${api}/rolesmapping/${r}` })),
    ...roles.map((r): SecurityRequest => ({ method: 'DELETE', path: `${api}/roles/${r}` })),
  ];
}

interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: {
    DomainEndpoint: string;
    IndexPrefix: string;
    ProcessorRoleArns: string[];
    ScoringRoleArns: string[];
    AdminRoleArns: string[];
  };
}

async function send(client: Client, req: SecurityRequest, ignoreNotFound: boolean): Promise<void> {
  try {
    await client.transport.request({ method: req.method, path: req.path, body: req.body });
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (ignoreNotFound && status === 404) return;
    throw new Error(`${req.method} ${req.path}: ${status ?? ''} ${(err as Error).message}`, { cause: err });
  }
}

/** Reply to CloudFormation through the pre-signed URL, the custom resource protocol. */
async function respond(event: CustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string, physicalId: string): Promise<void> {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 3000),
    PhysicalResourceId: physicalId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!res.ok) throw new Error(`CloudFormation response upload failed: HTTP ${res.status}`);
}

export async function onEvent(event: CustomResourceEvent): Promise<void> {
  const p = event.ResourceProperties;
  const physicalId = `${p.DomainEndpoint}/${p.IndexPrefix}`;
  try {
    const client = new Client({
      ...AwsSigv4Signer({ region: process.env.AWS_REGION ?? 'us-east-1', service: 'es' }),
      node: `https://${p.DomainEndpoint}`,
      requestTimeout: 30_000,
      maxRetries: 3,
    });
    if (event.RequestType === 'Delete') {
      for (const req of securityDeleteRequests(p.IndexPrefix)) await send(client, req, true);
    } else {
      const requests = securityRequests({
        indexPrefix: p.IndexPrefix,
        processorRoleArns: p.ProcessorRoleArns,
        scoringRoleArns: p.ScoringRoleArns,
        adminRoleArns: p.AdminRoleArns,
      });
      for (const req of requests) await send(client, req, false);
    }
    await respond(event, 'SUCCESS', 'role mappings applied', physicalId);
  } catch (err) {
    const message = (err as Error).message;
    console.error(JSON.stringify({ msg: 'opensearch security mapping failed', requestType: event.RequestType, error: message }));
    // a failed cleanup must not block stack deletion: the roles go with the domain, or stay harmlessly unmapped
    const status = event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED';
    await respond(event, status, message, event.PhysicalResourceId ?? physicalId);
  }
}
