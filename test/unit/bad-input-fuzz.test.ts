// Fuzzing every parser of outside input with fast-check: random bytes, random JSON, and the corpus files and
// valid seeds with bytes flipped, cut, duplicated or inserted. A parser may refuse the input, but only with an
// Error that names the input; it never throws anything else, never crashes the process and never hangs (each
// property runs under the test timeout).
import fc from 'fast-check';
import ExcelJS from 'exceljs';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../platform/local-stack.js';
import { parseBytes, parseFile, type Parser } from './bad-input-parsers.js';

const corpus = join(repoRoot, 'test/fixtures/bad-input');
const RUNS = 120;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}
/** Corpus files of one area, as seeds; the large ones are left to the table-driven test. */
const seeds = (area: string) =>
  walk(join(corpus, area))
    .filter((f) => statSync(f).size < 64 * 1024)
    .map((f) => readFileSync(f));

/** Flip, cut, duplicate or insert bytes of a seed. */
const mutated = (pool: Buffer[]) =>
  fc
    .tuple(
      fc.constantFrom(...pool),
      fc.array(fc.tuple(fc.constantFrom('flip', 'cut', 'dup', 'insert'), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    )
    .map(([seed, edits]) => {
      let b = Buffer.from(seed);
      for (const [op, at, byte] of edits) {
        const i = b.length ? at % b.length : 0;
        if (op === 'flip' && b.length) b[i] = byte;
        else if (op === 'cut') b = b.subarray(0, i);
        else if (op === 'dup') b = Buffer.concat([b.subarray(0, i), b.subarray(i, i + 64), b.subarray(i)]);
        else b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      }
      return b;
    });

/** Valid documents, so mutations reach past the first syntax check. */
const valid = (...paths: string[]) => paths.map((p) => readFileSync(join(repoRoot, p)));

const randomBytes = fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a));
const randomJson = fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null'));
const csvText = fc
  .array(fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('"', '""', ';', '\t', '\r\n', '\u0000', 'EX-1', '111122223333', '2030-01-01')), { maxLength: 9 }), { maxLength: 12 })
  .map((rows) => Buffer.from(rows.map((r) => r.join(',')).join('\n')));

/** Whatever the input: an outcome, or an Error whose message names the input. */
async function survives(run: () => Promise<unknown> | unknown, label: string): Promise<void> {
  let thrown: unknown;
  try {
    await run();
    return;
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(Error);
  expect((thrown as Error).message).toContain(label);
}

const bytesCases: [name: string, parser: keyof typeof parseBytes, inputs: () => fc.Arbitrary<Buffer>][] = [
  ['stream records', 'stream-record', () => fc.oneof(randomBytes, randomJson, mutated(seeds('stream')))],
  ['policy documents', 'policy', () => fc.oneof(randomBytes, randomJson, mutated(seeds('policies')))],
  ['exception register (CSV)', 'exception-register.csv', () => fc.oneof(randomBytes, csvText, mutated(seeds('registers/exceptions').slice(0, 20)))],
  ['exception register (JSON)', 'exception-register.json', () => fc.oneof(randomBytes, randomJson, mutated(seeds('registers/exceptions')))],
  ['trusted accounts (CSV)', 'trust-register.csv', () => fc.oneof(randomBytes, csvText, mutated(seeds('registers/trusted')))],
  ['trusted accounts (JSON)', 'trust-register.json', () => fc.oneof(randomBytes, randomJson, mutated(seeds('registers/trusted')))],
  ['trusted accounts (YAML)', 'trust-register.yaml', () => fc.oneof(randomBytes, randomJson, mutated(seeds('registers/trusted')))],
  ['ASFF import', 'asff-import', () => fc.oneof(randomBytes, randomJson, mutated(seeds('findings')), mutated(valid('test/fixtures/standard/prowler-moto.asff.json')))],
  ['OCSF import', 'ocsf-import', () => fc.oneof(randomBytes, randomJson, mutated(seeds('findings')), mutated(valid('test/fixtures/standard/prowler-moto.ocsf.json')))],
];

describe('fuzzing the parsers of outside input', () => {
  it.each(bytesCases)('%s: never an uncaught error, never a hang', async (_name, parser, inputs) => {
    const label = `fuzz-${parser}`;
    await fc.assert(
      fc.asyncProperty(inputs(), async (bytes) => survives(() => parseBytes[parser]!(bytes, label), label)),
      { numRuns: RUNS },
    );
  }, 120_000);

  describe('parsers that read files (catalogs, account lists, XLSX registers)', () => {
    let dir: string;
    let workbook: Buffer;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('Register');
      ws.addRow(['exceptionId', 'accountId', 'requirementId', 'resourceId', 'reason', 'approvedBy', 'expiresAt']);
      for (let i = 0; i < 5; i++) ws.addRow([`EX-${i}`, '111122223333', 'CSS-S3-01', 'r', 'x', 'a', '2030-01-01']);
      workbook = Buffer.from(await wb.xlsx.writeBuffer());
    });

    const fileCases: [name: string, parser: Parser, ext: string, inputs: () => fc.Arbitrary<Buffer>][] = [
      ['catalogs', 'catalog', 'yaml', () => fc.oneof(randomBytes, randomJson, mutated(seeds('catalogs')), mutated(valid('standard/catalog.yaml', 'test/fixtures/standard/custom-catalog.yaml')))],
      ['account lists (census score)', 'account-list', 'json', () => fc.oneof(randomBytes, randomJson, mutated(seeds('accounts')))],
      ['exception register (XLSX)', 'exception-register', 'xlsx', () => fc.oneof(randomBytes, mutated([workbook]), mutated(seeds('registers/exceptions').filter((b) => b[0] === 0x50 && b[1] === 0x4b)))],
    ];

    it.each(fileCases)('%s: an outcome or a rejection naming the file, for any content', async (_name, parser, ext, inputs) => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(inputs(), async (bytes) => {
          const file = join(dir, `case-${n++}.${ext}`);
          writeFileSync(file, bytes);
          // parseFile turns a thrown Error into `rejected` and rethrows anything else
          const got = await parseFile(parser, file);
          if (got.outcome === 'rejected') expect(got.reason).toContain(`case-${n - 1}.${ext}`);
        }),
        { numRuns: RUNS },
      );
    }, 180_000);
  });
});
