// `census score` (offline folder or the deployed job run locally) and `census scorecards deliver`.
// Registration imports only commander and the output kit; each action loads what it uses.
import { Command, Option } from 'commander';
import { EXIT_CODES, outputOption, outputOf, parse, printData, UsageError } from '../platform/output.js';

const today = () => new Date().toISOString().slice(0, 10);
const asOfOption = parse.day;
const runAtOption = parse.timestamp;

const pct = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : `${(s * 100).toFixed(1)}%`);

export function registerScoringCommands(program: Command): void {
  program
    .command('score')
    .description('compute account, owner, executive and enterprise scores and write the scorecards')
    .option('--input <dir>', 'offline: folder with accounts.json, requirements.json or catalog YAML, findings.ndjson, exceptions.csv|json|xlsx')
    .option('--out <dir>', 'offline: output folder for scores.ndjson, the workbooks and manifest.json', 'out/scores')
    .option('--live', 'run the deployed job: findings from OpenSearch, accounts and register from S3, scores indexed and fed to S3')
    .addOption(new Option('--as-of <date>', 'as-of date (YYYY-MM-DD): exceptions are judged active on this day').argParser(asOfOption))
    .addOption(new Option('--run-at <timestamp>', "the run's timestamp recorded on every score (default: now)").argParser(runAtOption))
    .option('--no-workbooks', 'write the score records only')
    .addOption(
      new Option('--snapshot <when>', "live: the day's full feed snapshot (feed/snapshot/dt=DAY/): written by the day's first run, written again, or not")
        .choices(['daily', 'force', 'off'])
        .default('daily'),
    )
    .option('--previous <path>', 'offline: earlier score records (a scores.ndjson, or a folder of earlier runs) for the change since the previous run, 7 and 30 days')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
${EXIT_CODES}.

Examples:
  census score --input test/fixtures/scoring/offline --as-of 2026-11-24 --out out/scores
  census score --input in/ --as-of 2026-12-01 --out out/2026-12-01 --previous out/   # trends against earlier runs
  census score --live --as-of 2026-11-24          # what the hourly job does, against the configured stack
  census score --live --snapshot force            # ... and write today's full feed snapshot again`,
    )
    .action(async (opts: { input?: string; out: string; live?: boolean; asOf?: string; runAt?: string; workbooks: boolean; snapshot: 'daily' | 'force' | 'off'; output: string; previous?: string }) => {
      const { loadConfig } = await import('../platform/config.js');
      const asOf = opts.asOf ?? today();
      const runAt = opts.runAt ?? new Date().toISOString();
      if (Boolean(opts.input) === Boolean(opts.live)) throw new UsageError('give either --input DIR (offline) or --live (the deployed job)');
      if (opts.previous && opts.live) throw new UsageError('--previous is for offline runs; the deployed job reads the score history in OpenSearch');
      if (opts.live) {
        const { runScoringJob } = await import('./job.js');
        const summary = await runScoringJob(loadConfig(program.opts()), { asOf, runAt, workbooks: opts.workbooks, snapshot: opts.snapshot });
        printData(outputOf(opts), summary, () => Object.entries(summary).map(([k, v]) => `${k.padEnd(20)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
        return;
      }
      loadConfig(program.opts());
      const { describeWarnings, scoreFolder, writeRunOutputs } = await import('./offline.js');
      const run = await scoreFolder(opts.input!, { asOf, runAt, ...(opts.previous ? { previous: opts.previous } : {}) });
      for (const line of describeWarnings(run)) console.error(`warning: ${line}`);
      const { scoresFile, manifest } = await writeRunOutputs(run, opts.out, { workbooks: opts.workbooks });
      const enterprise = run.scores.find((s) => s.scope === 'enterprise');
      const result = { asOf, accounts: run.accounts.length, requirements: run.requirements.length, scores: run.scores, scoresFile, workbooks: manifest ?? null };
      printData(
        outputOf(opts),
        result,
        () =>
          [
            `scored ${run.accounts.length} account(s) × ${run.requirements.length} requirement(s) as of ${asOf}: enterprise ${pct(enterprise?.score)}`,
            ...run.scores.filter((s) => s.scope === 'owner').map((o) => `  ${o.owner}: ${pct(o.score)}`),
            `wrote ${run.scores.length} score records to ${scoresFile}`,
            ...(manifest ? [`wrote ${manifest.owners.length} owner workbook(s) and ${manifest.enterprise.file} to ${opts.out}`] : []),
          ].join('\n'),
        run.scores,
      );
    });

  const scorecards = program.command('scorecards').description('deliver the scorecards of a scoring run');
  scorecards
    .command('deliver')
    .description('mail each owner their workbook and the enterprise workbook to the configured list, through SES (raw MIME)')
    .option('--dir <dir>', 'scorecards written by `census score --input ... --out DIR` (default: the scorecard bucket in S3)')
    .addOption(new Option('--as-of <date>', 'the run date whose scorecards to send (S3 source)').argParser(asOfOption))
    .option('--from <address>', 'sender (an SES-verified identity; default: sesFrom from the configuration)')
    .option('--to <addresses>', 'recipients of the enterprise workbook, comma-separated (default: enterpriseRecipients)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      `
Exit status: 0 every mail sent or skipped, 1 a mail failed, 2 usage error.

Examples:
  census scorecards deliver --dir out/scores --from census@example.com --to ciso@example.com
  census scorecards deliver --as-of 2026-11-24     # from s3://<scorecardBucket>/scorecards/2026-11-24/`,
    )
    .action(async (opts: { dir?: string; asOf?: string; from?: string; to?: string; output: string }) => {
      const { loadConfig } = await import('../platform/config.js');
      const { deliverScorecards } = await import('./deliver.js');
      const { S3Client } = await import('@aws-sdk/client-s3');
      const { s3Config } = await import('../platform/aws.js');
      const { s3Keys } = await import('../core/indexes.js');
      const config = loadConfig({ ...program.opts(), sesFrom: opts.from, enterpriseRecipients: opts.to });
      const asOf = opts.asOf ?? today();
      const source = opts.dir ? { dir: opts.dir } : { s3: new S3Client(s3Config()), bucket: config.scorecardBucket, asOf };
      const location = opts.dir ?? `s3://${config.scorecardBucket}/${s3Keys.scorecards(asOf)}`;
      const results = await deliverScorecards({ source, from: config.sesFrom, enterpriseRecipients: config.enterpriseRecipients, location });
      printData(outputOf(opts), results, () => results.map((r) => `${r.status.padEnd(11)} ${r.file} -> ${r.to.join(', ') || '(nobody)'}${r.reason ? `: ${r.reason}` : ''}`).join('\n'));
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length) throw new Error(`${failed.length} scorecard mail(s) failed`);
    });
}
