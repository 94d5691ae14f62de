// `census policy principals`, `census exceptions validate` and `census process` (the local consumer).
import { S3Client } from '@aws-sdk/client-s3';
import { Command, InvalidArgumentError, Option } from 'commander';
import { s3Config } from '../platform/aws.js';
import { loadConfig, trustRegisterSources } from '../platform/config.js';
import { loadCatalog } from '../standard/index.js';
import { MemoryCheckpoints, processStream, S3Checkpoints } from './consumer.js';
import { parseAccountList } from './enrich-account.js';
import { loadExceptionRegister, readSource } from '../registers/exceptions.js';
import { findPolicies, classifyAccount, type TrustContext } from '../policy/trust.js';
import { policyPrincipals, unionPrincipals } from '../policy/principals.js';
import { loadTrustRegister } from '../registers/trusted-accounts.js';

/** A policy file: JSON, a JSON string holding JSON, or URL-encoded JSON (as IAM returns it). */
export function parsePolicyText(text: string, source: string): unknown {
  const t = text.trim();
  if (!t) throw new Error(`${source}: the file is empty`);
  let value: unknown;
  try {
    value = JSON.parse(t.startsWith('%7B') || t.startsWith('%7b') ? decodeURIComponent(t) : t);
  } catch (err) {
    throw new Error(`${source}: not a JSON (or URL-encoded JSON) policy document: ${(err as Error).message}`);
  }
  // a policy serialized twice (a JSON string holding the document)
  if (typeof value === 'string') return parsePolicyText(value, source);
  return value;
}

export interface PrincipalsReport {
  source: string;
  policies: { path: string; accounts: (ReturnType<typeof classifyAccount> & { accountId: string; via: string })[]; public: boolean; organizations: string[]; services: string[]; federated: string[] }[];
  accounts: { accountId: string; via: string; classification: string; name: string | null; approved: boolean | null }[];
  public: boolean;
}

