// What each panel shows, declared once. Queries are Lucene (Dashboards sends them as `query_string`),
// every field is checked against the index mappings by the contract test, and every chart axis says what
// it measures.
import { avg, cardinality, count, dateHistogram, filtersAgg, max, terms, type ControlSpec, type DashboardSpec, type SearchSpec, type VisSpec } from './build.js';

/** Failing and not excused by an active exception: what the scores count as failing. */
const FAILING = 'status:FAIL AND NOT exception.active:true';

export const visualizations: VisSpec[] = [
  // ---- overview
  {
    key: 'enterprise-score-trend',
    title: 'Enterprise score over time',
    description: 'Spend-weighted enterprise score of each scoring run (1 = every applicable requirement passes)',
    pattern: 'scores',
    type: 'line',
    query: 'scope:enterprise',
    metrics: [avg('score', 'Enterprise score')],
    buckets: [dateHistogram('runAt', 'Scoring run time')],
    axes: { x: 'Scoring run time', y: 'Enterprise score (average per interval, 0-1)' },
    percentage: true,
  },
  {
    key: 'failing-by-requirement',
    title: 'Failing findings by requirement',
    description: 'Failing findings not covered by an active exception, per requirement with its title',
    pattern: 'findings',
    type: 'table',
    query: FAILING,
    metrics: [count('Failing findings')],
    buckets: [terms('requirementId', 'Requirement', { size: 50 }), terms('title', 'Title', { size: 1 })],
  },
  {
    key: 'failing-by-severity',
    title: 'Failing findings by severity',
    description: 'Failing findings not covered by an active exception, by the severity of their requirement',
    pattern: 'findings',
    type: 'pie',
    query: FAILING,
    metrics: [count('Failing findings')],
    buckets: [terms('severity', 'Severity', { size: 5 })],
  },
  {
    key: 'public-by-type',
    title: 'Public resources by type',
    description: 'Resources whose policies let anyone in (a wildcard principal not pinned to an account or organization)',
    pattern: 'resources',
    type: 'horizontal_bar',
    query: 'public:true AND NOT configurationItemStatus:ResourceDeleted',
    metrics: [count('Public resources')],
    buckets: [terms('resourceType', 'Resource type', { size: 30 })],
    axes: { x: 'Resource type', y: 'Public resources' },
  },
  {
    key: 'unknown-accounts-count',
    title: 'Unknown external accounts',
    description: 'External accounts trusted by at least one resource that are neither in the organization nor in the trusted-accounts register',
    pattern: 'trustedAccounts',
    type: 'metric',
    query: 'classification:unknown AND resourceCount:>0',
    metrics: [count('Unknown external accounts')],
  },
  {
    key: 'collection-errors-count',
    title: 'Collection errors',
    description: 'Accounts, regions or collectors that could not be inventoried in the time range',
    pattern: 'collectionErrors',
    type: 'metric',
    metrics: [count('Collection errors'), cardinality('accountId', 'Accounts affected')],
  },
  // ---- trust map
  {
    key: 'trust-map',
    title: 'External accounts and what they can reach',
    description: 'Every external account a policy lets in, unknown first: its classification, vendor name, and each resource that trusts it with the policy and how (principal or condition)',
    pattern: 'trustedAccounts',
    type: 'table',
    query: 'resourceCount:>0',
    metrics: [count('External accounts')],
    buckets: [
      filtersAgg([
        { query: 'classification:unknown', label: 'unknown' },
        { query: 'classification:known', label: 'known vendor' },
        { query: 'classification:org', label: 'organization' },
      ]),
      terms('accountId', 'External account', { size: 500, orderBy: '_key', order: 'asc' }),
      terms('name', 'Vendor name', { size: 1 }),
      terms('resources.resourceType', 'Resource type it can reach', { size: 50, orderBy: '_key', order: 'asc' }),
      terms('resources.arn', 'Resource', { size: 500, orderBy: '_key', order: 'asc' }),
      terms('resources.policy', 'Policy', { size: 10 }),
      terms('resources.via', 'Granted via', { size: 2 }),
    ],
    perPage: 50,
  },
  {
    key: 'trusted-by-classification',
    title: 'External accounts by classification',
    description: 'How many external accounts are organization accounts, known vendors, or unknown',
    pattern: 'trustedAccounts',
    type: 'pie',
    query: 'resourceCount:>0',
    metrics: [count('External accounts')],
    buckets: [terms('classification', 'Classification', { size: 3 })],
  },
  // ---- public exposure
  {
    key: 'public-resources',
    title: 'Public resources with account and owner',
    description: 'Every resource a policy makes public, with its account, owner and type',
    pattern: 'resources',
    type: 'table',
    query: 'public:true AND NOT configurationItemStatus:ResourceDeleted',
    metrics: [count('Resources')],
    buckets: [
      terms('resourceType', 'Resource type', { size: 50, orderBy: '_key', order: 'asc' }),
      terms('arn', 'Resource', { size: 1000, orderBy: '_key', order: 'asc' }),
      terms('awsAccountId', 'Account', { size: 1 }),
      terms('account.name', 'Account name', { size: 1 }),
      terms('account.owner', 'Owner', { size: 1 }),
    ],
    perPage: 50,
  },
  // ---- collection health
  {
    key: 'collection-errors-by-account',
    title: 'Collection errors by account and collector',
    description: 'What could not be inventoried: account, collector and error code',
    pattern: 'collectionErrors',
    type: 'table',
    metrics: [count('Errors'), max('observedAt', 'Last seen')],
    buckets: [
      terms('accountId', 'Account', { size: 200 }),
      terms('account.name', 'Account name', { size: 1 }),
      terms('collector', 'Collector', { size: 50 }),
      terms('code', 'Error code', { size: 20 }),
    ],
  },
  {
    key: 'newest-record-per-account',
    title: 'Age of each account\u2019s newest record',
    description: 'The capture time of the newest resource record per account, stalest first: an account that stopped reporting sinks to the top',
    pattern: 'resources',
    type: 'table',
    metrics: [max('configurationItemCaptureTime', 'Newest record captured'), count('Resource records')],
    buckets: [terms('awsAccountId', 'Account', { size: 1000, orderBy: '1', order: 'asc' }), terms('account.name', 'Account name', { size: 1 })],
  },
];

