// The OpenSearch fine-grained access control plan: which security-plugin roles Census creates and which IAM
// roles map to them. Pure, so it is unit-tested; infra/lambda/opensearch-security.ts applies it at deploy time.
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
  method: 'PUT' | 'POST' | 'DELETE';
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
    `${names.inventoryRuns}*`, // the inventory-run ledger
    `${names.deadLetters}*`, // dead letters made searchable (opensearch/dead-letters.ts)
  ];
  // Both stages bootstrap the whole layout (opensearch/templates.ts ensureIndexTemplates): every template
  // (cluster-level) and every empty `<alias>-000001` index behind its alias. Creating an empty index of the
  // prefix is allowed to both; writing documents only to their own indexes.
  const templateActions = ['indices:admin/index_template/*', 'indices:admin/template/*'];
  const bootstrap = { index_patterns: [`${props.indexPrefix}-*`], allowed_actions: ['indices:admin/get', 'create_index', 'indices:admin/aliases*'] };
  return [
    {
      method: 'PUT',
      path: `${api}/roles/${roles.processor}`,
      body: {
        description: 'Census stream processors: write inventory, trust and finding indexes only',
        cluster_permissions: ['cluster_monitor', 'indices:data/write/bulk', 'indices:data/read/mget', ...templateActions],
        index_permissions: [
          bootstrap,
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
          bootstrap,
          { index_patterns: [`${props.indexPrefix}-*`], allowed_actions: ['read'] },
          // score history, and the latest run's views behind their swapped aliases (scoring/views.ts)
          { index_patterns: [`${names.scores}*`, `${names.currentScores}*`, `${names.currentFailing}*`], allowed_actions: ['crud', 'create_index', 'manage', 'indices:admin/aliases*'] },
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
