// Each collector's Lambda bundle holds its own collector only: the generated entry bundled as infra bundles it.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { collectorEntry } from '../../infra/lib/functions.js';
import { collectorNames, collectorSourceFile } from '../../collectors/registry.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** The source files and AWS SDK clients a bundle is made of. */
async function bundled(entry: string): Promise<{ collectors: string[]; clients: string[]; bytes: number }> {
  const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node22', write: false, metafile: true, logLevel: 'silent', absWorkingDir: repoRoot });
  const inputs = Object.keys(out.metafile.inputs);
  return {
    collectors: inputs.map((p) => /collectors\/services\/([a-z0-9]+)\.ts$/.exec(p)?.[1]).filter((x): x is string => Boolean(x)).sort(),
    clients: [...new Set(inputs.map((p) => /@aws-sdk\/(client-[a-z0-9-]+)\//.exec(p)?.[1]).filter((x): x is string => Boolean(x)))].sort(),
    bytes: out.outputFiles[0]!.contents.length,
  };
}

describe('collector Lambda bundles', () => {
  it('every registry name is defined in its source file under that name', async () => {
    for (const name of collectorNames()) {
      const mod = (await import(`${repoRoot}${collectorSourceFile(name)}`)) as Record<string, { name?: string }>;
      expect(mod[name]?.name, name).toBe(name);
    }
  });

  it("a collector's function bundles that collector and none of the others", async () => {
    const s3 = await bundled(collectorEntry('s3'));
    expect(s3.collectors).toEqual(['s3']);
    // its own clients, plus what every account run needs (STS to assume the role, EC2 for the regions, Kinesis to send)
    for (const client of ['client-s3', 'client-s3-control', 'client-sts', 'client-kinesis']) expect(s3.clients).toContain(client);
    for (const other of ['client-iam', 'client-lambda', 'client-sqs', 'client-rds', 'client-dynamodb', 'client-sagemaker']) expect(s3.clients).not.toContain(other);
    const iam = await bundled(collectorEntry('iam'));
    expect(iam.collectors).toEqual(['iam']);
    expect(iam.clients).toContain('client-iam');
    expect(iam.clients).not.toContain('client-s3-control');
    // the generic entry (discovery, the CLI's runs) carries all thirty
    const all = await bundled(`${repoRoot}collectors/lambda.ts`);
    expect(all.collectors).toEqual([...collectorNames()].sort());
    expect(s3.bytes).toBeLessThan(all.bytes / 2);
  }, 300_000);
});
