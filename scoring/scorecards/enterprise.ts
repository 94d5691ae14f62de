// The enterprise scorecard: a Summary first (score and trend, executives, the worst accounts, the most
// common failures), then the account × requirement matrix, accounts worst first, executives, owners.
import { weightedMean } from '../score.js';
import type { AccountView, ScorecardModel } from './model.js';
import { pct } from './model.js';
import { MATRIX_BLOCK, requirementHeading } from './owner.js';
import { BlockSheet, TableSheet, columns, newWorkbook, points, sheetName } from './sheet.js';

const { text } = columns;
const WORST = 10;
const COMMON = 10;

/** Worst first: lowest score, accounts without a score last, then the larger spend. */
const worstFirst = (a: AccountView, b: AccountView) =>
  (a.score.score ?? 2) - (b.score.score ?? 2) || (b.spend ?? 0) - (a.spend ?? 0) || a.accountId.localeCompare(b.accountId);

/**
 * The enterprise's fixes: how much the spend-weighted enterprise score rises when a requirement's
 * failing resources are fixed everywhere — each account's score rises by its own gain for it.
 */
export function enterpriseFixes(model: ScorecardModel, limit: number): { requirementId: string; title: string; failing: number; gain: number }[] {
  const base = model.enterprise?.score ?? null;
  if (base === null) return [];
  const scored = model.accounts.filter((a) => a.score.score !== null);
  const out = model.requirements.map((r) => {
    let failing = 0;
    const after = weightedMean(
      scored.map((a) => {
        const c = model.cell(a.accountId, r.id);
        failing += c?.failing ?? 0;
        return { value: a.score.score! + (c?.gain ?? 0), weight: a.spend ?? 0 };
      }),
    );
    return { requirementId: r.id, title: r.title, failing, gain: Math.max(0, Math.round(((after ?? base) - base) * 1e12) / 1e12) };
  });
  return out.filter((f) => f.failing > 0 && f.gain > 0).sort((a, b) => b.gain - a.gain || a.requirementId.localeCompare(b.requirementId)).slice(0, limit);
}

export async function writeEnterpriseWorkbook(model: ScorecardModel, filename: string): Promise<void> {
  const wb = newWorkbook(filename);
  const taken = new Set<string>();
  const change = model.change(model.enterprise);

  const summary = new BlockSheet(wb, sheetName('Summary', taken), [40, 30, 30, 14, 14, 12]);
  summary.heading('Enterprise security scorecard', 14);
  summary.pairs([
    ['As of', model.asOf],
    ['Enterprise score (spend-weighted)', pct(model.enterprise), 'percent'],
    ['Change since the previous run', points(change.previous), 'points'],
    ['Change over 7 days', points(change.week), 'points'],
    ['Change over 30 days', points(change.month), 'points'],
    ['Accounts', model.accounts.length, 'count'],
  ]);
  summary.blank();
  summary.heading('Executives, by score');
  const executives = [...model.executives].sort((a, b) => (a.score ?? 2) - (b.score ?? 2) || a.executive!.localeCompare(b.executive!));
  summary.table(
    ['Executive', 'Score (spend-weighted)', 'Change since the previous run', 'Monthly spend', 'Accounts'],
    ['text', 'percent', 'points', 'money', 'count'],
    executives.map((e) => [e.executive, pct(e), points(model.change(e).previous), e.spend ?? 'unknown', model.accounts.filter((a) => a.executive === e.executive).length]),
    'No executives.',
  );
  summary.blank();
  summary.heading(`The ${WORST} accounts with the lowest scores`);
  const worst = [...model.accounts].sort(worstFirst).slice(0, WORST);
  summary.table(
    ['Account', 'Owner', 'Executive', 'Score', 'Failing'],
    ['text', 'text', 'text', 'percent', 'count'],
    worst.map((a) => [`${a.accountId} ${a.name}`, a.owner, a.executive, pct(a.score), a.score.failing]),
    'No accounts.',
  );
  summary.blank();
  summary.heading('The most common failing requirements');
  summary.table(
    ['Requirement', 'Severity', 'Accounts failing it', 'Failing resources'],
    ['text', 'text', 'count', 'count'],
    model.commonFailures(COMMON).map((c) => [requirementHeading(c.requirement), c.requirement.severity, c.accounts, c.failing]),
    'Nothing fails.',
  );
  summary.commit();

  // The account × requirement matrix, MATRIX_BLOCK requirements per sheet so each prints one page wide
  // at a readable size, header repeated on every page.
  for (let i = 0; i < model.requirements.length; i += MATRIX_BLOCK) {
    const block = model.requirements.slice(i, i + MATRIX_BLOCK);
    const name = model.requirements.length > MATRIX_BLOCK ? `Matrix ${i / MATRIX_BLOCK + 1} of ${Math.ceil(model.requirements.length / MATRIX_BLOCK)}` : 'Matrix';
    const matrix = new TableSheet(
      wb,
      sheetName(name, taken),
      [
        columns.accountId,
        { ...columns.accountName, width: 22 },
        { ...columns.owner, width: 24 },
        { ...columns.score('Account score'), width: 9 },
        ...block.map((r) => ({ ...columns.score(requirementHeading(r)), width: 17 })),
      ],
      { freezeColumns: 2 },
    );
    for (const a of model.accounts) matrix.add([a.accountId, a.name, a.owner, pct(a.score), ...block.map((r) => pct(model.cell(a.accountId, r.id)))]);
    matrix.commit();
  }

  const accounts = new TableSheet(wb, sheetName('Accounts', taken), [
    columns.accountId,
    { ...columns.accountName, width: 24 },
    { ...columns.owner, width: 26 },
    { ...columns.executive, width: 26 },
    columns.score(),
    { header: 'Change since previous run', kind: 'points', width: 11 },
    columns.spend,
    ...columns.counts,
  ]);
  for (const a of [...model.accounts].sort(worstFirst)) {
    accounts.add([a.accountId, a.name, a.owner, a.executive, pct(a.score), points(model.change(a.score).previous), a.spend ?? 'unknown', a.score.total, a.score.failing, a.score.excepted]);
  }
  accounts.commit();

  const execSheet = new TableSheet(wb, sheetName('Executives', taken), [
    columns.executive,
    columns.accounts,
    columns.spend,
    columns.score('Score (spend-weighted)'),
    { header: 'Change since previous run', kind: 'points', width: 11 },
    { header: 'Change over 30 days', kind: 'points', width: 11 },
  ]);
  for (const e of model.executives) {
    const n = model.accounts.filter((a) => a.executive === e.executive).length;
    const c = model.change(e);
    execSheet.add([e.executive, n, e.spend ?? 'unknown', pct(e), points(c.previous), points(c.month)]);
  }
  execSheet.commit();

  const owners = new TableSheet(wb, sheetName('Owners', taken), [
    columns.owner,
    columns.accounts,
    columns.score('Score (risk-weighted)'),
    { header: 'Change since previous run', kind: 'points', width: 11 },
    text('Best fix', 40),
  ]);
  for (const o of model.owners) {
    const fix = model.ownerFixes(o.owner!, 1)[0];
    owners.add([o.owner, model.accountsOf(o.owner!).length, pct(o), points(model.change(o).previous), fix ? `${fix.requirementId} ${fix.title} (+${points(fix.gain)} pts)` : '']);
  }
  owners.commit();

  await wb.commit();
}
