// The owner scorecard: one workbook per owner, holding only that owner's accounts and resources.
import { NO_OWNER } from '../score.js';
import type { ScorecardModel } from './model.js';
import { pct } from './model.js';
import { TableSheet, columns, newWorkbook, sheetName, type ColumnSpec } from './sheet.js';

const { text } = columns;
const resourceColumns: ColumnSpec[] = [
  columns.requirement,
  columns.title,
  columns.severity,
  text('Resource ID', 36),
  text('Resource ARN', 50),
  text('Resource type', 26),
  text('Region', 14),
  text('Evidence', 60),
  text('Status', 10),
  text('Exception ID', 16),
  text('Exception reason', 40),
  text('Approved by', 26),
  text('Exception expires', 12),
  text('Exception state', 12),
  text('Observed at', 22),
];

/** Write `owner`'s workbook to `filename`; returns the account IDs it holds. */
export async function writeOwnerWorkbook(model: ScorecardModel, owner: string, filename: string): Promise<string[]> {
  const accounts = model.accountsOf(owner);
  const ownerScore = model.owners.find((o) => o.owner === owner);
  const requirementsById = new Map(model.requirements.map((r) => [r.id, r]));
  // Only the requirements that apply to at least one of this owner's accounts get a matrix column.
  const applicable = model.requirements.filter((r) => accounts.some((a) => (model.cell(a.accountId, r.id)?.total ?? 0) > 0));
  const wb = newWorkbook(filename);
  const taken = new Set<string>();

  const summary = new TableSheet(
    wb,
    sheetName('Summary', taken),
    [columns.accountId, columns.accountName, columns.executive, columns.score('Account score'), ...columns.counts, ...applicable.map((r) => columns.score(r.id))],
    {
      freezeColumns: 2,
      title: [
        ['Scorecard for', owner],
        ...(owner === NO_OWNER ? ([['Note', 'These accounts carry no owner tag; tag them so their owner gets this scorecard.']] as [string, string][]) : []),
        ['As of', model.asOf],
        ['Risk-weighted score', pct(ownerScore), 'percent'],
        ['Accounts', accounts.length, 'count'],
      ],
    },
  );
  for (const a of accounts) {
    const s = a.score;
    summary.add([a.accountId, a.name, a.executive, pct(s), s.total, s.failing, s.excepted, ...applicable.map((r) => pct(model.cell(a.accountId, r.id)))]);
  }
  summary.commit();

  const reqs = new TableSheet(wb, sheetName('Requirements', taken), [
    columns.requirement,
    columns.title,
    columns.severity,
    columns.weight,
    { ...columns.accounts, header: 'Accounts where it applies', width: 12 },
    ...columns.counts,
  ]);
  for (const r of applicable) {
    const cells = accounts.map((a) => model.cell(a.accountId, r.id)).filter((c) => (c?.total ?? 0) > 0);
    const sum = (k: 'total' | 'failing' | 'excepted') => cells.reduce((n, c) => n + (c?.[k] ?? 0), 0);
    reqs.add([r.id, r.title, r.severity, r.weight, cells.length, sum('total'), sum('failing'), sum('excepted')]);
  }
  reqs.commit();

  for (const a of accounts) {
    const sheet = new TableSheet(wb, sheetName(`${a.accountId} ${a.name}`, taken), resourceColumns, {
      title: [
        ['Account', a.accountId],
        ['Name', a.name],
        ['Account score', pct(a.score), 'percent'],
      ],
    });
    const rows = model.nonCompliantOf(a.accountId);
    for (const f of rows) {
      const r = requirementsById.get(f.requirementId);
      const e = f.exception;
      sheet.add([
        f.requirementId,
        r?.title,
        r?.severity,
        f.resourceId,
        f.resourceArn,
        f.resourceType,
        f.region,
        f.evidence,
        f.excepted ? 'excepted' : 'failing',
        e?.exceptionId,
        e?.reason,
        e?.approvedBy,
        e?.expiresAt,
        e ? (e.active ? 'active' : 'expired') : undefined,
        f.observedAt,
      ]);
    }
    if (rows.length === 0) sheet.note('No non-compliant resources.');
    sheet.commit();
  }
  await wb.commit();
  return accounts.map((a) => a.accountId);
}
