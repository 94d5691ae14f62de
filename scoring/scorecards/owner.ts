// The owner scorecard: one workbook per owner, holding only that owner's accounts and resources. The
// same layout serves the "unowned accounts" book (accounts without an owner tag) for the enterprise list.
import { NO_OWNER, type NonCompliantResource } from '../score.js';
import type { ScorecardModel } from './model.js';
import { LAPSE_WINDOW_DAYS, pct } from './model.js';
import { BlockSheet, TableSheet, columns, newWorkbook, points, sheetName, type ColumnSpec } from './sheet.js';

const { text } = columns;
/** Rows the Summary lists per exception table before pointing to the account sheets (keeps it one page). */
const SUMMARY_LIST_LIMIT = 8;
const TOP_FIXES = 5;
/** Requirement columns per matrix block: eight 17-character columns (a bold requirement ID fits one line) fit a landscape page. */
export const MATRIX_BLOCK = 8;

const resourceColumns: ColumnSpec[] = [
  text('Severity', 9),
  text('Requirement', 12),
  text('Title', 24),
  text('Resource', 26),
  text('Region', 11),
  text('Status', 9),
  text('Evidence', 32),
  text('Remediation', 36),
  text('Exception ID', 11),
  text('Exception reason', 20),
  text('Approved by', 18),
  text('Expires', 11),
  text('Exception state', 10),
];

/** A requirement as a matrix heading: its ID and short title. */
export const requirementHeading = (r: { id: string; title: string }) => `${r.id} ${r.title}`;

/** The resource as the account sheet names it: its ARN (which says region and type), else its id. */
const resourceLabel = (f: NonCompliantResource) => f.resourceArn ?? f.resourceId;

