// `census policy principals`, `census exceptions validate` and `census process` (the local consumer).
// Registration imports only commander and the pure policy readers; each action loads what it uses.
import { Command, Option } from 'commander';
// type only: the policy engine loads when a policy command runs, not when commands register
import type { PrincipalsReport } from '../policy/report.js';
import { EXIT_CODES, formatTable, legacyJsonOption, outputOf, outputOption, parse, printData, UsageError } from '../platform/output.js';

/** People's view of the report: the verdict, one row per statement with its reason, then the accounts let in. */
export function principalsTable(report: PrincipalsReport): string {
  const head = `${report.source}: ${report.policies.length} polic${report.policies.length === 1 ? 'y' : 'ies'}, ${report.verdict.toUpperCase()}`;
  const statements = formatTable(
    ['POLICY', 'STATEMENT', 'VERDICT', 'PRINCIPALS', 'CONDITION', 'REASON'],
    report.statements.map((s) => [s.policy, s.sid ?? `#${s.statement + 1}`, s.verdict, s.principals.join(' ') || '-', s.condition ?? '-', s.reason]),
    80,
  );
  const rows = report.accounts.map((a) => [a.accountId, a.classification, a.name ?? '', a.approved === null ? '' : a.approved ? 'yes' : 'no', a.via]);
  const accounts = rows.length ? formatTable(['ACCOUNT', 'CLASSIFICATION', 'NAME', 'APPROVED', 'VIA'], rows) : 'no AWS account is let in';
  return `${head}\n\n${statements}\n\n${accounts}`;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerProcessorCommands(program: Command): void {
  registerRedriveCommand(program);
  const policy = program.command('policy').description('trust and resource policies');
  policy
    .command('principals')
    .description('print each statement of a policy document with its verdict (public, network-, org-, account-, service-restricted, not-granted, undecided) and reason, and the AWS accounts it lets in, classified org/known/unknown')
    .argument('<file>', 'policy JSON (object, JSON string or URL-encoded), or any JSON holding policies (a resource record, a GetBucketPolicy output); - for stdin')
    .option('--trusted-accounts <file>', "the organization's trusted-accounts register (CSV/JSON/YAML); repeatable (default: CENSUS_TRUSTED_ACCOUNTS)", collect)
    .option('--known-accounts <file>', 'known-vendor list read first (default: the vendored fwd:cloudsec known_aws_accounts list; none: no list)')
    .option('--accounts <file>', 'the organization account list (JSON array of account records, as at state/accounts.json) to classify org accounts')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
${EXIT_CODES}.

Examples:
  census policy principals bucket-policy.json
  aws iam get-role --role-name x --query Role.AssumeRolePolicyDocument | census policy principals -
  census policy principals role.json --trusted-accounts our-vendors.csv --accounts accounts.json --output json`,
    )
    .action(async (file: string, opts: { trustedAccounts?: string[]; knownAccounts?: string; accounts?: string; output: string }) => {
      const { readSource } = await import('../platform/files.js');
      const { parsePolicyText, principalsReport } = await import('../policy/report.js');
      const { loadConfig, trustRegisterSources } = await import('../platform/config.js');
      const { loadTrustRegister } = await import('../registers/trusted-accounts.js');
      const text = file === '-' ? await readStdin() : (await readSource(file)).toString('utf8');
      const doc = parsePolicyText(text, file === '-' ? 'stdin' : file);
      const config = loadConfig({ ...program.opts(), trustedAccounts: opts.trustedAccounts, knownAccounts: opts.knownAccounts });
      const { register, problems } = await loadTrustRegister(trustRegisterSources(config));
      for (const p of problems) console.error(`warning: ${p.source} row ${p.row}: ${p.reason}`);
      const orgAccounts = new Map<string, { name: string | null }>();
      if (opts.accounts) {
        const { parseAccountList } = await import('./enrich-account.js');
        const list = parseAccountList(parsePolicyText((await readSource(opts.accounts)).toString('utf8'), opts.accounts), opts.accounts);
        for (const p of list.problems) console.error(`warning: ${p}`);
        for (const a of list.accounts.values()) orgAccounts.set(a.accountId, { name: a.name });
      }
      const report = principalsReport(doc, file, { orgAccounts, register });
      printData(outputOf(opts), report, () => principalsTable(report), report.accounts);
    });

  const exceptions = program.command('exceptions').description('the risk-acceptance register');
  exceptions
    .command('validate')
    .description('check a risk register (CSV, JSON or XLSX; local file or s3:// URL) and report broken rows by row number')
    .argument('<file>', 'the register: columns exceptionId, accountId, requirementId, resourceId, reason, approvedBy, expiresAt')
    .option('--catalog <file>', 'requirements catalog whose IDs the register may name (default: the configured or built-in catalog)')
    .option('--no-catalog', 'accept any requirementId')
    .option('--findings <file>', 'findings (NDJSON) to check the entries against: a bare resource id that matches resources in several regions or of several types is ambiguous and applies to none')
    .addOption(outputOption())
    .addOption(legacyJsonOption())
    .option('--as-of <date>', 'report which entries are expired on this day (YYYY-MM-DD, default today)', parse.day)
    .addHelpText(
      'after',
      `
Exit status: 0 when every row is valid, 1 when some rows are broken (they are skipped; the good rows still apply)
or, with --findings, some entries are ambiguous, 2 usage error.

Examples:
  census exceptions validate register.xlsx
  census exceptions validate register.csv --findings findings.ndjson
  census exceptions validate s3://census-config/exceptions.csv --output json`,
    )
    .action(async (file: string, opts: { catalog: string | boolean; json?: boolean; output: string; asOf?: string; findings?: string }) => {
      const { loadConfig } = await import('../platform/config.js');
      const { loadCatalog } = await import('../standard/index.js');
      const { loadExceptionRegister } = await import('../registers/exceptions.js');
      const config = loadConfig({ ...program.opts(), catalog: typeof opts.catalog === 'string' ? opts.catalog : undefined });
      const knownRequirementIds = opts.catalog === false ? undefined : loadCatalog(config.catalog).requirements.map((r) => r.id);
      const { entries, problems } = await loadExceptionRegister(file, { knownRequirementIds });
      const asOf = opts.asOf ?? new Date().toISOString().slice(0, 10);
      const expired = entries.filter((e) => e.expiresAt < asOf).map((e) => e.exceptionId);
      // which resources a bare id names can only be told against the evaluated resources (core/exceptions.ts)
      let ambiguous: import('../core/exceptions.js').AmbiguousException[] = [];
      if (opts.findings) {
        const { ambiguousExceptions } = await import('../core/exceptions.js');
        const { readFindings } = await import('../scoring/inputs.js');
        const skipped: { source: string; at: number; reason: string }[] = [];
        const seen: import('../core/schemas.js').FindingRecord[] = [];
        for await (const f of readFindings(opts.findings, skipped)) seen.push(f);
        for (const p of skipped) console.error(`warning: ${p.source} line ${p.at}: ${p.reason}`);
        ambiguous = ambiguousExceptions(entries, seen);
      }
      const report = { source: file, valid: entries.length, broken: problems.length, expired, problems, ambiguous };
      printData(outputOf(opts), report, () =>
        [
          `${file}: ${entries.length} valid entries, ${problems.length} broken rows, ${expired.length} expired as of ${asOf}`,
          ...problems.map((p) => `  row ${p.row}: ${p.reason}`),
          ...(expired.length ? [`  expired (shown on findings, no credit): ${expired.join(', ')}`] : []),
          ...ambiguous.map((a) => `  ambiguous ${a.exceptionId}: "${a.resourceId}" matches ${a.matches.length} resources (${a.matches.join('; ')}); it applies to none until it names the ARN`),
        ].join('\n'),
        problems,
      );
      // exit status 1 (main prints this line on stderr): scripts can gate on a clean register
      if (problems.length) throw new Error(`${file}: ${problems.length} broken rows (skipped; the ${entries.length} valid entries still apply)`);
      if (ambiguous.length) throw new Error(`${file}: ${ambiguous.length} ambiguous entries (they apply to no resource): ${ambiguous.map((a) => a.exceptionId).join(', ')}`);
    });

  program
    .command('process')
    .description('run the stream processor locally: read every shard of the record stream and land it in S3 and OpenSearch')
    .option('--stream <name>', 'Kinesis stream (default: configured streamName)')
    .addOption(new Option('--until <mode>', 'stop when the stream is drained, or keep polling').choices(['drained', 'forever']).default('drained'))
    .option('--checkpoint <location>', 'where the checkpoint is kept so a restart resumes: s3://bucket/key or a file (default: s3://<feed bucket>/checkpoints/<stream>.json)')
    .option('--batch-size <n>', 'records per GetRecords call (default 500)', parse.positiveInt)
    .option('--max-attempts <n>', 'attempts per batch before giving up (default: without end with --until forever, 5 with drained)', parse.positiveInt)
    .option('--max-inflated-bytes <n>', 'a gzip record may inflate to at most this many bytes before it is dead-lettered (default 8388608)', parse.positiveInt)
    .option('--future-allowance <seconds>', 'how far past now a record time may lie before it is dead-lettered (default 3600; the earliest is 2006-01-01)', parse.positiveInt)
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\n${EXIT_CODES}.\n` +
        '\nWith --until forever the consumer never gives up on a transient failure (OpenSearch, S3 or Kinesis unreachable): it keeps its checkpoint, logs what it waits for and goes on when the service is back.' +
        '\n\nExamples:\n  census process --until drained\n  census process --stream census-records --checkpoint s3://census-feed/checkpoints/census-records.json --until forever\n  census process --checkpoint ./census-checkpoint.json',
    )
    .action(async (opts: { stream?: string; until: 'drained' | 'forever'; checkpoint?: string; batchSize?: number; maxAttempts?: number; maxInflatedBytes?: number; futureAllowance?: number; output: string }) => {
      const { S3Client } = await import('@aws-sdk/client-s3');
      const { s3Config } = await import('../platform/aws.js');
      const { loadConfig } = await import('../platform/config.js');
      const { checkpointsAt, defaultCheckpointKey, processStream } = await import('./consumer.js');
      const { DEFAULT_TIME_BOUNDS } = await import('../core/records.js');
      const config = loadConfig({ ...program.opts(), streamName: opts.stream });
      if (opts.checkpoint !== undefined && !opts.checkpoint.trim()) throw new UsageError('--checkpoint: give s3://bucket/key or a file path');
      const checkpoints = checkpointsAt(opts.checkpoint ?? `s3://${config.feedBucket}/${defaultCheckpointKey(config.streamName)}`, new S3Client(s3Config()));
      const abort = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());
      const stats = await processStream(config, {
        refresh: false,
        accountListMaxAgeMs: 60_000,
        streamName: config.streamName,
        until: opts.until,
        checkpoints,
        maxAttempts: opts.maxAttempts,
        batchSize: opts.batchSize,
        limits: {
          maxInflatedBytes: opts.maxInflatedBytes,
          ...(opts.futureAllowance ? { timeBounds: { ...DEFAULT_TIME_BOUNDS, futureAllowanceMs: opts.futureAllowance * 1000 } } : {}),
        },
        signal: abort.signal,
        onBatch: (shardId, r) =>
          console.error(`${shardId}: ${r.received} records, ${r.landed} landed, ${r.unchanged} unchanged (${r.recalled} without deriving again), ${r.deadLettered} dead-lettered, ${r.failures.length} to retry`),
      });
      printData(outputOf(opts), stats, () => Object.entries(stats).map(([k, v]) => `${k.padEnd(20)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
    });
}

export function registerRedriveCommand(program: Command): void {
  program
    .command('redrive')
    .description("process again the stream batches the processor Lambda gave up on, from its on-failure queue, while the stream still holds them")
    .requiredOption('--queue <url>', 'the processor-failures SQS queue (stack output ProcessorFailuresQueueUrl)')
    .option('--max-messages <n>', 'stop after this many messages (default: until the queue is empty)', parse.positiveInt)
    .option('--batch-size <n>', 'records per processing batch (default 500, as the Lambda)', parse.positiveInt)
    .addOption(outputOption())
    .addHelpText(
      'after',
      `\n${EXIT_CODES}: 1 also when a batch failed again, describes no batch or has left the stream (each is named on stderr and stays in the queue).\n` +
        '\nA message is deleted only once every record of its batch landed or was dead-lettered; a batch processed before changes nothing when redriven.' +
        '\n\nExample:\n  census redrive --queue https://sqs.eu-west-1.amazonaws.com/111122223333/census-processor-failures',
    )
    .action(async (opts: { queue: string; maxMessages?: number; batchSize?: number; output: string }) => {
      const { KinesisClient } = await import('@aws-sdk/client-kinesis');
      const { SQSClient } = await import('@aws-sdk/client-sqs');
      const { clientConfig } = await import('../platform/aws.js');
      const { loadConfig } = await import('../platform/config.js');
      const { processorDeps } = await import('./deps.js');
      const { redriveFailures } = await import('./redrive.js');
      const config = loadConfig(program.opts());
      const stats = await redriveFailures({
        sqs: new SQSClient(clientConfig()),
        kinesis: new KinesisClient(clientConfig()),
        queueUrl: opts.queue,
        deps: await processorDeps(config, { refresh: false, accountListMaxAgeMs: 60_000 }),
        batchSize: opts.batchSize,
        maxMessages: opts.maxMessages,
      });
      printData(outputOf(opts), stats, () => Object.entries(stats).map(([k, v]) => `${k.padEnd(14)} ${String(v)}`).join('\n'));
      const left = stats.stillFailing + stats.unreadable + stats.expired;
      if (left) throw new Error(`${left} of ${stats.messages} messages stay in the queue: ${stats.stillFailing} failed again, ${stats.unreadable} describe no batch, ${stats.expired} left the stream`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
