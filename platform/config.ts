// The one configuration gate: flags win over CENSUS_* environment variables, which win over the config file
// (--config or CENSUS_CONFIG). Every command and Lambda handler gets its settings here; no other module reads
// process.env for a Census setting (the AWS SDK reads its own variables: AWS_REGION, AWS_ENDPOINT_URL, ...).
// examples/census.yaml documents every key; a test checks it names exactly the keys below.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseWith } from '../core/schemas.js';
import { KNOWN_AWS_ACCOUNTS_PATH } from '../data/index.js';
import { chooseLogFormat, configureLog } from './log.js';

const csv = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string()),
);
const int = z.coerce.number().int().positive();
const bool = z.preprocess((v) => (typeof v === 'string' ? ['true', '1', 'yes'].includes(v.trim().toLowerCase()) : v), z.boolean());

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
  /** Firehose delivery stream for the feed (AWS); unset: the processors write the feed straight to feedBucket */
  feedDeliveryStream: z.string().optional(),
  deadLetterBucket: z.string().default('census-dead-letter'),
  scorecardBucket: z.string().default('census-scorecards'),
  opensearchUrl: z.string().default('http://127.0.0.1:9250'),
  /** sign OpenSearch requests with SigV4 (Amazon OpenSearch Service) */
  opensearchSigv4: bool.default(false),
  indexPrefix: z.string().default('census'),
  catalog: z.string().optional(),
  exceptions: z.string().optional(),
  /** known-vendor register read before trustedAccounts; the vendored fwd:cloudsec list by default, `none` for no list */
  knownAccounts: z.string().default(KNOWN_AWS_ACCOUNTS_PATH),
  trustedAccounts: csv.default([]),
  /** salt of the hashes collectors keep in place of secret values (a deployment secret; without it only lengths are kept) */
  redactionSalt: z.string().min(16, 'redactionSalt: at least 16 characters').optional(),
  /** the collector a single-collector Lambda runs when the event names none (infra sets CENSUS_COLLECTOR) */
  collector: z.string().optional(),
  /** how long the processor Lambda keeps the registers and catalog before reading them again */
  registerTtlSeconds: int.default(300),
  concurrency: z
    .object({ overall: int.default(16), perAccount: int.default(4), perRegion: int.default(4) })
    .default({ overall: 16, perAccount: 4, perRegion: 4 }),
  /** attempts per AWS API call (adaptive retry mode) */
  awsMaxAttempts: int.default(8),
  sesFrom: z.string().default('census@example.com'),
  enterpriseRecipients: csv.default([]),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: JSON log lines when stderr is not a terminal (Lambda always logs JSON); plain otherwise */
  logFormat: z.enum(['plain', 'json']).default('plain'),
});
export type CensusConfig = z.infer<typeof CensusConfig>;

export const configKeys = () => Object.keys(CensusConfig.shape) as (keyof CensusConfig)[];

/** Environment variable for each top-level key: `payers` -> CENSUS_PAYERS. */
export const envName = (key: string) => `CENSUS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Edit distance, to suggest the key someone meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key` (case and separators ignored first), for "did you mean". */
export function closestKey(key: string, known: readonly string[] = configKeys()): string {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const exact = known.find((k) => norm(k) === norm(key));
  if (exact) return exact;
  return [...known].sort((a, b) => distance(norm(key), norm(a)) - distance(norm(key), norm(b)))[0]!;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of configKeys()) {
    const v = env[envName(key)];
    if (v === undefined || v === '') continue;
    try {
      out[key] = key === 'concurrency' ? JSON.parse(v) : v;
    } catch (err) {
      throw new Error(`${envName(key)}: not JSON (${(err as Error).message}); expected {"overall":16,"perAccount":4,"perRegion":4}`);
    }
  }
  return out;
}

/** Parse a config file's text (YAML, or JSON for .json): a mapping of known keys; an unknown key is an error naming it. */
export function parseConfigText(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`config file ${source}: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`config file ${source}: expected a mapping of settings`);
  const known = configKeys() as string[];
  for (const key of Object.keys(parsed)) {
    if (!known.includes(key)) throw new Error(`config file ${source}: unknown key "${key}" (did you mean "${closestKey(key)}"?)`);
  }
  return parsed as Record<string, unknown>;
}

function fromFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseConfigText(text, path);
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * Merge config file < environment < flags and validate. Flags are the command's options under their config key
 * names (`config` names the file); flags that are not settings are ignored. Applies the log settings, so a
 * handler that loads its configuration logs as configured.
 */
export function loadConfig(flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): CensusConfig {
  const configPath = (flags.config as string | undefined) ?? (env.CENSUS_CONFIG || undefined);
  const file = fromFile(configPath);
  const merged = { ...file, ...fromEnv(env), ...defined(flags) };
  const known = Object.fromEntries(Object.entries(merged).filter(([k]) => k in CensusConfig.shape));
  const config = parseWith(CensusConfig, known, `configuration${configPath ? ` (${configPath})` : ''}`);
  configureLog({
    // only a configured level: the default leaves a level a script or test set (the demo quiets to warn)
    level: 'logLevel' in known ? config.logLevel : undefined,
    format: chooseLogFormat({
      flag: flags.logFormat as 'plain' | 'json' | undefined,
      configured: config.logFormat,
      stderrIsTty: Boolean(process.stderr.isTTY),
      inLambda: Boolean(env.AWS_LAMBDA_FUNCTION_NAME),
    }),
  });
  loaded = config;
  return config;
}

let loaded: CensusConfig | undefined;

/**
 * Settings of the last loadConfig, for the few places that build things without a configuration in hand (every
 * AWS client's retry budget): the defaults until a command or handler has loaded its configuration.
 */
export function loadedSettings(): Pick<CensusConfig, 'awsMaxAttempts'> {
  return loaded ?? { awsMaxAttempts: 8 };
}

/** Trusted-accounts register sources in load order: the known-vendor list, then the organization's own registers (which win). */
export function trustRegisterSources(config: Pick<CensusConfig, 'knownAccounts' | 'trustedAccounts'>): string[] {
  return [...(config.knownAccounts === 'none' ? [] : [config.knownAccounts]), ...config.trustedAccounts];
}