/** Write `owner`'s workbook to `filename`; returns the account IDs it holds. */
export async function writeOwnerWorkbook(model: ScorecardModel, owner: string, filename: string): Promise<string[]> {
  const accounts = model.accountsOf(owner);
  const ids = accounts.map((a) => a.accountId);
  const ownerScore = model.ownerRecord(owner);
  const unowned = owner === NO_OWNER;
  const wb = newWorkbook(filename);
  const taken = new Set<string>();

  // Summary: what the owner acts on, on one page
  const summary = new BlockSheet(wb, sheetName('Summary', taken), [28, 40, 13, 13, 60]);
  summary.heading(unowned ? `Unowned accounts — security scorecard` : `Security scorecard — ${owner}`, 14);
  const change = model.change(ownerScore);
  summary.pairs([
    ['Scorecard for', unowned ? `${NO_OWNER}: accounts without an owner tag` : owner],
    ['As of', model.asOf],
    ['Risk-weighted score', pct(ownerScore), 'percent'],
    ['Change since the previous run', points(change.previous), 'points'],
    ['Change over 7 days', points(change.week), 'points'],
    ['Change over 30 days', points(change.month), 'points'],
    ['Accounts', accounts.length, 'count'],
  ]);
  if (unowned) summary.note('These accounts carry no owner tag: tag them so their owner gets this scorecard.');
  summary.blank();
  summary.heading(`Top ${TOP_FIXES} fixes: what raises the score most`);
  summary.table(
    ['Requirement', 'Title', 'Failing resources', 'Score gain', 'What to do'],
    ['text', 'text', 'count', 'points', 'text'],
    model.ownerFixes(owner, TOP_FIXES).map((f) => [f.requirementId, f.title, f.failing, points(f.gain), f.remediation]),
    'Nothing to fix: no failing resource.',
  );
  summary.blank();
  const lapsing = model.lapsing(ids);
  summary.heading(`Exceptions expiring within ${LAPSE_WINDOW_DAYS} days`);
  summary.table(
    ['Exception ID', 'Resource', 'Requirement', 'Expires', 'Account, reason, approved by'],
    ['text', 'text', 'text', 'text', 'text'],
    lapsing.slice(0, SUMMARY_LIST_LIMIT).map((f) => [f.exception!.exceptionId, f.resourceId, f.requirementId, f.exception!.expiresAt, `${f.accountId}: ${f.exception!.reason} (${f.exception!.approvedBy})`]),
    'None.',
  );
  if (lapsing.length > SUMMARY_LIST_LIMIT) summary.note(`…and ${lapsing.length - SUMMARY_LIST_LIMIT} more on the account sheets.`);
  if (lapsing.length) summary.pairs([['Score when they lapse', pct({ score: model.scoreAfterLapse(ids, lapsing) }), 'percent']]);
  summary.blank();
  const expired = model.expiredStillFailing(ids);
  summary.heading('Expired exceptions still failing (no credit)');
  summary.table(
    ['Exception ID', 'Resource', 'Requirement', 'Expired', 'Account, reason, approved by'],
    ['text', 'text', 'text', 'text', 'text'],
    expired.slice(0, SUMMARY_LIST_LIMIT).map((f) => [f.exception!.exceptionId, f.resourceId, f.requirementId, f.exception!.expiresAt, `${f.accountId}: ${f.exception!.reason} (${f.exception!.approvedBy})`]),
    'None.',
  );
  if (expired.length > SUMMARY_LIST_LIMIT) summary.note(`…and ${expired.length - SUMMARY_LIST_LIMIT} more on the account sheets.`);
  summary.commit();

  // Matrix: one row per account, a column per requirement that applies to any of them, in blocks of
  // MATRIX_BLOCK requirements stacked down the sheet so the headings stay readable on one page width
  const applicable = model.requirements.filter((r) => accounts.some((a) => (model.cell(a.accountId, r.id)?.total ?? 0) > 0));
  const matrix = new BlockSheet(wb, sheetName('Matrix', taken), [32, 9, 10, ...Array<number>(MATRIX_BLOCK).fill(17)]);
  matrix.heading(`Score per account and requirement — ${unowned ? NO_OWNER : owner}, as of ${model.asOf}`);
  if (!applicable.length) matrix.note('No requirement applies to these accounts yet.');
  for (let i = 0; i < applicable.length; i += MATRIX_BLOCK) {
    const block = applicable.slice(i, i + MATRIX_BLOCK);
    matrix.blank();
    matrix.table(
      ['Account', 'Account score', 'Change since previous run', ...block.map(requirementHeading)],
      ['text', 'percent', 'points', ...block.map(() => 'percent' as const)],
      accounts.map((a) => [`${a.accountId} ${a.name}`, pct(a.score), points(model.change(a.score).previous), ...block.map((r) => pct(model.cell(a.accountId, r.id)))]),
      'No accounts.',
    );
  }
  matrix.commit();

  // One sheet per account: what fails there, heaviest first, with what to do
  for (const a of accounts) {
    const fixes = model.accountFixes(a.accountId, 1);
    const sheet = new TableSheet(wb, sheetName(`${a.accountId} ${a.name}`, taken), resourceColumns, {
      title: [
        ['Account', `${a.accountId} ${a.name}`],
        ['Account score', pct(a.score), 'percent'],
        ['Best fix', fixes[0] ? `${fixes[0].requirementId} ${fixes[0].title}: ${fixes[0].failing} failing, +${points(fixes[0].gain)} pts` : 'nothing failing'],
      ],
    });
    const rows = model.nonCompliantOf(a.accountId);
    for (const f of rows) {
      const r = model.requirement(f.requirementId);
      const e = f.exception;
      sheet.add([
        r?.severity,
        f.requirementId,
        r?.title,
        resourceLabel(f),
        f.region,
        f.excepted ? 'excepted' : 'failing',
        f.evidence,
        r?.remediation,
        e?.exceptionId,
        e?.reason,
        e?.approvedBy,
        e?.expiresAt,
        e ? (e.active ? 'active' : 'expired') : undefined,
      ]);
    }
    if (rows.length === 0) sheet.note('No non-compliant resources.');
    sheet.commit();
  }
  await wb.commit();
  return ids;
}
