#!/usr/bin/env node
// `census`: the single entry point for people. Each area registers its own commands through a loader, and only the
// area that owns the command being run is imported (so `census --help` loads no AWS SDK client, exceljs or zod).
// Conventions follow the AWS CLI: --version; a usage error is one line plus `see 'census <cmd> --help'`, exit 2;
// `--output table|json|ndjson` on every command that prints data; logs on stderr; exit codes in every --help.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync, realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { EXIT_CODES, IncompleteError, UsageError } from '../platform/output.js';

type Register = (program: Command) => void;

/** Which commands each area owns, and how to load its registration (nothing is imported until needed). */
export const areas: { area: string; commands: string[]; load: () => Promise<Register> }[] = [
  { area: 'collectors', commands: ['collect'], load: async () => (await import('../collectors/cli.js')).registerCollectorCommands },
  { area: 'processors', commands: ['policy', 'exceptions', 'process', 'redrive'], load: async () => (await import('../processors/cli.js')).registerProcessorCommands },
  { area: 'standard', commands: ['requirements', 'check', 'findings'], load: async () => (await import('../standard/cli.js')).registerStandardCommands },
  { area: 'scoring', commands: ['score', 'scorecards'], load: async () => (await import('../scoring/cli.js')).registerScoringCommands },
  { area: 'dashboards', commands: ['dashboards'], load: async () => (await import('../dashboards/cli.js')).registerDashboardCommands },
  { area: 'registers', commands: ['trusted-accounts'], load: async () => (await import('../registers/cli.js')).registerRegisterCommands },
  { area: 'feed', commands: ['resources', 'lake'], load: async () => (await import('../feed/cli.js')).registerFeedCommands },
  { area: 'status', commands: ['status'], load: async () => (await import('./status-cli.js')).registerStatusCommand },
  { area: 'demo', commands: ['demo'], load: async () => (await import('./demo.js')).registerDemoCommand },
  { area: 'tools', commands: ['schemas', 'stack', 'completion'], load: async () => (await import('./tools.js')).registerToolCommands },
];

/** Root options that take a value: skipped when looking for the command word. */
const ROOT_VALUE_OPTIONS = new Set(['--config', '--log-format', '--log-level']);

/** The command path people typed (`policy principals`), as far as it names commands. */
export function commandPath(program: Command, args: string[]): string[] {
  const path: string[] = [];
  let cmd = program;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (cmd === program && ROOT_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    path.push(sub.name());
    cmd = sub;
  }
  return path;
}

function firstWord(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (ROOT_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

export function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'census' && pkg.version) return pkg.version;
    } catch {
      // not this folder: the sources sit one level below package.json, the build two
    }
  }
  return 'unknown';
}

/**
 * The program with the commands `argv` needs: the owning area only when argv names one of its commands,
 * every area otherwise (root help, completion, an unknown command's suggestion).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('census')
    .description('Inventory, trust map, security-standard findings and scorecards for every AWS account of an organization')
    .version(`census ${version()} node/${process.versions.node}`, '--version', 'print the version')
    .option('--config <file>', 'configuration file (YAML or JSON, keys as in examples/census.yaml); flags win over CENSUS_* variables, which win over the file')
    .addOption(new Option('--log-format <format>', 'log lines on stderr: plain (default on a terminal) or json').choices(['plain', 'json']))
    .addOption(new Option('--log-level <level>', 'least severe log level shown').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addHelpText('after', `\n${EXIT_CODES}, 3 incomplete (collect: accounts not inventoried).\nRun 'census <command> --help' for a command's flags, examples and exit codes.`)
    .showSuggestionAfterError(true)
    .exitOverride()
    // usage errors are printed by main() as one line plus a pointer to the command's help
    .configureOutput({ outputError: () => undefined });
  // the one configuration gate, before any command runs: a bad file or variable stops every command the same way
  program.hook('preAction', async (root) => {
    const { loadConfig } = await import('../platform/config.js');
    loadConfig(root.opts());
  });
  const word = firstWord(argv.slice(2));
  const owner = areas.find((a) => word !== undefined && a.commands.includes(word));
  for (const area of owner ? [owner] : areas) (await area.load())(program);
  return program;
}

const QUIET_CODES = new Set(['commander.helpDisplayed', 'commander.version', 'commander.help', 'commander.executeSubCommandAsync']);

function usage(program: Command, argv: string[], message: string): number {
  const path = commandPath(program, argv.slice(2));
  const line = message.replace(/^error: /, '').split('\n')[0]!.trim();
  process.stderr.write(`census: ${line}\nsee 'census ${[...path, '--help'].join(' ')}'\n`);
  return 2;
}

/** A reader that went away (`census requirements list | head -1`) ends the command quietly, as `ls | head` does. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
}

/** Exit codes: 0 success, 1 error, 2 usage error, 3 incomplete run. */
export async function main(argv: string[]): Promise<number> {
  // the SDK's Node-version notice is for developers upgrading the SDK, not for people running census
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return QUIET_CODES.has(err.code) ? 0 : usage(program, argv, err.message);
    if (err instanceof UsageError) return usage(program, argv, err.message);
    if (err instanceof IncompleteError) {
      process.stderr.write(`census: ${err.message}\n`);
      return 3;
    }
    process.stderr.write(`census: ${(err as Error).message}\n`);
    return 1;
  }
}

// run directly (`tsx bin/census.ts`, or dist/bin/census.js as the package's bin)
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  quietOnClosedPipe();
  process.exitCode = await main(process.argv);
}
