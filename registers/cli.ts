// `census trusted-accounts update FILE`: refresh the vendored fwd:cloudsec known-accounts list from a newer upstream copy.
import { InvalidArgumentError, type Command } from 'commander';

/** What an update would change: vendors and accounts before and after, accounts added and removed. */
export interface KnownAccountsUpdate {
  source: string;
  target: string;
  vendors: number;
  accounts: number;
  added: string[];
  removed: string[];
}

export async function updateKnownAccounts(source: string, target: string, today: string): Promise<KnownAccountsUpdate> {
  const { readFileSync, writeFileSync, existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { parse } = await import('yaml');
  const { parseTrustRegister } = await import('./trusted-accounts.js');
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${source}: ${(err as Error).message}`);
  }
  const doc: unknown = parse(text);
  // only the upstream shape (a list of vendors with accounts[]) may replace the vendored list
  if (!Array.isArray(doc)) throw new Error(`${source}: expected the fwd:cloudsec known_aws_accounts YAML (a list of {name, source, accounts})`);
  doc.forEach((v, i) => {
    if (typeof v !== 'object' || v === null || !Array.isArray((v as { accounts?: unknown }).accounts) || typeof (v as { name?: unknown }).name !== 'string')
      throw new Error(`${source}: entry ${i + 1}: expected {name, source, accounts[]}`);
  });
  const next = parseTrustRegister(text, 'yaml', source);
  if (next.problems.length) throw new Error(`${source}: ${next.problems.length} bad entries, first: entry ${next.problems[0]!.row}: ${next.problems[0]!.reason}`);
  const before = existsSync(target) ? parseTrustRegister(readFileSync(target, 'utf8'), 'yaml', target).register : new Map();
  writeFileSync(target, text);
  const sourceMd = join(dirname(target), 'SOURCE.md');
  if (existsSync(sourceMd)) writeFileSync(sourceMd, readFileSync(sourceMd, 'utf8').replace(/^- Vendored into Census: .*$/m, `- Vendored into Census: ${today}`));
  return {
    source,
    target,
    vendors: doc.length,
    accounts: next.register.size,
    added: [...next.register.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !next.register.has(k)).sort(),
  };
}

export function registerRegisterCommands(program: Command): void {
  const trusted = program.command('trusted-accounts').description('the known-vendor list and trusted-accounts registers');
  trusted
    .command('update')
    .description('replace the vendored fwd:cloudsec known_aws_accounts list with a newer copy of the upstream YAML (validated first)')
    .argument('<file>', 'accounts.yaml from https://github.com/fwdcloudsec/known_aws_accounts')
    .option('--to <file>', "the list to replace (default: the repository's data/known-aws-accounts/accounts.yaml)")
    .option('--date <day>', 'vendoring date written to SOURCE.md (YYYY-MM-DD, default today)', (v: string) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InvalidArgumentError('use YYYY-MM-DD');
      return v;
    })
    .addHelpText(
      'after',
      `
Exit status: 0 replaced, 1 the file could not be read or is not a valid list (nothing replaced), 2 usage error.

Example:
  curl -fsSLo /tmp/accounts.yaml https://raw.githubusercontent.com/fwdcloudsec/known_aws_accounts/main/accounts.yaml
  census trusted-accounts update /tmp/accounts.yaml`,
    )
    .action(async (file: string, opts: { to?: string; date?: string }) => {
      const { vendoredKnownAccountsSource } = await import('../data/index.js');
      const r = await updateKnownAccounts(file, opts.to ?? vendoredKnownAccountsSource(), opts.date ?? new Date().toISOString().slice(0, 10));
      console.log(`${r.target}: ${r.vendors} vendors, ${r.accounts} accounts (${r.added.length} added, ${r.removed.length} removed)`);
    });
}
