import { InvalidArgumentError, type Command } from 'commander';
import { runDemo } from '../scripts/demo/run-demo.js';

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the main job end to end on a synthetic organization in the local stack, ending with a summary')
    .option('--accounts <n>', 'member accounts in the synthetic organization', positiveInt, 50)
    .option('--seed <n>', 'seed of the synthetic organization', positiveInt, 42)
    .option('--out <dir>', 'where workbooks, registers and the summary go', 'out/demo')
    .option('--name <name>', 'index prefix and stream/bucket name stem of this run', 'census-demo')
    .option('--regions <list>', 'regions of the synthetic organization', 'us-east-1,eu-west-1')
    .option('--catalog <file>', 'requirements catalog (default: the shipped Cloud Security Standard)')
    .option('--json', 'print the summary as JSON for scripts', false)
    .option('--no-start-stack', 'do not start moto, kinesalite and OpenSearch (they are already running)')
    .option('--no-reset', 'keep what moto and the demo indexes already hold')
    .addHelpText(
      'after',
      '\nExamples:\n  census demo                          # 50 accounts, summary as tables\n  census demo --accounts 250 --json    # bigger organization, summary for scripts',
    )
    .action(async (opts: { accounts: number; seed: number; out: string; name: string; regions: string; catalog?: string; json: boolean; startStack: boolean; reset: boolean }) => {
      await runDemo({ ...opts, regions: opts.regions.split(',').map((r) => r.trim()).filter(Boolean) });
    });
}
