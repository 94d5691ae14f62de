// The parsers of outside input, each behind one adapter with one outcome shape, for the bad-input corpus
// (bad-input.test.ts) and the fuzzing (bad-input-fuzz.test.ts).
import { readFileSync } from 'node:fs';
import { decodeRecord } from '../../processors/validate.js';
import { parseAccountList as parseAccountState } from '../../processors/enrich-account.js';
import { parsePolicyText, principalsReport } from '../../policy/report.js';
import { loadExceptionRegister, parseExceptionRegister, type RegisterFormat } from '../../registers/exceptions.js';
import { loadTrustRegister, parseTrustRegister } from '../../registers/trusted-accounts.js';
import { loadCatalog } from '../../standard/index.js';
import { loadCatalogFile, parseCatalog } from '../../standard/catalog.js';
import { fromAsff, readAsffFile } from '../../standard/formats/asff.js';
import { fromProwlerOcsf, readProwlerOcsfFile } from '../../standard/formats/ocsf.js';
import { readEntries } from '../../standard/formats/entries.js';
import { loadAccounts, parseAccountList } from '../../scoring/inputs.js';

export interface Outcome {
  /** ok: taken whole; partial: taken with problems reported per row/entry; rejected: refused as a whole, with a reason */
  outcome: 'ok' | 'partial' | 'rejected';
  reason?: string;
  /** entries, findings, requirements or accounts taken */
  count?: number;
  problems?: string[];
  notices?: string[];
}

export type Parser = 'stream-record' | 'policy' | 'exception-register' | 'trust-register' | 'catalog' | 'asff-import' | 'ocsf-import' | 'account-list' | 'account-state';

const rejected = (err: unknown): Outcome => {
  if (!(err instanceof Error)) throw new Error(`the parser threw a non-Error: ${String(err)}`);
  return { outcome: 'rejected', reason: err.message };
};

const withProblems = (count: number, problems: string[], notices: string[] = []): Outcome => ({
  outcome: problems.length ? 'partial' : 'ok',
  count,
  ...(problems.length ? { problems } : {}),
  ...(notices.length ? { notices } : {}),
});

const ctx = { orgAccounts: new Map(), register: new Map() };

/** Run one parser over a file of the corpus, the way Census reads it. */
export async function parseFile(parser: Parser, file: string, options: Record<string, number> = {}): Promise<Outcome> {
  try {
    switch (parser) {
      case 'stream-record': {
        const d = decodeRecord(readFileSync(file));
        return d.ok ? { outcome: 'ok', count: 1 } : { outcome: 'rejected', reason: d.reason };
      }
      case 'policy': {
        const report = principalsReport(parsePolicyText(readFileSync(file, 'utf8'), file), file, ctx);
        return { outcome: 'ok', count: report.statements.length };
      }
      case 'exception-register': {
        const r = await loadExceptionRegister(file, options);
        return withProblems(r.entries.length, r.problems.map((p) => `row ${p.row}: ${p.reason}`), r.notices);
      }
      case 'trust-register': {
        const r = await loadTrustRegister([file], undefined, options);
        return withProblems(r.register.size, r.problems.map((p) => `row ${p.row}: ${p.reason}`));
      }
      case 'catalog':
        return { outcome: 'ok', count: loadCatalogFile(file).requirements.length };
      case 'asff-import': {
        const r = readAsffFile(file, loadCatalog());
        return withProblems(r.findings.length, r.skipped.map((s) => `${s.position}: ${s.reason}`));
      }
      case 'ocsf-import': {
        const r = readProwlerOcsfFile(file, loadCatalog());
        return withProblems(r.findings.length, r.skipped.map((s) => `${s.position}: ${s.reason}`));
      }
      case 'account-list': {
        const r = await loadAccounts(file);
        return withProblems(r.accounts.length, r.problems.map((p) => `#${p.at}: ${p.reason}`));
      }
      case 'account-state': {
        // the processor's reading of state/accounts.json: JSON first (AccountDirectory), then the list
        let doc: unknown;
        try {
          doc = JSON.parse(readFileSync(file, 'utf8'));
        } catch (err) {
          return { outcome: 'rejected', reason: `not valid JSON: ${(err as Error).message}` };
        }
        const r = parseAccountState(doc, file);
        return withProblems(r.accounts.size, r.problems);
      }
    }
  } catch (err) {
    return rejected(err);
  }
}

/** The same parsers over bytes (for fuzzing): each returns its outcome or throws only an Error naming the input. */
export const parseBytes: Record<string, (bytes: Buffer, label: string) => Promise<unknown> | unknown> = {
  'stream-record': (b) => decodeRecord(b),
  policy: (b, label) => principalsReport(parsePolicyText(b.toString('utf8'), label), label, ctx),
  'exception-register.csv': (b, label) => parseExceptionRegister(b, 'csv' as RegisterFormat, { label }),
  'exception-register.json': (b, label) => parseExceptionRegister(b, 'json', { label }),
  'exception-register.xlsx': (b, label) => parseExceptionRegister(b, 'xlsx', { label }),
  'trust-register.csv': (b, label) => parseTrustRegister(b, 'csv', label),
  'trust-register.json': (b, label) => parseTrustRegister(b, 'json', label),
  'trust-register.yaml': (b, label) => parseTrustRegister(b, 'yaml', label),
  catalog: (b, label) => parseCatalog(JSON.parse(b.toString('utf8')) as unknown, label),
  'asff-import': (b, label) => fromAsff(readEntries(label, ['Findings', 'findings'], b.toString('utf8')), loadCatalog(), label),
  'ocsf-import': (b, label) => fromProwlerOcsf(readEntries(label, ['findings'], b.toString('utf8')), loadCatalog(), label),
  'account-list': (b, label) => parseAccountList(JSON.parse(b.toString('utf8')) as unknown, label),
  'account-state': (b, label) => parseAccountState(JSON.parse(b.toString('utf8')) as unknown, label),
};
