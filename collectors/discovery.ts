// Organization discovery: for each payer, assume the audit role, list every account with its tags and OU
// path, and read last month's spend per linked account from the payer's Cost Explorer.
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListTagsForResource,
  type Account,
} from '@aws-sdk/client-organizations';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { clientConfig, s3Config } from '../platform/aws.js';
import type { CensusConfig } from '../platform/config.js';
import { s3Keys } from '../core/indexes.js';
import { AccountRecord, parseWith, SCHEMA_VERSION, type CollectionErrorRecord } from '../core/schemas.js';
import { errorCode, errorMessage } from './engine.js';
import { assumeRole, AssumeRoleError, callerPartition, homeRegion } from './runtime.js';

type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface DiscoveryOptions {
  payers: string[];
  auditRole: string;
  externalId?: string;
  ownerTagKey: string;
  executiveTagKey: string;
  observedAt: string;
  runId?: string;
  /** default: the partition of the caller's own identity */
  partition?: string;
  baseCredentials?: Credentials;
  /** the month whose spend is read (default: the last full calendar month) */
  spendMonth?: { start: string; end: string };
}

export interface SpendUnavailable {
  payerId: string;
  reason: string;
}

export interface DiscoveryResult {
  accounts: AccountRecord[];
  /** payers whose organization could not be read, accounts whose tags or OU path could not be read */
  errors: CollectionErrorRecord[];
  /** payers whose Cost Explorer could not be read: their accounts' spend is null */
  spendUnavailable: SpendUnavailable[];
}

export const SESSION_DISCOVERY = 'census-discovery';

/** Discovery settings from the Census configuration. */
export function discoveryOptions(
  config: Pick<CensusConfig, 'payers' | 'auditRole' | 'externalId' | 'ownerTagKey' | 'executiveTagKey'>,
  run: { runId?: string; observedAt: string; baseCredentials?: Credentials },
): DiscoveryOptions {
  const { payers, auditRole, externalId, ownerTagKey, executiveTagKey } = config;
  return { payers, auditRole, externalId, ownerTagKey, executiveTagKey, ...run };
}

/** The last full calendar month, as Cost Explorer's [start, end) dates. */
export function lastFullMonth(now = new Date()): { start: string; end: string } {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

/** Sum UnblendedCost per linked account over the Cost Explorer result pages. */
export function spendByAccount(pages: { ResultsByTime?: { Groups?: { Keys?: string[]; Metrics?: Record<string, { Amount?: string }> }[] }[] }[]): Map<string, number> {
  const spend = new Map<string, number>();
  for (const page of pages) {
    for (const period of page.ResultsByTime ?? []) {
      for (const g of period.Groups ?? []) {
        const account = g.Keys?.[0];
        const amount = Number(g.Metrics?.UnblendedCost?.Amount);
        if (account && Number.isFinite(amount)) spend.set(account, (spend.get(account) ?? 0) + Math.max(0, amount));
      }
    }
  }
  return spend;
}

async function readSpend(ce: CostExplorerClient, month: { start: string; end: string }): Promise<Map<string, number>> {
  const pages = [];
  let token: string | undefined;
  do {
    const page = await ce.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: month.start, End: month.end },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }],
        NextPageToken: token,
      }),
    );
    pages.push(page);
    token = page.NextPageToken;
  } while (token);
  return spendByAccount(pages);
}

/** `Root/Workloads/Prod`: walk ListParents up to the root, naming each OU (names cached per payer). */
async function ouPath(org: OrganizationsClient, accountId: string, ouNames: Map<string, string>): Promise<string> {
  const names: string[] = [];
  let child = accountId;
  for (let depth = 0; depth < 10; depth++) {
    const parent = (await org.send(new ListParentsCommand({ ChildId: child }))).Parents?.[0];
    if (!parent?.Id || parent.Type === 'ROOT') break;
    let name = ouNames.get(parent.Id);
    if (name === undefined) {
      name = (await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parent.Id }))).OrganizationalUnit?.Name ?? parent.Id;
      ouNames.set(parent.Id, name);
    }
    names.unshift(name);
    child = parent.Id;
  }
  return ['Root', ...names].join('/');
}

async function tagsOf(org: OrganizationsClient, accountId: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListTagsForResource({ client: org }, { ResourceId: accountId })) {
    for (const t of page.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  }
  return tags;
}

/** Organizations reports `State` (newer) or `Status`; both are upper-case words like ACTIVE / SUSPENDED. */
export function accountStatus(a: Account): string {
  return String((a as { State?: string }).State ?? a.Status ?? 'UNKNOWN');
}

export const isActive = (a: AccountRecord) => a.status === 'ACTIVE';

function collectionError(accountId: string, code: string, message: string, o: DiscoveryOptions): CollectionErrorRecord {
  return {
    recordType: 'collection-error',
    schemaVersion: SCHEMA_VERSION,
    accountId,
    region: null,
    collector: 'discovery',
    code,
    message,
    ...(o.runId ? { runId: o.runId } : {}),
    observedAt: o.observedAt,
  };
}

