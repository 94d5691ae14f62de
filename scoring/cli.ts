// `census score` (offline folder or the deployed job run locally) and `census scorecards deliver`.
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../platform/config.js';
import { asOfInstant } from './score.js';
import { describeWarnings, scoreFolder, writeRunOutputs } from './offline.js';
import { runScoringJob } from './job.js';
import { deliverScorecards } from './deliver.js';
import { S3Client } from '@aws-sdk/client-s3';
import { s3Config } from '../platform/aws.js';
import { s3Keys } from '../core/indexes.js';

const today = () => new Date().toISOString().slice(0, 10);

function asOfOption(value: string): string {
  try {
    asOfInstant(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return value;
}

function runAtOption(value: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${value}" is not an ISO timestamp`);
  return d.toISOString();
}

const pct = (s: number | null | undefined) => (s === null || s === undefined ? 'n/a' : `${(s * 100).toFixed(1)}%`);

export function registerScoringCommands(program: Command): void {
  const score = program
    .command('score')
    .description('compute account, owner, executive and enterprise scores and write the scorecards')
    .option('--input <dir>', 'offline: folder with accounts.json, requirements.json or catalog YAML, findings.ndjson, exceptions.csv|json|xlsx')
    .option('--out <dir>', 'offline: output folder for scores.ndjson, the workbooks and manifest.json', 'out/scores')
    .option('--live', 'run the deployed job: findings from OpenSearch, accounts and register from S3, scores indexed and fed to S3')
    .addOption(new Option('--as-of <date>', 'as-of date (YYYY-MM-DD): exceptions are judged active on this day').argParser(asOfOption))
    .addOption(new Option('--run-at <timestamp>', "the run's timestamp recorded on every score (default: now)").argParser(runAtOption))
    .option('--no-workbooks', 'write the score records only')
    .addHelpText(
      'after',
      `
Examples:
  census score --input test/fixtures/scoring/offline --as-of 2026-11-24 --out out/scores
  census score --live --as-of 2026-11-24          # what the hourly job does, against the configured stack`,
    )
    .action(async (opts: { input?: string; out: string; live?: boolean; asOf?: string; runAt?: string; workbooks: boolean }) => {
      const asOf = opts.asOf ?? today();
      const runAt = opts.runAt ?? new Date().toISOString();
      if (Boolean(opts.input) === Boolean(opts.live)) score.error('census score: give either --input DIR (offline) or --live (the deployed job)', { exitCode: 2 });
      if (opts.live) {
        const summary = await runScoringJob(loadConfig(program.opts()), { asOf, runAt, workbooks: opts.workbooks });
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      const run = await scoreFolder(opts.input!, { asOf, runAt });
      for (const line of describeWarnings(run)) console.error(`warning: ${line}`);
      const { scoresFile, manifest } = await writeRunOutputs(run, opts.out, { workbooks: opts.workbooks });
      const enterprise = run.scores.find((s) => s.scope === 'enterprise');
      console.log(`scored ${run.accounts.length} account(s) × ${run.requirements.length} requirement(s) as of ${asOf}: enterprise ${pct(enterprise?.score)}`);
      for (const o of run.scores.filter((s) => s.scope === 'owner')) console.log(`  ${o.owner}: ${pct(o.score)}`);
      console.log(`wrote ${run.scores.length} score records to ${scoresFile}`);
      if (manifest) console.log(`wrote ${manifest.owners.length} owner workbook(s) and ${manifest.enterprise.file} to ${opts.out}`);
    });

  const scorecards = program.command('scorecards').description('deliver the scorecards of a scoring run');
  scorecards
    .command('deliver')
    .description('mail each owner their workbook and the enterprise workbook to the configured list, through SES (raw MIME)')
    .option('--dir <dir>', 'scorecards written by `census score --input ... --out DIR` (default: the scorecard bucket in S3)')
    .addOption(new Option('--as-of <date>', 'the run date whose scorecards to send (S3 source)').argParser(asOfOption))
    .option('--from <address>', 'sender (an SES-verified identity; default: sesFrom from the configuration)')
    .option('--to <addresses>', 'recipients of the enterprise workbook, comma-separated (default: enterpriseRecipients)')
    .addHelpText(
      'after',
      `
Examples:
  census scorecards deliver --dir out/scores --from census@example.com --to ciso@example.com
  census scorecards deliver --as-of 2026-11-24     # from s3://<scorecardBucket>/scorecards/2026-11-24/`,
    )
    .action(async (opts: { dir?: string; asOf?: string; from?: string; to?: string }) => {
      const config = loadConfig({ ...program.opts(), sesFrom: opts.from, enterpriseRecipients: opts.to });
      const asOf = opts.asOf ?? today();
      const source = opts.dir ? { dir: opts.dir } : { s3: new S3Client(s3Config()), bucket: config.scorecardBucket, asOf };
      const location = opts.dir ?? `s3://${config.scorecardBucket}/${s3Keys.scorecards(asOf)}`;
      const results = await deliverScorecards({ source, from: config.sesFrom, enterpriseRecipients: config.enterpriseRecipients, location });
      for (const r of results) console.log(`${r.status.padEnd(11)} ${r.file} -> ${r.to.join(', ') || '(nobody)'}${r.reason ? `: ${r.reason}` : ''}`);
      const failed = results.filter((r) => r.status === 'failed');
      if (failed.length) throw new Error(`${failed.length} scorecard mail(s) failed`);
    });
}
