// Reading findings files of other tools: a JSON document (array or wrapper object) or NDJSON, with the
// position of every entry so a malformed file is reported at its first bad entry.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';

export interface Entry {
  /** where the entry is, for errors: `Findings[3]`, `line 12` */
  position: string;
  value: unknown;
}

export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly position: string,
    reason: string,
  ) {
    super(`${file}: ${position}: ${reason}`);
    this.name = 'InputFileError';
  }
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function parseJson(text: string, file: string, where?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const at = where ?? (m ? lineColumn(text, Number(m[1])) : 'document');
    throw new InputFileError(file, at, `invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * The entries of a findings file: a JSON array, an object holding the array under one of `arrayKeys`
 * (e.g. `Findings` of GetFindings / BatchImportFindings), or NDJSON with one entry per line.
 */
export function readEntries(file: string, arrayKeys: string[], text = readFileSync(file, 'utf8')): Entry[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const looksNdjson = !trimmed.startsWith('[') && trimmed.includes('\n') && /^\{.*\}$/m.test(trimmed.split('\n')[0]!.trim());
  if (looksNdjson) {
    return text.split('\n').flatMap((line, i) => (line.trim() ? [{ position: `line ${i + 1}`, value: parseJson(line, file, `line ${i + 1}`) }] : []));
  }
  const doc = parseJson(text, file);
  if (Array.isArray(doc)) return doc.map((value, i) => ({ position: `[${i}]`, value }));
  if (typeof doc === 'object' && doc !== null) {
    for (const key of arrayKeys) {
      const list = (doc as Record<string, unknown>)[key];
      if (Array.isArray(list)) return list.map((value, i) => ({ position: `${key}[${i}]`, value }));
    }
    return [{ position: 'document', value: doc }];
  }
  throw new InputFileError(file, 'document', `expected a JSON array or object, found ${typeof doc}`);
}

/** Parse one entry with `schema`, or throw naming the file, the entry's position and the first bad field. */
export function parseEntry<S extends z.ZodType>(schema: S, entry: Entry, file: string, what: string): z.infer<S> {
  const parsed = schema.safeParse(entry.value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InputFileError(file, entry.position, `not ${what}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}