/** Discover every account of every payer's organization. A payer that cannot be read yields an error record. */
export async function discoverAccounts(o: DiscoveryOptions): Promise<DiscoveryResult> {
  const result: DiscoveryResult = { accounts: [], errors: [], spendUnavailable: [] };
  const partition = o.partition ?? (await callerPartition(o.baseCredentials));
  const region = homeRegion(partition);
  const seen = new Set<string>();
  for (const payerId of o.payers) {
    let credentials: AwsCredentialIdentityProvider;
    try {
      credentials = await assumeRole({
        accountId: payerId,
        roleName: o.auditRole,
        sessionName: SESSION_DISCOVERY,
        externalId: o.externalId,
        partition,
        baseCredentials: o.baseCredentials,
      });
    } catch (err) {
      const code = err instanceof AssumeRoleError ? err.code : errorCode(err);
      result.errors.push(collectionError(payerId, code, errorMessage(err), o));
      continue;
    }
    const org = new OrganizationsClient(clientConfig({ region, credentials }));
    let spend: Map<string, number> | undefined;
    try {
      spend = await readSpend(new CostExplorerClient(clientConfig({ region, credentials })), o.spendMonth ?? lastFullMonth(new Date(o.observedAt)));
    } catch (err) {
      result.spendUnavailable.push({ payerId, reason: `${errorCode(err)}: ${errorMessage(err)}` });
    }
    const ouNames = new Map<string, string>();
    try {
      for await (const page of paginateListAccounts({ client: org }, {})) {
        for (const a of page.Accounts ?? []) {
          if (!a.Id || seen.has(a.Id)) continue;
          seen.add(a.Id);
          // tags and OU path are worth having but not worth losing the account over: a failure is recorded
          let tags: Record<string, string> = {};
          let path = 'unknown';
          try {
            tags = await tagsOf(org, a.Id);
            path = await ouPath(org, a.Id, ouNames);
          } catch (err) {
            result.errors.push(collectionError(a.Id, errorCode(err), `reading tags and OU path of account ${a.Id}: ${errorMessage(err)}`, o));
          }
          const record = {
            recordType: 'account' as const,
            schemaVersion: SCHEMA_VERSION,
            accountId: a.Id,
            name: a.Name ?? a.Id,
            email: a.Email ?? '',
            status: accountStatus(a),
            payerId,
            ouPath: path,
            joinedAt: a.JoinedTimestamp ? new Date(a.JoinedTimestamp).toISOString() : null,
            tags,
            owner: tags[o.ownerTagKey] ?? null,
            executive: tags[o.executiveTagKey] ?? null,
            // an account Cost Explorer knows nothing about spent nothing last month; an unreadable CE is null
            spend: spend ? (spend.get(a.Id) ?? 0) : null,
            observedAt: o.observedAt,
          };
          result.accounts.push(parseWith(AccountRecord, record));
        }
      }
    } catch (err) {
      result.errors.push(collectionError(payerId, errorCode(err), `listing the organization of payer ${payerId}: ${errorMessage(err)}`, o));
    }
  }
  return result;
}

/** The latest account list, where processors and scoring read it (`s3Keys.accounts`, a JSON array of AccountRecord). */
export async function writeAccountList(bucket: string, accounts: AccountRecord[], s3 = new S3Client(s3Config())): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: s3Keys.accounts, Body: JSON.stringify(accounts), ContentType: 'application/json' }));
  } catch (err) {
    throw new Error(`cannot write the account list to s3://${bucket}/${s3Keys.accounts}: ${errorCode(err)}: ${errorMessage(err)}`);
  }
}

/** Where discovery leaves each run's active accounts for the state machine's distributed map (ItemReader). */
export const runAccountsPrefix = 'inventory-runs/accounts/';
export const runAccountsKey = (runId: string) => `${runAccountsPrefix}${runId}.json`;

/**
 * This run's active accounts as the JSON array the distributed map iterates (`[{ accountId }]`), in S3 rather
 * than in the state: a large organization's list outgrows Step Functions' 256 KiB payload. Returns the key.
 */
export async function writeRunAccounts(bucket: string, runId: string, accounts: AccountRecord[], s3 = new S3Client(s3Config())): Promise<string> {
  const key = runAccountsKey(runId);
  const body = JSON.stringify(accounts.filter(isActive).map((a) => ({ accountId: a.accountId })));
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  } catch (err) {
    throw new Error(`cannot write the run's account list to s3://${bucket}/${key}: ${errorCode(err)}: ${errorMessage(err)}`);
  }
  return key;
}

/** Regions enabled for the account (opt-in regions included once opted in). */
export async function enabledRegions(credentials: Credentials, region?: string): Promise<string[]> {
  const ec2 = new EC2Client(clientConfig({ region, credentials }));
  const out = await ec2.send(new DescribeRegionsCommand({ AllRegions: false }));
  return (out.Regions ?? []).map((r) => r.RegionName).filter((r): r is string => Boolean(r)).sort();
}
