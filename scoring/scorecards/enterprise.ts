// The enterprise scorecard: every account × requirement, every account with its spend, every executive.
import type { ScorecardModel } from './model.js';
import { pct } from './model.js';
import { TableSheet, columns, newWorkbook, sheetName } from './sheet.js';

const accountColumns = [columns.accountId, columns.accountName, columns.owner, columns.executive];

export async function writeEnterpriseWorkbook(model: ScorecardModel, filename: string): Promise<void> {
  const wb = newWorkbook(filename);
  const taken = new Set<string>();
  const enterpriseTitle: [string, string | number, 'percent'?][] = [
    ['Enterprise score (spend-weighted)', pct(model.enterprise), 'percent'],
    ['As of', model.asOf],
  ];

  const cells = new TableSheet(
    wb,
    sheetName('Account requirements', taken),
    [...accountColumns, columns.requirement, columns.title, columns.severity, columns.weight, ...columns.counts, columns.score()],
    { freezeColumns: 2 },
  );
  for (const a of model.accounts) {
    for (const r of model.requirements) {
      const c = model.cell(a.accountId, r.id);
      cells.add([a.accountId, a.name, a.owner, a.executive, r.id, r.title, r.severity, r.weight, c?.total ?? 0, c?.failing ?? 0, c?.excepted ?? 0, pct(c)]);
    }
  }
  cells.commit();

  const accounts = new TableSheet(
    wb,
    sheetName('Accounts', taken),
    [...accountColumns, columns.score(), columns.spend, ...columns.counts],
    { freezeColumns: 1, title: enterpriseTitle },
  );
  for (const a of model.accounts) {
    accounts.add([a.accountId, a.name, a.owner, a.executive, pct(a.score), a.spend ?? 'unknown', a.score.total, a.score.failing, a.score.excepted]);
  }
  accounts.commit();

  const executives = new TableSheet(
    wb,
    sheetName('Executives', taken),
    [columns.executive, columns.accounts, columns.spend, columns.score('Score (spend-weighted)')],
    { freezeColumns: 1, title: enterpriseTitle },
  );
  for (const e of model.executives) {
    const n = model.accounts.filter((a) => a.executive === e.executive).length;
    executives.add([e.executive, n, e.spend ?? 'unknown', pct(e)]);
  }
  executives.commit();

  const owners = new TableSheet(
    wb,
    sheetName('Owners', taken),
    [columns.owner, columns.accounts, columns.score('Score (risk-weighted)')],
    { freezeColumns: 1 },
  );
  for (const o of model.owners) owners.add([o.owner, model.accountsOf(o.owner!).length, pct(o)]);
  owners.commit();

  await wb.commit();
}
