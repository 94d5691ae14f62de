// Census configuration: flags win over environment variables, which win over the config file.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseWith } from '../core/schemas.js';
import { KNOWN_AWS_ACCOUNTS_PATH } from '../data/index.js';

const csv = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string()),
);
const int = z.coerce.number().int().positive();

export const CensusConfig = z.object({
  payers: csv.default([]),
  auditRole: z.string().default('CensusAudit'),
  externalId: z.string().optional(),
  /** empty: every region enabled for the account */
  regions: csv.default([]),
  ownerTagKey: z.string().default('owner'),
  executiveTagKey: z.string().default('executive'),
  streamName: z.string().default('census-records'),
  feedBucket: z.string().default('census-feed'),
  deadLetterBucket: z.string().default('census-dead-letter'),
  scorecardBucket: z.string().default('census-scorecards'),
  opensearchUrl: z.string().default('http://127.0.0.1:9250'),
  indexPrefix: z.string().default('census'),
  catalog: z.string().optional(),
  exceptions: z.string().optional(),
  /** known-vendor register read before trustedAccounts; the vendored fwd:cloudsec list by default, `none` for no list */
  knownAccounts: z.string().default(KNOWN_AWS_ACCOUNTS_PATH),
  trustedAccounts: csv.default([]),
  /** salt of the hashes collectors keep in place of secret values (a deployment secret; without it only lengths are kept) */
  redactionSalt: z.string().min(16, 'redactionSalt: at least 16 characters').optional(),
  concurrency: z
    .object({ overall: int.default(16), perAccount: int.default(4), perRegion: int.default(4) })
    .default({ overall: 16, perAccount: 4, perRegion: 4 }),
  sesFrom: z.string().default('census@example.com'),
  enterpriseRecipients: csv.default([]),
});
export type CensusConfig = z.infer<typeof CensusConfig>;

/** Environment variable for each top-level key: `payers` -> CENSUS_PAYERS. */
const envName = (key: string) => `CENSUS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(CensusConfig.shape)) {
    const v = env[envName(key)];
    if (v !== undefined && v !== '') out[key] = key === 'concurrency' ? JSON.parse(v) : v;
  }
  return out;
}

function fromFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  const parsed: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`config file ${path}: expected a mapping`);
  return parsed as Record<string, unknown>;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Merge config file < environment < flags and validate. */
export function loadConfig(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): CensusConfig {
  const configPath = (flags.config as string | undefined) ?? env.CENSUS_CONFIG;
  const file = fromFile(configPath);
  const merged = { ...file, ...fromEnv(env), ...defined(flags) };
  delete merged.config;
  const known = Object.fromEntries(Object.entries(merged).filter(([k]) => k in CensusConfig.shape));
  return parseWith(CensusConfig, known, `configuration${configPath ? ` (${configPath})` : ''}`);
}

/** Trusted-accounts register sources in load order: the known-vendor list, then the organization's own registers (which win). */
export function trustRegisterSources(config: Pick<CensusConfig, 'knownAccounts' | 'trustedAccounts'>): string[] {
  return [...(config.knownAccounts === 'none' ? [] : [config.knownAccounts]), ...config.trustedAccounts];
}
