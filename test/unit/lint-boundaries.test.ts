// The import boundaries of eslint.config.js fire: each rule is fed the import it forbids, as the file it guards.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: repoRoot });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${repoRoot}${file}` });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('core/ and policy/ import no client, file system or child process', async () => {
    expect(await restricted('core/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n")).toHaveLength(1);
    expect(await restricted('core/x.ts', "import { execFileSync } from 'node:child_process';\nexport const f = execFileSync;\n")).toHaveLength(1);
    expect(await restricted('policy/x.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = S3Client;\n")).toHaveLength(1);
    expect(await restricted('policy/x.ts', "import { openSearchClient } from '../platform/opensearch.js';\nexport const c = openSearchClient;\n")).toHaveLength(1);
    // types describe data, they load nothing
    expect(await restricted('core/x.ts', "import type { S3Client } from '@aws-sdk/client-s3';\nexport type C = S3Client;\n")).toEqual([]);
    expect(await restricted('core/x.ts', "import { createHash } from 'node:crypto';\nexport const h = createHash;\n")).toEqual([]);
  }, 60_000);

  it('standard/ never imports collectors/ or processors/', async () => {
    expect(await restricted('standard/x.ts', "import { runCollection } from '../collectors/run.js';\nexport const r = runCollection;\n")).toHaveLength(1);
    expect(await restricted('standard/checks/x.ts', "import { processBatch } from '../../processors/pipeline.js';\nexport const p = processBatch;\n")).toHaveLength(1);
    expect(await restricted('standard/cli.ts', "import { processBatch } from '../processors/pipeline.js';\nexport const p = processBatch;\n")).toHaveLength(1);
    expect(await restricted('collectors/x.ts', "import { loadCatalog } from '../standard/index.js';\nexport const l = loadCatalog;\n")).toEqual([]);
  }, 60_000);

  it('command registration loads nothing heavy until a command runs', async () => {
    expect(await restricted('scoring/cli.ts', "import ExcelJS from 'exceljs';\nexport const e = ExcelJS;\n")).toHaveLength(1);
    expect(await restricted('processors/cli.ts', "import { loadConfig } from '../platform/config.js';\nexport const l = loadConfig;\n")).toHaveLength(1);
    expect(await restricted('bin/census.ts', "import { S3Client } from '@aws-sdk/client-s3';\nexport const c = S3Client;\n")).toHaveLength(1);
    expect(await restricted('processors/cli.ts', "import type { PrincipalsReport } from '../policy/report.js';\nexport type R = PrincipalsReport;\n")).toEqual([]);
  }, 60_000);
});
