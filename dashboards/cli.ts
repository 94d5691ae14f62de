import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { savedObjectsNdjson } from './objects.js';
import { importSavedObjects } from './loader.js';

export function registerDashboardCommands(program: Command): void {
  const dashboards = program.command('dashboards').description('OpenSearch Dashboards saved objects: export them or load them into Dashboards');
  dashboards
    .command('export')
    .description('write the saved objects (index patterns, visualizations, overview dashboard) as NDJSON')
    .option('--out <file>', 'output file', 'census-dashboards.ndjson')
    .option('--prefix <prefix>', 'index prefix', 'census')
    .addHelpText('after', '\nExample:\n  census dashboards export --out census.ndjson   # then Dashboards > Saved objects > Import')
    .action((opts: { out: string; prefix: string }) => {
      writeFileSync(opts.out, savedObjectsNdjson(opts.prefix));
      console.log(`wrote ${opts.out}`);
    });
  dashboards
    .command('install')
    .description('import the saved objects into a running OpenSearch Dashboards (overwrites earlier versions)')
    .requiredOption('--url <url>', 'OpenSearch Dashboards URL, e.g. http://localhost:5601')
    .option('--prefix <prefix>', 'index prefix', 'census')
    .addHelpText('after', '\nExample:\n  census dashboards install --url https://search.example.com/_dashboards')
    .action(async (opts: { url: string; prefix: string }) => {
      const result = await importSavedObjects(opts.url, opts.prefix);
      console.log(`imported ${result.successCount} saved objects into ${opts.url}`);
    });
}
