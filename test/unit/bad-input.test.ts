// The bad-input corpus (test/fixtures/bad-input): every case of the manifest through its parser, the outcome as
// the manifest says; every file of the corpus is in the manifest.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../platform/local-stack.js';
import { parseFile, type Outcome, type Parser } from './bad-input-parsers.js';

const root = join(repoRoot, 'test/fixtures/bad-input');

interface Case {
  file: string;
  parser: Parser;
  options?: Record<string, number>;
  outcome: Outcome['outcome'];
  reason?: string;
  count?: number;
  problems?: string[];
  notices?: string[];
}

const { cases } = parseYaml(readFileSync(join(root, 'manifest.yaml'), 'utf8')) as { cases: Case[] };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
}

describe('bad-input corpus', () => {
  it('names every file of the corpus, and every case names a file that exists', () => {
    const files = walk(root).map((f) => relative(root, f)).filter((f) => f !== 'manifest.yaml' && f !== 'README.md');
    expect([...new Set(cases.map((c) => c.file))].sort()).toEqual(files.sort());
  });

  it.each(cases.map((c) => [`${c.parser} ${c.file}${c.options ? ` ${JSON.stringify(c.options)}` : ''}`, c] as const))('%s', async (_name, c) => {
    const got = await parseFile(c.parser, join(root, c.file), c.options);
    expect(got.outcome, JSON.stringify(got)).toBe(c.outcome);
    if (c.count !== undefined) expect(got.count).toBe(c.count);
    if (c.outcome === 'rejected') {
      expect(got.reason).toMatch(new RegExp(c.reason ?? '.'));
      // a clear error names the input (a stream record's dead letter names its shard and sequence instead)
      if (c.parser !== 'stream-record') expect(got.reason).toContain(basename(c.file));
    }
    expect(got.problems ?? []).toHaveLength(c.problems?.length ?? 0);
    (c.problems ?? []).forEach((p, i) => expect(got.problems![i]).toMatch(new RegExp(p)));
    expect(got.notices ?? []).toHaveLength(c.notices?.length ?? 0);
    (c.notices ?? []).forEach((n, i) => expect(got.notices![i]).toMatch(new RegExp(n)));
  });
});
