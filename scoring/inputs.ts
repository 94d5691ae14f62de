// Scoring inputs: the account list, the requirements, the findings file and the register, from an
// offline folder or from S3. Bad entries are reported with their position and skipped; the rest go on.
import { createReadStream, existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { AccountRecord, FindingRecord, ResourceRecord, Severity, SchemaError, parseWith, type ExceptionEntry } from '../core/schemas.js';
import { loadExceptionRegister } from '../registers/exceptions.js';
import { readLocalTextSync, readSource } from '../platform/files.js';
import { loadCatalog } from '../standard/index.js';
import { GoneResources, ScoringAccount, type ScoringRequirement } from './score.js';
import type { S3Client } from '@aws-sdk/client-s3';

export interface InputProblem {
  source: string;
  /** 1-based line (NDJSON) or array item (JSON), 0 when the problem is the whole source */
  at: number;
  reason: string;
}

/** An entry of the account list: a full AccountRecord (the collector's state file) or the offline shape. */
export function parseAccountList(doc: unknown, source: string): { accounts: ScoringAccount[]; problems: InputProblem[] } {
  const list = Array.isArray(doc) ? doc : (doc as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) throw new Error(`${source}: expected a JSON array of accounts`);
  const accounts: ScoringAccount[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  list.forEach((item, i) => {
    try {
      const isRecord = typeof item === 'object' && item !== null && (item as { recordType?: unknown }).recordType === 'account';
      const a = isRecord ? parseWith(AccountRecord, item) : parseWith(ScoringAccount, item, `account #${i + 1}`);
      if (seen.has(a.accountId)) throw new Error(`account ${a.accountId} is listed twice; the first entry is used`);
      seen.add(a.accountId);
      accounts.push({ accountId: a.accountId, name: a.name, owner: a.owner, executive: a.executive, spend: a.spend, ...('leftAt' in a && a.leftAt ? { leftAt: a.leftAt } : {}) });
    } catch (err) {
      problems.push({ source, at: i + 1, reason: (err as Error).message });
    }
  });
  return { accounts, problems };
}

export async function loadAccounts(source: string, s3?: S3Client): Promise<{ accounts: ScoringAccount[]; problems: InputProblem[] }> {
  const bytes = await readSource(source, s3);
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${(err as Error).message}`);
  }
  return parseAccountList(doc, source);
}

const RequirementEntry = z.object({
  id: z.string().min(1),
  title: z.string().default(''),
  severity: Severity.or(z.string()).default('medium'),
  weight: z.number().nonnegative(),
  remediation: z.string().optional(),
});

/** `requirements.json` ([{id, title, severity, weight}]) or a catalog YAML read through the standard's loader. */
export function loadRequirements(path?: string): ScoringRequirement[] {
  if (path?.endsWith('.json')) {
    const text = readLocalTextSync(path);
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path}: not valid JSON: ${(err as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { requirements?: unknown } | null)?.requirements;
    if (!Array.isArray(list)) throw new Error(`${path}: expected a JSON array of requirements`);
    const out = list.map((r, i) => parseWith(RequirementEntry, r, `${path}: requirement #${i + 1}`));
    const dup = out.find((r, i) => out.findIndex((o) => o.id === r.id) !== i);
    if (dup) throw new Error(`${path}: requirement ${dup.id} is listed twice`);
    return out;
  }
  const catalog = loadCatalog(path);
  return catalog.requirements.map((r) => ({
    id: r.id,
    title: r.title,
    severity: r.severity,
    weight: r.weight,
    remediation: r.remediation,
  }));
}

/**
 * Stream the records of an NDJSON file through `parse`; a line that is not JSON or that `parse` rejects
 * is reported (file, line, reason) and skipped.
 */
export async function* readNdjson<T>(path: string, problems: InputProblem[], parse: (value: unknown) => T): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    try {
      yield parse(JSON.parse(line));
    } catch (err) {
      const reason = err instanceof SchemaError ? err.message : `not valid JSON: ${(err as Error).message}`;
      problems.push({ source: path, at: n, reason });
    }
  }
}

/** Stream FindingRecords from an NDJSON file; a line that breaks the schema is reported and skipped. */
export function readFindings(path: string, problems: InputProblem[]): AsyncGenerator<FindingRecord> {
  return readNdjson(path, problems, (v) => parseWith(FindingRecord, v));
}

/**
 * What the offline folder says is gone: `resources.ndjson` (ResourceRecords; those marked
 * `ResourceDeleted` count, at their `deletedAt` or capture time) and accounts with `leftAt`.
 */
export async function readGone(path: string | undefined, accounts: ScoringAccount[], problems: InputProblem[]): Promise<GoneResources> {
  const gone = new GoneResources();
  for (const a of accounts) if (a.leftAt) gone.addDepartedAccount(a.accountId, a.leftAt);
  if (!path) return gone;
  // deletion markers carry `deletedAt` beside the record (opensearch/deleted.ts), which the schema does not keep
  const records = readNdjson(path, problems, (v) => ({ record: parseWith(ResourceRecord, v), deletedAt: (v as { deletedAt?: unknown }).deletedAt }));
  for await (const { record: r, deletedAt } of records) {
    if (r.configurationItemStatus !== 'ResourceDeleted') continue;
    const at = typeof deletedAt === 'string' && !Number.isNaN(Date.parse(deletedAt)) ? deletedAt : r.configurationItemCaptureTime;
    gone.addDeletedResource({ accountId: r.awsAccountId, region: r.awsRegion, resourceType: r.resourceType, resourceId: r.resourceId, resourceArn: r.arn }, at);
  }
  return gone;
}

export async function loadRegister(source: string | undefined, requirements: ScoringRequirement[], s3?: S3Client): Promise<{ entries: ExceptionEntry[]; problems: InputProblem[] }> {
  if (!source) return { entries: [], problems: [] };
  const register = await loadExceptionRegister(source, { knownRequirementIds: requirements.map((r) => r.id), s3 });
  return { entries: register.entries, problems: register.problems.map((p) => ({ source, at: p.row, reason: p.reason })) };
}

export interface OfflineFolder {
  accounts: string;
  requirements?: string;
  findings: string;
  exceptions?: string;
  /** resource states, for deletion markers */
  resources?: string;
}

/** Locate the inputs of `census score --input DIR`; missing required files are named in the error. */
export async function locateInputs(dir: string): Promise<OfflineFolder> {
  if (!existsSync(dir)) throw new Error(`input folder ${dir} does not exist`);
  const names = await readdir(dir);
  const pick = (...candidates: string[]) => candidates.find((c) => names.includes(c));
  const accounts = pick('accounts.json');
  const findings = pick('findings.ndjson', 'findings.jsonl');
  const missing = [!accounts && 'accounts.json', !findings && 'findings.ndjson'].filter(Boolean);
  if (missing.length) throw new Error(`input folder ${dir} has no ${missing.join(' and no ')}`);
  const requirements = pick('requirements.json', 'catalog.yaml', 'catalog.yml', 'requirements.yaml', 'requirements.yml');
  const exceptions = pick('exceptions.csv', 'exceptions.json', 'exceptions.xlsx');
  const resources = pick('resources.ndjson', 'resources.jsonl');
  return {
    accounts: join(dir, accounts!),
    findings: join(dir, findings!),
    ...(requirements ? { requirements: join(dir, requirements) } : {}),
    ...(exceptions ? { exceptions: join(dir, exceptions) } : {}),
    ...(resources ? { resources: join(dir, resources) } : {}),
  };
}
