import { Option, type Command } from 'commander';
import { EXIT_CODES, legacyJsonOption, outputOf, parse } from '../platform/output.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the main job end to end on a synthetic organization in the local stack, ending with a summary')
    .option('--accounts <n>', 'member accounts in the synthetic organization', parse.positiveInt, 50)
    .option('--seed <n>', 'seed of the synthetic organization', parse.positiveInt, 42)
    .option('--out <dir>', 'where workbooks, registers and the summary go', 'out/demo')
    .option('--name <name>', 'index prefix and stream/bucket name stem of this run', 'census-demo')
    .option('--regions <list>', 'regions of the synthetic organization', 'us-east-1,eu-west-1')
    .option('--catalog <file>', 'requirements catalog (default: the shipped Cloud Security Standard)')
    .addOption(new Option('--output <format>', 'summary as tables (table) or one JSON document (json)').choices(['table', 'json']).default('table'))
    .addOption(legacyJsonOption())
    .option('--no-start-stack', 'do not start moto, kinesalite and OpenSearch (they are already running)')
    .option('--no-reset', 'keep what moto and the demo indexes already hold')
    .addHelpText(
      'after',
      `\n${EXIT_CODES}.\n\nExamples:\n  census demo                              # 50 accounts, summary as tables\n  census demo --accounts 250 --output json # bigger organization, summary for scripts`,
    )
    .action(async (opts: { accounts: number; seed: number; out: string; name: string; regions: string; catalog?: string; output: string; json?: boolean; startStack: boolean; reset: boolean }) => {
      const { runDemo } = await import('../scripts/demo/run-demo.js');
      const { output: _output, ...rest } = opts;
      await runDemo({ ...rest, json: outputOf(opts) === 'json', regions: opts.regions.split(',').map((r) => r.trim()).filter(Boolean) });
    });
}
