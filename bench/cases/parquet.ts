// Security Lake output: 100,000 findings written as one OCSF Compliance Finding Parquet object, with the writer
// Census uses (hyparquet-writer) and with the alternative (parquet-wasm + apache-arrow), each against writing
// the same findings as the NDJSON gzip feed does. Every run is a child process, so its peak RSS is its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FindingRecord } from '../../core/schemas.js';
import { OCSF_CLASSES, ocsfParquet } from '../../feed/ocsf-parquet.js';
import type { Field, Leaf } from '../../feed/ocsf-schema.js';
import { toOcsf } from '../../standard/formats/ocsf.js';
import { pair, type PairResult, type Sample } from '../measure.js';

type Mode = 'ndjson-gzip' | 'hyparquet-writer' | 'parquet-wasm';

/** One run: read the findings, map them to OCSF and write them in `mode`; report time, peak RSS and bytes. */
async function runChild(mode: Mode, input: string, out: string): Promise<void> {
  const findings = readFileSync(input, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FindingRecord);
  const start = performance.now();
  const events = findings.map((f) => toOcsf(f));
  let bytes: Uint8Array;
  if (mode === 'ndjson-gzip') bytes = gzipSync(Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join('')));
  else if (mode === 'hyparquet-writer') bytes = ocsfParquet(OCSF_CLASSES[2003]!, events);
  else bytes = await arrowParquet(OCSF_CLASSES[2003]!.fields, events);
  writeFileSync(out, bytes);
  const seconds = (performance.now() - start) / 1000;
  process.stdout.write(JSON.stringify({ seconds, peakMiB: process.resourceUsage().maxRSS / 1024, bytes: bytes.length }));
}

/** The same schema through apache-arrow builders into parquet-wasm (snappy, like hyparquet-writer's default). */
async function arrowParquet(fields: Field[], events: Record<string, unknown>[]): Promise<Uint8Array> {
  const arrow = await import('apache-arrow');
  const pw = await import('parquet-wasm');
  const leaf = (t: Leaf): import('apache-arrow').DataType =>
    t === 'int32' ? new arrow.Int32() : t === 'int64' ? new arrow.Int64() : t === 'bool' ? new arrow.Bool() : t === 'timestamp' ? new arrow.TimestampMillisecond('UTC') : new arrow.Utf8();
  const typeOf = (f: Field): import('apache-arrow').DataType =>
    'type' in f
      ? leaf(f.type)
      : 'struct' in f
        ? new arrow.Struct(f.struct.map((c) => new arrow.Field(c.name, typeOf(c), true)))
        : new arrow.List(new arrow.Field('element', typeof f.list === 'string' ? leaf(f.list) : typeOf({ name: 'element', struct: f.list }), true));
  const value = (f: Field, v: unknown): unknown => {
    if (v === undefined || v === null) return null;
    if ('type' in f) return f.type === 'json' ? JSON.stringify(v) : f.type === 'int64' ? BigInt(v as number) : f.type === 'timestamp' ? Date.parse(v as string) : v;
    if ('struct' in f) return Object.fromEntries(f.struct.map((c) => [c.name, value(c, (v as Record<string, unknown>)[c.name])]));
    const item = f.list;
    return (v as unknown[]).map((e) => (typeof item === 'string' ? value({ name: 'element', type: item }, e) : value({ name: 'element', struct: item }, e)));
  };
  const columns = Object.fromEntries(fields.map((f) => [f.name, arrow.vectorFromArray(events.map((e) => value(f, e[f.name])), typeOf(f))]));
  const table = new arrow.Table(columns);
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).build();
  return pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
}

const self = fileURLToPath(import.meta.url);
const sizes = new Map<Mode, number>();

function spawnRun(mode: Mode, input: string, dir: string): Sample {
  const res = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, mode, input, join(dir, `out-${mode}`)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Sample & { bytes: number };
  sizes.set(mode, res.bytes);
  return { seconds: res.seconds, peakMiB: res.peakMiB };
}

export async function parquetCases(findings: FindingRecord[]): Promise<PairResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'census-bench-parquet-'));
  const input = join(dir, 'findings.ndjson');
  writeFileSync(input, findings.map((f) => JSON.stringify(f)).join('\n'));
  const baseline = { label: 'NDJSON gzip (the feed)', run: async () => spawnRun('ndjson-gzip', input, dir) };
  const results: PairResult[] = [];
  for (const mode of ['hyparquet-writer', 'parquet-wasm'] as const) {
    const label = mode === 'hyparquet-writer' ? 'OCSF Parquet, hyparquet-writer' : 'OCSF Parquet, parquet-wasm + apache-arrow';
    results.push(await pair(`OCSF 2003 Parquet: ${findings.length.toLocaleString('en-US')} findings, one object`, { items: findings.length, unit: 'findings' }, { label, run: async () => spawnRun(mode, input, dir) }, baseline));
  }
  process.stderr.write(`  output bytes: ${[...sizes].map(([m, b]) => `${m} ${b.toLocaleString('en-US')}`).join(', ')}\n`);
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runChild(process.argv[2] as Mode, process.argv[3]!, process.argv[4]!);
}
