// CloudFormation custom resource: maps Census's IAM roles to OpenSearch fine-grained access control roles.
// FGAC only knows IAM roles through role mappings in the security plugin's REST API; doing this at deploy
// time means nobody clicks through Dashboards to give the processors write access, and the mapping is
// exactly as narrow as the index names in core/indexes.ts.
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { ismDeployRequests, type LifecycleRequest } from '../../opensearch/lifecycle.js';
import { indexTemplates } from '../../opensearch/templates.js';
import { securityDeleteRequests, securityRequests, type SecurityRequest } from '../lib/opensearch-security-plan.js';

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
    /** days of score and of other history kept in OpenSearch (index lifecycle, ISM) */
    ScoreRetentionDays?: string;
    HistoryRetentionDays?: string;
  };
}

async function send(client: Client, req: SecurityRequest, ignoreNotFound: boolean): Promise<void> {
  try {
    await client.transport.request({ method: req.method, path: req.path, body: req.body });
  } catch (err) {
    const meta = (err as { meta?: { statusCode?: number; body?: unknown } }).meta;
    if (ignoreNotFound && meta?.statusCode === 404) return;
    // the security plugin's own words (missing permission, bad role definition) are what an operator needs
    const detail = meta?.body === undefined ? (err as Error).message : JSON.stringify(meta.body).slice(0, 500);
    throw new Error(`${req.method} ${req.path}: ${meta?.statusCode ?? 'no response'} ${detail}`, { cause: err });
  }
}

/** The index lifecycle as ISM policies, where the domain has the plugin (Amazon OpenSearch Service has). */
async function applyIsm(client: Client, req: LifecycleRequest): Promise<void> {
  let path = req.path;
  if (req.policy) {
    // replacing a policy takes its current sequence number; a new one has none
    try {
      const current = (await client.transport.request({ method: 'GET', path: req.path })).body as { _seq_no: number; _primary_term: number };
      path = `${req.path}?if_seq_no=${current._seq_no}&if_primary_term=${current._primary_term}`;
    } catch (err) {
      if ((err as { meta?: { statusCode?: number } }).meta?.statusCode !== 404) throw err;
    }
  }
  await send(client, { method: req.method, path, body: req.body }, req.optional === true);
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
      // the domain endpoint attribute is a bare host name (HTTPS enforced); a full URL is taken as given
      node: p.DomainEndpoint.includes('://') ? p.DomainEndpoint : `https://${p.DomainEndpoint}`,
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
      const retention = { scoreRetentionDays: Number(p.ScoreRetentionDays ?? 400), historyRetentionDays: Number(p.HistoryRetentionDays ?? 90) };
      for (const req of ismDeployRequests(p.IndexPrefix, indexTemplates(p.IndexPrefix), retention)) await applyIsm(client, req);
    }
    await respond(event, 'SUCCESS', 'role mappings and index lifecycle applied', physicalId);
  } catch (err) {
    const message = (err as Error).message;
    console.error(JSON.stringify({ msg: 'opensearch security mapping failed', requestType: event.RequestType, error: message }));
    // a failed cleanup must not block stack deletion: the roles go with the domain, or stay harmlessly unmapped
    const status = event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED';
    await respond(event, status, message, event.PhysicalResourceId ?? physicalId);
  }
}
