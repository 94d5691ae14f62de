// `census`: the single entry point for people. Each area registers its own commands.
import { Command, CommanderError } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerCollectorCommands } from '../collectors/cli.js';
import { registerProcessorCommands } from '../processors/cli.js';
import { registerStandardCommands } from '../standard/cli.js';
import { registerScoringCommands } from '../scoring/cli.js';
import { registerDemoCommand } from './demo.js';
import { registerDashboardCommands } from '../dashboards/cli.js';
import { registerFeedCommands } from '../feed/cli.js';
import { registerRegisterCommands } from '../registers/cli.js';
import { jsonSchemas } from '../core/schemas.js';
import { stackDown, stackStatus, stackUp } from '../platform/local-stack.js';

export function buildProgram(): Command {
  const program = new Command('census')
    .description('Inventory, trust map, security-standard findings and scorecards for every AWS account of an organization')
    .option('--config <file>', 'configuration file (YAML or JSON); flags win over CENSUS_* environment variables, which win over the file')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('schemas')
    .description('export the record contract as JSON Schema files for the SIEM team')
    .option('--out <dir>', 'output folder', 'schemas')
    .addHelpText('after', '\nExample:\n  census schemas --out schemas/')
    .action((opts: { out: string }) => {
      mkdirSync(opts.out, { recursive: true });
      for (const [name, schema] of Object.entries(jsonSchemas())) {
        writeFileSync(join(opts.out, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
      }
      console.log(`wrote ${Object.keys(jsonSchemas()).length} JSON Schema files to ${opts.out}`);
    });

  const stack = program.command('stack').description('start, stop and show the local real stack (moto, kinesalite, OpenSearch)');
  stack.command('up').description('install what is missing and start every service').action(() => stackUp());
  stack.command('down').description('stop the services this project started').action(() => stackDown());
  stack
    .command('status')
    .description('print each service endpoint and whether it answers')
    .action(() => stackStatus());

  registerCollectorCommands(program);
  registerProcessorCommands(program);
  registerStandardCommands(program);
  registerScoringCommands(program);
  registerDashboardCommands(program);
  registerFeedCommands(program);
  registerRegisterCommands(program);
  registerDemoCommand(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Exit codes: 0 success, 1 error, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    console.error(`census: ${(err as Error).message}`);
    return 1;
  }
}

// run directly (`tsx bin/census.ts`); the launcher bin/census.mjs calls main itself
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
