// The enterprise scorecard: every account × requirement, every account with its spend, every executive.
import type { ScorecardModel } from './model.js';
import { pct } from './model.js';
import { TableSheet, newWorkbook, sheetName } from './sheet.js';

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
    [
      { header: 'Account ID', kind: 'text', width: 15 },
      { header: 'Account name', kind: 'text', width: 28 },
      { header: 'Owner', kind: 'text', width: 28 },
      { header: 'Executive', kind: 'text', width: 28 },
      { header: 'Requirement', kind: 'text', width: 14 },
      { header: 'Title', kind: 'text', width: 40 },
      { header: 'Severity', kind: 'text', width: 10 },
      { header: 'Weight', kind: 'number', width: 8 },
      { header: 'Resources evaluated', kind: 'count', width: 11 },
      { header: 'Failing', kind: 'count', width: 9 },
      { header: 'Excepted', kind: 'count', width: 9 },
      { header: 'Score', kind: 'percent', width: 9 },
    ],
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
    [
      { header: 'Account ID', kind: 'text', width: 15 },
      { header: 'Account name', kind: 'text', width: 28 },
      { header: 'Owner', kind: 'text', width: 28 },
      { header: 'Executive', kind: 'text', width: 28 },
      { header: 'Score', kind: 'percent', width: 9 },
      { header: 'Monthly spend (USD)', kind: 'money', width: 16 },
      { header: 'Resources evaluated', kind: 'count', width: 11 },
      { header: 'Failing', kind: 'count', width: 9 },
      { header: 'Excepted', kind: 'count', width: 9 },
    ],
    { freezeColumns: 1, title: enterpriseTitle },
  );
  for (const a of model.accounts) {
    accounts.add([a.accountId, a.name, a.owner, a.executive, pct(a.score), a.spend ?? 'unknown', a.score.total, a.score.failing, a.score.excepted]);
  }
  accounts.commit();

  const executives = new TableSheet(
    wb,
    sheetName('Executives', taken),
    [
      { header: 'Executive', kind: 'text', width: 32 },
      { header: 'Accounts', kind: 'count', width: 10 },
      { header: 'Monthly spend (USD)', kind: 'money', width: 16 },
      { header: 'Score (spend-weighted)', kind: 'percent', width: 14 },
    ],
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
    [
      { header: 'Owner', kind: 'text', width: 32 },
      { header: 'Accounts', kind: 'count', width: 10 },
      { header: 'Score (risk-weighted)', kind: 'percent', width: 14 },
    ],
    { freezeColumns: 1 },
  );
  for (const o of model.owners) owners.add([o.owner, model.accountsOf(o.owner!).length, pct(o)]);
  owners.commit();

  await wb.commit();
}
