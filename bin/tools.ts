// `census schemas`, `census stack up|down|status`, `census completion bash|zsh|fish`.
import { Argument, type Command } from 'commander';
import { EXIT_CODES } from '../platform/output.js';

interface Node {
  path: string;
  subcommands: string[];
  options: { flag: string; description: string }[];
  description: string;
}

/** Every command path with its subcommands and long options, from the program itself (so completion never drifts). */
export function commandTree(program: Command): Node[] {
  const out: Node[] = [];
  const walk = (cmd: Command, path: string[]) => {
    const visible = cmd.commands.filter((c) => c.name() !== 'help');
    out.push({
      path: path.join(' '),
      subcommands: visible.map((c) => c.name()),
      options: cmd.options.filter((o) => !o.hidden && o.long).map((o) => ({ flag: o.long!, description: o.description })),
      description: cmd.description(),
    });
    for (const c of visible) walk(c, [...path, c.name()]);
  };
  walk(program, []);
  return out;
}

const q = (s: string) => s.replace(/'/g, "'\\''");

export function completionScript(shell: 'bash' | 'zsh' | 'fish', program: Command): string {
  const tree = commandTree(program);
  if (shell === 'fish') {
    const lines = ['# census completion for fish: census completion fish > ~/.config/fish/completions/census.fish', 'complete -c census -f'];
    for (const n of tree) {
      const words = n.path ? n.path.split(' ') : [];
      // fish: the command path so far must be exactly this node's path
      const cond = words.length ? `__fish_seen_subcommand_from ${words[words.length - 1]}` : '__fish_use_subcommand';
      for (const sub of n.subcommands) {
        const d = tree.find((t) => t.path === [...words, sub].join(' '))?.description ?? '';
        lines.push(`complete -c census -n '${q(cond)}' -a '${q(sub)}' -d '${q(d.slice(0, 80))}'`);
      }
      for (const o of n.options) lines.push(`complete -c census -n '${q(cond)}' -l '${q(o.flag.replace(/^--/, ''))}' -d '${q(o.description.slice(0, 80))}'`);
    }
    return `${lines.join('\n')}\n`;
  }
  const cases = tree
    .map((n) => `    '${q(n.path)}') subs='${q(n.subcommands.join(' '))}' opts='${q([...n.options.map((o) => o.flag), '--help'].join(' '))}' ;;`)
    .join('\n');
  const paths = tree.map((n) => n.path).filter(Boolean).join('|');
  const bash = `_census_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w subs="" opts="" known='|${q(paths)}|'
  # the command path: the words so far that extend a known command path (flag values and files are skipped)
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [[ "$known" == *"|\${path:+$path }$w|"* ]]; then path="\${path:+$path }$w"; fi
  done
  case "$path" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else COMPREPLY=($(compgen -f -- "$cur")); fi
}
complete -o default -F _census_complete census
`;
  if (shell === 'zsh') return `# census completion for zsh: census completion zsh > "\${fpath[1]}/_census" (or eval "$(census completion zsh)")\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
  return `# census completion for bash: eval "$(census completion bash)" (or save it under /etc/bash_completion.d/)\n${bash}`;
}

export function registerToolCommands(program: Command): void {
  program
    .command('schemas')
    .description('export the record contract as JSON Schema files for the SIEM team')
    .option('--out <dir>', 'output folder', 'schemas')
    .addHelpText('after', `\n${EXIT_CODES}.\n\nExample:\n  census schemas --out schemas/`)
    .action(async (opts: { out: string }) => {
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { jsonSchemas } = await import('../core/schemas.js');
      mkdirSync(opts.out, { recursive: true });
      const schemas = Object.entries(jsonSchemas());
      for (const [name, schema] of schemas) writeFileSync(join(opts.out, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
      console.log(`wrote ${schemas.length} JSON Schema files to ${opts.out}`);
    });

  const stack = program
    .command('stack')
    .description('start, stop and show the local real stack (moto, kinesalite, OpenSearch)')
    .addHelpText('after', `\n${EXIT_CODES}.\n\nExamples:\n  census stack up\n  census stack status`);
  const run = (verb: 'up' | 'down' | 'status') => async () => {
    const stackOps = await import('../platform/local-stack.js');
    ({ up: stackOps.stackUp, down: stackOps.stackDown, status: stackOps.stackStatus })[verb]();
  };
  stack.command('up').description('install what is missing and start every service').addHelpText('after', `\n${EXIT_CODES}.\n\nExample:\n  census stack up`).action(run('up'));
  stack.command('down').description('stop the services this project started').addHelpText('after', `\n${EXIT_CODES}.\n\nExample:\n  census stack down`).action(run('down'));
  stack
    .command('status')
    .description('print each service endpoint and whether it answers')
    .addHelpText('after', `\n${EXIT_CODES}.\n\nExample:\n  census stack status`)
    .action(run('status'));

  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText('after', `\n${EXIT_CODES}.\n\nExamples:\n  eval "$(census completion bash)"\n  census completion fish > ~/.config/fish/completions/census.fish`)
    .action(async (shell: 'bash' | 'zsh' | 'fish') => {
      const { buildProgram } = await import('./census.js');
      process.stdout.write(completionScript(shell, await buildProgram(['node', 'census'])));
    });
}
