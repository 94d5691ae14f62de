// `npm run synth`: synthesizes every Census stack into cdk.out/ without touching AWS.
// The CDK CLI runs this too (cdk.json), passing context and the output directory through the environment.
import { buildApp } from '../lib/app.js';

const started = Date.now();
const { app } = buildApp({ outdir: process.env.CDK_OUTDIR ?? 'cdk.out' });
const assembly = app.synth();
// the CDK CLI prints annotations itself; run directly, say them here
for (const stack of assembly.stacks) {
  for (const m of stack.messages) if (m.level !== 'info') console.error(`${m.level} ${m.id}: ${String(m.entry.data)}`);
}
console.error(`synthesized ${assembly.stacks.map((s) => s.stackName).join(', ')} into ${assembly.directory} in ${Date.now() - started} ms`);
