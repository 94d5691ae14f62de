// The demo writes the Security Lake objects beside the NDJSON feed and its summary says where: a small run on the
// local stack (the processors stage, the compaction merges), the objects read back with pyarrow and validated
// against OCSF (findings, inventory and changes).
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { s3Config } from '../../platform/aws.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { repoRoot } from '../../platform/local-stack.js';
import { runDemo } from '../../scripts/demo/run-demo.js';
import { formatSummary } from '../../scripts/demo/summary.js';
import { uniqueName } from '../helpers.js';

const name = uniqueName('fdemo');

afterAll(async () => {
  await openSearchClient().indices.delete({ index: `${name}-*`, expand_wildcards: 'all' }, { ignore: [404] });
});

describe('census demo → Security Lake objects beside the feed', () => {
  it('writes OCSF Parquet under security-lake/ext/ of the feed bucket, valid for pyarrow and OCSF, and names it in the summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'census-fdemo-'));
    const { summary } = await runDemo({ accounts: 3, seed: 7000 + Math.floor(Math.random() * 100_000), out, name, json: true, startStack: false, reset: false, regions: ['us-east-1', 'eu-west-1'] });
    const bucket = `${name}-feed`;
    expect(summary.securityLake.location).toBe(`s3://${bucket}/security-lake/ext/`);
    expect(formatSummary(summary)).toContain(`Security Lake (OCSF Parquet, ${summary.securityLake.objects} objects): s3://${bucket}/security-lake/ext/`);

    const s3 = new S3Client(s3Config());
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'security-lake/', ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    expect(keys.length).toBe(summary.securityLake.objects);
    expect(keys.some((k) => k.startsWith('security-lake/ext/census-inventory-info/region='))).toBe(true);
    expect(keys.some((k) => k.startsWith('security-lake/ext/census-compliance-finding/region='))).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'census-fdemo-lake-'));
    for (const key of keys) {
      const path = join(dir, key.slice('security-lake/'.length));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());
    }
    let report: { rows: number; classes: Record<string, number>; errors: string[] };
    try {
      report = JSON.parse(execFileSync(join(repoRoot, '.stack/venv/bin/python'), [join(repoRoot, 'scripts/validate-ocsf-parquet.py'), dir, '--home-region', 'us-east-1'], { encoding: 'utf8' }));
    } catch (err) {
      report = JSON.parse((err as { stdout: string }).stdout);
    }
    expect(report.errors).toEqual([]);
    // every resource the demo inventoried is in the lake (a resource seen twice is in it twice: one row per copy)
    const resources = Object.values(summary.resourcesByType).reduce((a, b) => a + b, 0);
    expect(report.classes['5023']).toBeGreaterThanOrEqual(resources);
    expect(report.classes['2003']).toBeGreaterThan(0);
    // the change history too: every resource the first inventory saw was created
    expect(report.classes['5019']).toBeGreaterThanOrEqual(resources);
    // what the summary says of the compaction is what is there: every staged object merged, fewer objects than staged
    const c = summary.securityLake.compaction!;
    expect(c).toMatchObject({ staging: `s3://${bucket}/lake-staging/`, left: 0, mergedObjects: keys.length });
    expect(c.mergedObjects).toBeLessThan(c.stagedObjects);
    expect(Object.values(summary.securityLake.rowsBySource!).reduce((a, b) => a + b, 0)).toBe(report.rows);
    expect(formatSummary(summary)).toMatch(new RegExp(`compacted \\(census lake compact\\): ${c.stagedObjects} staged objects \\(\\d+ bytes\\) under s3://${bucket}/lake-staging/ -> ${c.mergedObjects} Parquet objects`));
    console.info(`demo lake: ${c.stagedObjects} staged (${c.stagedBytes} B) -> ${c.mergedObjects} Parquet (${c.mergedBytes} B); rows ${JSON.stringify(summary.securityLake.rowsBySource)}`);
    // and the day's full snapshot lists every current resource once, and the summary says where it is
    expect(summary.snapshot).toMatchObject({ manifest: expect.stringMatching(new RegExp(`^s3://${bucket}/feed/snapshot/dt=\\d{4}-\\d{2}-\\d{2}/manifest\\.json$`)), resources });
    expect(formatSummary(summary)).toContain(`Daily feed snapshot (${summary.snapshot!.accounts} accounts, ${resources} resources`);
    // the demo leaves the environment as it found it
    expect(process.env.CENSUS_SECURITY_LAKE).toBeUndefined();
    expect(process.env.CENSUS_SECURITY_LAKE_STAGING).toBeUndefined();
  }, 600_000);
});
