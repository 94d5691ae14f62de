// Reading records from files for the standard's commands (and the feed's export): each bad entry is reported with its
// position; records from `census collect --out` get their trust classification here, since no processor ran.
import { FindingRecord, ResourceRecord, SchemaError, StreamRecord, parseRecord, parseWith } from '../core/schemas.js';
import type { Catalog } from './catalog.js';
import { evaluateRecordsDetailed, evaluateSweepDetailed, type EvaluationProblem } from './evaluate.js';
import { readEntries } from './formats/entries.js';

/**
 * Records of one kind from a JSON array or NDJSON file (e.g. `census collect --out`, which also holds account
 * and inventory-run records: those are counted in `others`, not errors); every bad entry is reported with its position.
 */
export function readRecords<K extends 'resource' | 'finding'>(
  file: string,
  kind: K,
): { records: Extract<StreamRecord, { recordType: K }>[]; errors: string[]; others: Record<string, number> } {
  const records: Extract<StreamRecord, { recordType: K }>[] = [];
  const errors: string[] = [];
  const others: Record<string, number> = {};
  const schema = kind === 'resource' ? ResourceRecord : FindingRecord;
  for (const entry of readEntries(file, ['records', 'findings', 'Findings'])) {
    const label = `${file} ${entry.position}`;
    try {
      const type = (entry.value as { recordType?: unknown } | null)?.recordType;
      if (typeof type === 'string' && type !== kind && StreamRecord.options.some((o) => o.shape.recordType.value === type)) {
        parseRecord(entry.value, label);
        others[type] = (others[type] ?? 0) + 1;
        continue;
      }
      records.push(parseWith(schema, entry.value, label) as Extract<StreamRecord, { recordType: K }>);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      errors.push(err.message);
    }
  }
  return { records, errors, others };
}

const accountsOf = (records: ResourceRecord[]) => [...new Set(records.map((r) => r.awsAccountId))].sort();

/** Resource-level findings of every record, and the sweep of every account found in the file. */
export function checkRecords(catalog: Catalog, records: ResourceRecord[], observedAt: string, sweep: boolean): { findings: FindingRecord[]; problems: EvaluationProblem[] } {
  const out = evaluateRecordsDetailed(catalog, records, observedAt);
  if (sweep) {
    for (const accountId of accountsOf(records)) {
      const resources = records.filter((r) => r.awsAccountId === accountId);
      const regions = [...new Set(resources.map((r) => r.awsRegion).filter((r) => r !== 'global'))].sort();
      const s = evaluateSweepDetailed(catalog, { accountId, regions, resources }, observedAt);
      out.findings.push(...s.findings);
      out.problems.push(...s.problems);
    }
  }
  return out;
}

/** The organization's accounts: the account records of a file (`census collect --out` writes them beside the resources). */
export function orgAccountsIn(file: string): Map<string, { name: string | null }> {
  const accounts = new Map<string, { name: string | null }>();
  for (const entry of readEntries(file, ['records', 'accounts'])) {
    const v = entry.value as { recordType?: unknown; accountId?: unknown; name?: unknown } | null;
    if ((v?.recordType === 'account' || v?.recordType === undefined) && typeof v?.accountId === 'string' && /^\d{12}$/.test(v.accountId)) {
      accounts.set(v.accountId, { name: typeof v.name === 'string' ? v.name : null });
    }
  }
  return accounts;
}

/**
 * Records straight from `census collect --out` carry no trust enrichment (the processors add it): enrich them here with
 * the same pure function the processors use (policy/trust.ts), the known-vendor list and the organization's accounts
 * (the account records in the file, or `accountsFile`), so `census check` and the stream give the same findings.
 */
export async function withTrust(records: ResourceRecord[], file: string, flags: Record<string, unknown>, accountsFile?: string): Promise<ResourceRecord[]> {
  if (records.every((r) => r.trustedAccounts !== undefined)) return records;
  const { loadConfig, trustRegisterSources } = await import('../platform/config.js');
  const { loadTrustRegister } = await import('../registers/trusted-accounts.js');
  const { withTrust: enrich } = await import('../policy/trust.js');
  const { register, problems } = await loadTrustRegister(trustRegisterSources(loadConfig(flags)));
  for (const p of problems) console.error(`warning: ${p.source} row ${p.row}: ${p.reason}`);
  const orgAccounts = orgAccountsIn(accountsFile ?? file);
  if (accountsFile && orgAccounts.size === 0) console.error(`warning: ${accountsFile}: no account records (objects with a 12-digit accountId): every trusted account reads as outside the organization`);
  return records.map((r) => (r.trustedAccounts !== undefined ? r : enrich(r, { orgAccounts, register })));
}
