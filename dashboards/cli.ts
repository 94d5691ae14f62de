// Registration imports only commander; each action loads what it uses.
import type { Command } from 'commander';
import { EXIT_CODES, parse } from '../platform/output.js';

export function registerDashboardCommands(program: Command): void {
  const dashboards = program.command('dashboards').description('OpenSearch Dashboards saved objects: export them or load them into Dashboards');
  dashboards
    .command('export')
    .description('write the saved objects (index patterns, visualizations, searches, six dashboards) as the NDJSON the Dashboards import takes')
    .option('--out <file>', 'output file', 'census-dashboards.ndjson')
    .option('--prefix <prefix>', 'index prefix (default: the configured indexPrefix, census)')
    .addHelpText('after', `\n${EXIT_CODES}.\n` + '\nExample:\n  census dashboards export --out census.ndjson   # then Dashboards > Saved objects > Import')
    .action(async (opts: { out: string; prefix?: string }) => {
      const { writeFileSync } = await import('node:fs');
      const { savedObjectsNdjson } = await import('./objects.js');
      const { loadConfig } = await import('../platform/config.js');
      writeFileSync(opts.out, savedObjectsNdjson(loadConfig({ ...program.opts(), indexPrefix: opts.prefix }).indexPrefix));
      console.log(`wrote ${opts.out}`);
    });
  dashboards
    .command('install')
    .description('import the saved objects into a running OpenSearch Dashboards (overwrites earlier versions)')
    .requiredOption('--url <url>', 'OpenSearch Dashboards URL, e.g. http://localhost:5601', parse.httpUrl)
    .option('--prefix <prefix>', 'index prefix (default: the configured indexPrefix, census)')
    .addHelpText('after', `\n${EXIT_CODES}.\n` + '\nExample:\n  census dashboards install --url https://search.example.com/_dashboards')
    .action(async (opts: { url: string; prefix?: string }) => {
      const { importSavedObjects } = await import('./loader.js');
      const { loadConfig } = await import('../platform/config.js');
      const result = await importSavedObjects(opts.url, loadConfig({ ...program.opts(), indexPrefix: opts.prefix }).indexPrefix);
      console.log(`imported ${result.successCount} saved objects into ${opts.url}`);
    });
}
