// The trusted-accounts register: outside accounts we know (vendors, partners), whether each is
// approved, and a note. Accepts CSV/JSON/YAML rows (accountId, name, approved, note) and the
// fwd:cloudsec known_aws_accounts list (name, source, accounts[]). Read within size and row limits; a row whose
// cells are not valid UTF-8, hold control characters or are objects is reported, and the rest goes on.
import { parse as parseCsv } from 'csv-parse/sync';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readSource } from '../platform/files.js';
import { cellProblem, checkRowCount, decodeUtf8, delimiterHint, DEFAULT_MAX_ROWS, type Limits } from './cells.js';
import type { S3Client } from '@aws-sdk/client-s3';

export interface KnownAccount {
  accountId: string;
  name: string | null;
  /** null when the source says nothing (the fwd:cloudsec list names vendors; it approves nothing) */
  approved: boolean | null;
  note: string | null;
  source: string;
}

export type TrustRegister = ReadonlyMap<string, KnownAccount>;

export interface RegisterLoad {
  register: Map<string, KnownAccount>;
  problems: { source: string; row: number; reason: string }[];
}

import { isRecord } from '../core/util.js';
const norm = (k: string) => k.toLowerCase().replace(/[^a-z0-9]/g, '');

function approvedOf(v: unknown): boolean | null | 'invalid' {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['yes', 'y', 'true', '1', 'approved'].includes(s)) return true;
  if (['no', 'n', 'false', '0', 'rejected'].includes(s)) return false;
  return 'invalid';
}

function accountIdOf(v: unknown): string | undefined {
  const s = typeof v === 'number' && Number.isInteger(v) ? String(v).padStart(12, '0') : typeof v === 'string' ? v.trim() : '';
  return /^\d{12}$/.test(s) ? s : undefined;
}

/** Parse one register document (bytes must be UTF-8); `source` names it in problems and on each entry. */
export function parseTrustRegister(input: string | Buffer, format: 'csv' | 'json' | 'yaml', source: string, limits: Limits = {}): RegisterLoad {
  const register = new Map<string, KnownAccount>();
  const problems: RegisterLoad['problems'] = [];
  const { text, invalidUtf8 } = typeof input === 'string' ? { text: input, invalidUtf8: false } : decodeUtf8(input, source);
  const maxRows = limits.maxRows ?? DEFAULT_MAX_ROWS;
  let rows: unknown[];
  let firstRow = 1;
  try {
    if (format === 'csv') {
      let header: string[] = [];
      // `to`: a file past the row limit is refused after reading one row more, not parsed whole
      rows = parseCsv(text, {
        bom: true,
        columns: (h: string[]) => (header = h).map(norm),
        skip_empty_lines: true,
        trim: true,
        relax_column_count: true,
        to: maxRows + 2,
      });
      if (!header.map(norm).includes('accountid') && !header.map(norm).includes('accounts')) {
        const hint = delimiterHint(header);
        throw new Error(`the header names no accountId column${hint ? `; ${hint}` : ''}`);
      }
      firstRow = 2;
    } else {
      const doc: unknown = format === 'json' ? JSON.parse(text) : parseYaml(text);
      rows = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.accounts) ? doc.accounts : [];
      if (!Array.isArray(doc) && !(isRecord(doc) && Array.isArray(doc.accounts))) throw new Error('expected a list of accounts');
    }
  } catch (err) {
    throw new Error(`${source}: cannot parse trusted-accounts register: ${(err as Error).message}`);
  }
  checkRowCount(rows.length, source, maxRows);
  rows.forEach((raw, i) => {
    const row = i + firstRow;
    if (!isRecord(raw)) return problems.push({ source, row, reason: 'not an object' });
    const r = Object.fromEntries(Object.entries(raw).map(([k, v]) => [norm(k), v]));
    // a cell that cannot be text (an object, a control character, bytes that are not UTF-8) breaks the row;
    // the fwd:cloudsec list's `accounts` and `source` are lists by design
    for (const [k, v] of Object.entries(r)) {
      if ((k === 'accounts' || k === 'source') && Array.isArray(v)) continue;
      const bad = cellProblem(v, { invalidUtf8, multiline: k === 'note' });
      if (bad) return problems.push({ source, row, reason: `${k}: ${bad}` });
    }
    const name = typeof r.name === 'string' && r.name.trim() ? r.name.trim() : null;
    // fwd:cloudsec known_aws_accounts: a vendor with a list of account IDs
    if (Array.isArray(r.accounts)) {
      const sourceUrl = Array.isArray(r.source) ? r.source.join(' ') : typeof r.source === 'string' ? r.source : null;
      for (const a of r.accounts) {
        const accountId = accountIdOf(a);
        if (!accountId) problems.push({ source, row, reason: `accounts: "${String(a)}" is not a 12-digit account ID` });
        else register.set(accountId, { accountId, name, approved: null, note: sourceUrl, source });
      }
      return;
    }
    const accountId = accountIdOf(r.accountid);
    if (!accountId) return problems.push({ source, row, reason: `accountId: "${String(r.accountid ?? '')}" is not a 12-digit account ID` });
    const approved = approvedOf(r.approved);
    if (approved === 'invalid') return problems.push({ source, row, reason: `approved: "${String(r.approved)}" is not yes/no` });
    const note = typeof r.note === 'string' && r.note.trim() ? r.note.trim() : null;
    register.set(accountId, { accountId, name, approved, note, source });
  });
  return { register, problems };
}

export function registerFormatOf(source: string): 'csv' | 'json' | 'yaml' {
  const ext = extname(source).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  throw new Error(`${source}: unsupported trusted-accounts register format "${ext || '(none)'}" (use .csv, .json, .yaml)`);
}

/** Load and merge registers in order: a later source overrides an earlier one for the same account. */
export async function loadTrustRegister(sources: string[], s3?: S3Client, limits: Limits & { maxBytes?: number } = {}): Promise<RegisterLoad> {
  const merged: RegisterLoad = { register: new Map(), problems: [] };
  for (const source of sources) {
    const bytes = await readSource(source, { s3, maxBytes: limits.maxBytes });
    const { register, problems } = parseTrustRegister(bytes, registerFormatOf(source), source, limits);
    for (const [id, entry] of register) merged.register.set(id, entry);
    merged.problems.push(...problems);
  }
  return merged;
}
