// Security Hub I/O at the edge: pull findings with GetFindings (paginated), push with BatchImportFindings (≤100 per call).
import { BatchImportFindingsCommand, paginateGetFindings, SecurityHubClient, type AwsSecurityFindingFilters } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { clientConfig } from '../platform/aws.js';
import type { FindingRecord } from '../core/schemas.js';
import type { Catalog } from './catalog.js';
import { asffBatches, fromAsff, toAsff, type ImportResult } from './formats/asff.js';

export function securityHubClient(region?: string): SecurityHubClient {
  return new SecurityHubClient(clientConfig({ region }));
}

/** Every Security Hub finding matching `filters` (all pages), as FindingRecords. */
export async function importFromSecurityHub(
  client: SecurityHubClient,
  catalog: Catalog,
  opts: { filters?: AwsSecurityFindingFilters; pageSize?: number; onPage?: (count: number) => void } = {},
): Promise<ImportResult> {
  const result: ImportResult = { findings: [], skipped: [] };
  let page = 0;
  for await (const out of paginateGetFindings({ client, pageSize: opts.pageSize ?? 100 }, { Filters: opts.filters })) {
    const entries = (out.Findings ?? []).map((value, i) => ({ position: `page ${page + 1} Findings[${i}]`, value: value as unknown }));
    const part = fromAsff(entries, catalog, 'GetFindings');
    result.findings.push(...part.findings);
    result.skipped.push(...part.skipped);
    page += 1;
    opts.onPage?.(result.findings.length);
  }
  return result;
}

export interface ExportSummary {
  imported: number;
  failed: { id: string; code: string; message: string }[];
  calls: number;
}

/**
 * Send findings to Security Hub in BatchImportFindings calls of at most 100; failed entries are returned, not
 * dropped. `productAccountId` is the calling account (default: asked of STS with the client's credentials).
 */
export async function exportToSecurityHub(
  client: SecurityHubClient,
  findings: FindingRecord[],
  opts: { catalog?: Catalog; productAccountId?: string } = {},
): Promise<ExportSummary> {
  const region = await client.config.region();
  const productAccountId =
    opts.productAccountId ?? (await new STSClient(clientConfig({ region, credentials: client.config.credentials })).send(new GetCallerIdentityCommand({}))).Account;
  const summary: ExportSummary = { imported: 0, failed: [], calls: 0 };
  for (const batch of asffBatches(findings.map((f) => toAsff(f, { region, productAccountId, catalog: opts.catalog })))) {
    // the SDK's own type wants Date objects; ASFF timestamps as ISO strings serialize the same
    const out = await client.send(new BatchImportFindingsCommand({ Findings: batch as never }));
    summary.calls += 1;
    summary.imported += out.SuccessCount ?? 0;
    for (const f of out.FailedFindings ?? []) summary.failed.push({ id: f.Id ?? '', code: f.ErrorCode ?? '', message: f.ErrorMessage ?? '' });
  }
  return summary;
}