export const searches: SearchSpec[] = [
  {
    key: 'collection-error-messages',
    title: 'Collection errors with their messages',
    description: 'Each collection error as reported, newest first',
    pattern: 'collectionErrors',
    columns: ['accountId', 'account.name', 'region', 'collector', 'code', 'message'],
    sort: [['observedAt', 'desc']],
  },
  {
    key: 'public-resources',
    title: 'Public resources',
    description: 'Each public resource with its account, owner and the trusted accounts its policies name',
    pattern: 'resources',
    query: 'public:true AND NOT configurationItemStatus:ResourceDeleted',
    columns: ['resourceType', 'arn', 'awsAccountId', 'account.name', 'account.owner', 'trustedAccounts.policy'],
    sort: [['configurationItemCaptureTime', 'desc']],
  },
];

export const controls: ControlSpec[] = [];

const row = (...panels: [string, number, number][]) => panels.map(([ref, w, h]) => ({ ref, w, h }));

export const dashboards: DashboardSpec[] = [
  {
    key: 'overview',
    title: 'Census: overview',
    description: 'Enterprise score and trend, failing findings by requirement and severity, public resources, unknown external accounts, collection health',
    panels: [
      ...row(['enterprise-score-trend', 48, 12]),
      ...row(['failing-by-requirement', 32, 15], ['failing-by-severity', 16, 15]),
      ...row(['public-by-type', 24, 12], ['unknown-accounts-count', 12, 12], ['collection-errors-count', 12, 12]),
    ],
  },
  {
    key: 'trust-map',
    title: 'Census: trust map',
    description: 'Every external account a policy lets in (unknown first), with the resources and resource types it can reach',
    panels: row(['trusted-by-classification', 16, 12], ['unknown-accounts-count', 16, 12], ['trust-map', 48, 30]),
    filters: [{ pattern: 'trustedAccounts', field: 'classification', value: 'unknown', disabled: true, label: 'only unknown accounts' }],
  },
  {
    key: 'public-exposure',
    title: 'Census: public exposure',
    description: 'Every public resource with its account, owner and type',
    panels: row(['public-by-type', 24, 12], ['public-resources', 24, 24], ['search:public-resources', 48, 20]),
  },
  {
    key: 'collection-health',
    title: 'Census: collection health',
    description: 'Collection errors by account and collector with their messages, and the age of each account\u2019s newest record',
    panels: row(['collection-errors-count', 16, 10], ['collection-errors-by-account', 32, 16], ['newest-record-per-account', 24, 16], ['search:collection-error-messages', 24, 16]),
  },
];