/** What every policy in a document grants; the document may be a policy, or a record/config holding policies. */
export function principalsReport(doc: unknown, source: string, ctx: TrustContext): PrincipalsReport {
  const isPolicy = typeof doc === 'object' && doc !== null && 'Statement' in doc;
  const found = isPolicy ? [{ path: '(document)', document: doc }] : findPolicies({ configuration: doc as Record<string, unknown>, supplementaryConfiguration: {} });
  if (!found.length) throw new Error(`${source}: no policy document found (an object with a Statement, as JSON, a JSON string or URL-encoded)`);
  const classify = (a: { accountId: string; via: string }) => ({ accountId: a.accountId, via: a.via, ...classifyAccount(a.accountId, ctx) });
  const policies = found.map((p) => {
    const r = policyPrincipals(p.document);
    return { path: p.path.replace(/^configuration\.?/, '') || '(document)', ...r, accounts: r.accounts.map(classify) };
  });
  const all = unionPrincipals(found.map((p) => policyPrincipals(p.document)));
  return { source, policies, accounts: all.accounts.map(classify), public: all.public };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerProcessorCommands(program: Command): void {
  const policy = program.command('policy').description('trust and resource policies');
  policy
    .command('principals')
    .description('print, as JSON, the AWS accounts a policy document lets in (Allow statements), and whether it is public')
    .argument('<file>', 'policy JSON (object, JSON string or URL-encoded), or any JSON holding policies (a resource record, a GetBucketPolicy output); - for stdin')
    .option('--trusted-accounts <file>', "the organization's trusted-accounts register (CSV/JSON/YAML); repeatable (default: CENSUS_TRUSTED_ACCOUNTS)", collect)
    .option('--known-accounts <file>', 'known-vendor list read first (default: the vendored fwd:cloudsec known_aws_accounts list; none: no list)')
    .option('--accounts <file>', 'the organization account list (JSON array of account records, as at state/accounts.json) to classify org accounts')
    .addHelpText(
      'after',
      `
Examples:
  census policy principals bucket-policy.json
  aws iam get-role --role-name x --query Role.AssumeRolePolicyDocument | census policy principals -
  census policy principals role.json --trusted-accounts our-vendors.csv --accounts accounts.json`,
    )
    .action(async (file: string, opts: { trustedAccounts?: string[]; knownAccounts?: string; accounts?: string }) => {
      const text = file === '-' ? await readStdin() : (await readSource(file)).toString('utf8');
      const doc = parsePolicyText(text, file === '-' ? 'stdin' : file);
      const config = loadConfig({ ...program.opts(), trustedAccounts: opts.trustedAccounts, knownAccounts: opts.knownAccounts });
      const { register, problems } = await loadTrustRegister(trustRegisterSources(config));
      for (const p of problems) console.error(`warning: ${p.source} row ${p.row}: ${p.reason}`);
      const orgAccounts = new Map<string, { name: string | null }>();
      if (opts.accounts) {
        const list = parseAccountList(parsePolicyText((await readSource(opts.accounts)).toString('utf8'), opts.accounts), opts.accounts);
        for (const p of list.problems) console.error(`warning: ${p}`);
        for (const a of list.accounts.values()) orgAccounts.set(a.accountId, { name: a.name });
      }
      console.log(JSON.stringify(principalsReport(doc, file, { orgAccounts, register }), null, 2));
    });

  const exceptions = program.command('exceptions').description('the risk-acceptance register');
  exceptions
    .command('validate')
    .description('check a risk register (CSV, JSON or XLSX; local file or s3:// URL) and report broken rows by row number')
    .argument('<file>', 'the register: columns exceptionId, accountId, requirementId, resourceId, reason, approvedBy, expiresAt')
    .option('--catalog <file>', 'requirements catalog whose IDs the register may name (default: the configured or built-in catalog)')
    .option('--no-catalog', 'accept any requirementId')
    .option('--json', 'print the report as JSON')
    .option('--as-of <date>', 'report which entries are expired on this day (YYYY-MM-DD, default today)', (v: string) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InvalidArgumentError('use YYYY-MM-DD');
      return v;
    })
    .addHelpText(
      'after',
      `
Exit status: 0 when every row is valid, 1 when some rows are broken (they are skipped; the good rows still apply).

Examples:
  census exceptions validate register.xlsx
  census exceptions validate s3://census-config/exceptions.csv --json`,
    )
    .action(async (file: string, opts: { catalog: string | boolean; json?: boolean; asOf?: string }) => {
      const config = loadConfig(program.opts());
      const knownRequirementIds = opts.catalog === false ? undefined : loadCatalog(typeof opts.catalog === 'string' ? opts.catalog : config.catalog).requirements.map((r) => r.id);
      const { entries, problems } = await loadExceptionRegister(file, { knownRequirementIds });
      const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
      const expired = entries.filter((e) => e.expiresAt < asOf).map((e) => e.exceptionId);
      if (opts.json) {
        console.log(JSON.stringify({ source: file, valid: entries.length, broken: problems.length, expired, problems }, null, 2));
      } else {
        console.log(`${file}: ${entries.length} valid entries, ${problems.length} broken rows, ${expired.length} expired as of ${asOf}`);
        for (const p of problems) console.log(`  row ${p.row}: ${p.reason}`);
        if (expired.length) console.log(`  expired (shown on findings, no credit): ${expired.join(', ')}`);
      }
      // exit status 1 (main prints this line on stderr): scripts can gate on a clean register
      if (problems.length) throw new Error(`${file}: ${problems.length} broken rows (skipped; the ${entries.length} valid entries still apply)`);
    });

  program
    .command('process')
    .description('run the stream processor locally: read every shard of the record stream and land it in S3 and OpenSearch')
    .option('--stream <name>', 'Kinesis stream (default: configured streamName)')
    .addOption(new Option('--until <mode>', 'stop when the stream is drained, or keep polling').choices(['drained', 'forever']).default('drained'))
    .option('--checkpoint <s3url>', 'keep checkpoints in this S3 object (s3://bucket/key) so a restart resumes; default in memory')
    .addHelpText('after', '\nExamples:\n  census process --until drained\n  census process --stream census-records --checkpoint s3://census-feed/checkpoints/census-records.json --until forever')
    .action(async (opts: { stream?: string; until: 'drained' | 'forever'; checkpoint?: string }) => {
      const config = loadConfig(program.opts());
      const m = opts.checkpoint ? /^s3:\/\/([^/]+)\/(.+)$/.exec(opts.checkpoint) : null;
      if (opts.checkpoint && !m) throw new Error(`--checkpoint: "${opts.checkpoint}" is not an s3://bucket/key URL`);
      const checkpoints = m ? new S3Checkpoints(new S3Client(s3Config()), m[1]!, m[2]!) : new MemoryCheckpoints();
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const stats = await processStream(config, {
        refresh: false,
        accountListMaxAgeMs: 60_000,
        streamName: opts.stream ?? config.streamName,
        until: opts.until,
        checkpoints,
        signal: abort.signal,
        onBatch: (shardId, r) => console.error(`${shardId}: ${r.received} records, ${r.landed} landed, ${r.deadLettered} dead-lettered, ${r.failures.length} to retry`),
      });
      console.log(JSON.stringify(stats, null, 2));
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
