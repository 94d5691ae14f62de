// Scorecard delivery: each owner gets their workbook, the configured list gets the enterprise one,
// through SES SendRawEmail (a MIME message with the workbook attached).
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { createHash } from 'node:crypto';
import { clientConfig } from '../platform/aws.js';
import { log } from '../platform/log.js';
import { readManifest, readScorecard, type ScorecardSource } from './store.js';
import { XLSX_CONTENT_TYPE } from './scorecards/sheet.js';
import type { ScorecardManifest } from './scorecards/index.js';
import { NO_OWNER } from './score.js';

/** SES v1 refuses raw messages over 10 MB (after base64). */
export const SES_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
/** An owner tag is a mail address only when it looks like one (no spaces, no CR/LF to inject headers). */
export const isEmailAddress = (s: string) => EMAIL.test(s);

export interface Attachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

/** RFC 2047 for a header value that is not plain ASCII. */
const headerText = (s: string) => (/^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`);
const base64Lines = (b: Buffer) => b.toString('base64').replace(/.{1,76}/g, '$&\r\n');

/**
 * A multipart/mixed message: the body (plain text, or multipart/alternative plain text + HTML when
 * `html` is given) and the attachments, base64, CRLF line ends.
 */
export function buildRawEmail(msg: { from: string; to: string[]; subject: string; text: string; html?: string; attachments: Attachment[]; date?: Date }): Buffer {
  for (const addr of [msg.from, ...msg.to]) if (!isEmailAddress(addr)) throw new Error(`not a mail address: ${JSON.stringify(addr)}`);
  const boundary = `census-${createHash('sha256').update(msg.subject + msg.to.join(',') + msg.attachments.map((a) => a.filename).join(',')).digest('hex').slice(0, 24)}`;
  const parts = [
    `From: ${msg.from}`,
    `To: ${msg.to.join(', ')}`,
    `Subject: ${headerText(msg.subject)}`,
    `Date: ${(msg.date ?? new Date()).toUTCString()}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
  ];
  const textPart = ['Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: base64', '', base64Lines(Buffer.from(msg.text, 'utf8'))];
  if (msg.html === undefined) parts.push(...textPart);
  else {
    const alt = `${boundary}-alt`;
    parts.push(
      `Content-Type: multipart/alternative; boundary="${alt}"`,
      '',
      `--${alt}`,
      ...textPart,
      `--${alt}`,
      'Content-Type: text/html; charset=UTF-8',
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(Buffer.from(msg.html, 'utf8')),
      `--${alt}--`,
      '',
    );
  }
  for (const a of msg.attachments) {
    const name = a.filename.replace(/["\r\n\\]/g, '_');
    parts.push(
      `--${boundary}`,
      `Content-Type: ${a.contentType}; name="${name}"`,
      `Content-Disposition: attachment; filename="${name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64Lines(a.content),
    );
  }
  parts.push(`--${boundary}--`, '');
  return Buffer.from(parts.join('\r\n'), 'utf8');
}

const pct = (s: number | null) => (s === null ? 'n/a' : `${(s * 100).toFixed(1)}%`);
const pts = (d: number | null | undefined) => (d === null || d === undefined ? 'n/a' : `${d >= 0 ? '+' : ''}${(d * 100).toFixed(1)} pts`);
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

type Headline = Pick<ScorecardManifest['owners'][number], 'score' | 'change' | 'fixes'>;

/**
 * The mail body of a scorecard: the score, its change since the previous run, 7 and 30 days, and the
 * top fixes, as plain text and as HTML (every value escaped: owner tags and titles are data).
 */
export function scorecardBody(opts: { intro: string; scoreLabel: string; book: Headline; outro: string }): { text: string; html: string } {
  const { book } = opts;
  const change = book.change;
  const trend = change ? `${pts(change.previous)} since the previous run, ${pts(change.week)} over 7 days, ${pts(change.month)} over 30 days` : 'no earlier run to compare with';
  const fixes = book.fixes ?? [];
  const fixLines = fixes.map((f, i) => `${i + 1}. ${f.requirementId} ${f.title}: ${f.failing} failing resource(s), ${pts(f.gain)} when fixed`);
  const text = [
    opts.intro,
    '',
    `${opts.scoreLabel}: ${pct(book.score)} (${trend})`,
    '',
    fixes.length ? 'What raises the score most:' : 'Nothing to fix: no failing resource.',
    ...fixLines,
    '',
    opts.outro,
  ].join('\r\n');
  const html = [
    '<!DOCTYPE html><html><body style="font-family:Arial,Helvetica,sans-serif">',
    `<p>${escapeHtml(opts.intro)}</p>`,
    `<p style="font-size:16px"><b>${escapeHtml(opts.scoreLabel)}: ${escapeHtml(pct(book.score))}</b> (${escapeHtml(trend)})</p>`,
    fixes.length
      ? `<p>What raises the score most:</p><table cellpadding="4" style="border-collapse:collapse" border="1"><tr><th>Requirement</th><th>Title</th><th>Failing</th><th>Gain</th></tr>${fixes
          .map((f) => `<tr><td>${escapeHtml(f.requirementId)}</td><td>${escapeHtml(f.title)}</td><td align="right">${f.failing}</td><td align="right">${escapeHtml(pts(f.gain))}</td></tr>`)
          .join('')}</table>`
      : '<p>Nothing to fix: no failing resource.</p>',
    `<p>${escapeHtml(opts.outro).replaceAll('\r\n', '<br>')}</p>`,
    '</body></html>',
  ].join('\r\n');
  return { text, html };
}

export interface Delivery {
  to: string[];
  file: string;
  /** `unaddressed`: nobody to send it to (no owner tag, an owner tag that is no address, no recipients configured) */
  status: 'sent' | 'unaddressed' | 'failed';
  messageId?: string;
  /** why it was not sent */
  reason?: string;
}

export interface DeliverOptions {
  source: ScorecardSource;
  from: string;
  enterpriseRecipients: string[];
  ses?: SESClient;
  /** where the workbooks can be found, for the mail text (e.g. the S3 location) */
  location?: string;
}

/**
 * Mail every scorecard of a run. One failed message never stops the others: each outcome is returned,
 * and the caller decides whether failures fail the job.
 */
export async function deliverScorecards(opts: DeliverOptions): Promise<Delivery[]> {
  const ses = opts.ses ?? new SESClient(clientConfig());
  const manifest = await readManifest(opts.source);
  const where = opts.location ? `\r\nAll scorecards of this run: ${opts.location}` : '';
  const sheets = `The workbook's Summary has the details; each account's sheet lists what fails there, heaviest first, with what to do and the risk-register exceptions that apply.${where}`;
  const jobs: { to: string[]; file: string; subject: string; text: string; html: string }[] = [
    ...manifest.owners.map((o) => ({
      to: [o.owner],
      file: o.file,
      subject: `Security scorecard ${manifest.asOf}: ${pct(o.score)}`,
      ...scorecardBody({ intro: `Your accounts' security scorecard as of ${manifest.asOf} is attached (${o.accountIds.length} account(s)).`, scoreLabel: 'Risk-weighted score', book: o, outro: sheets }),
    })),
    {
      to: opts.enterpriseRecipients,
      file: manifest.enterprise.file,
      subject: `Enterprise security scorecard ${manifest.asOf}: ${pct(manifest.enterprise.score)}`,
      ...scorecardBody({ intro: `The enterprise security scorecard as of ${manifest.asOf} is attached.`, scoreLabel: 'Enterprise score (spend-weighted)', book: manifest.enterprise, outro: `The Summary ranks executives, the worst accounts and the most common failures.${where}` }),
    },
    ...(manifest.unowned
      ? [
          {
            to: opts.enterpriseRecipients,
            file: manifest.unowned.file,
            subject: `Unowned accounts security scorecard ${manifest.asOf}: ${pct(manifest.unowned.score)}`,
            ...scorecardBody({
              intro: `${manifest.unowned.accountIds.length} account(s) carry no owner tag, so no owner receives their scorecard; it is attached. Tag them with their owner.`,
              scoreLabel: 'Risk-weighted score',
              book: manifest.unowned,
              outro: sheets,
            }),
          },
        ]
      : []),
  ];
  const out: Delivery[] = [];
  for (const job of jobs) {
    const bad = job.to.filter((t) => !isEmailAddress(t));
    if (job.to.length === 0 || bad.length) {
      const reason =
        job.to.length === 0 ? 'no recipients configured' : bad.includes(NO_OWNER) ? 'accounts without an owner tag' : `not a mail address: ${bad.join(', ')}`;
      log.warn({ file: job.file, reason }, 'scorecard not mailed');
      out.push({ to: job.to, file: job.file, status: 'unaddressed', reason });
      continue;
    }
    try {
      const content = await readScorecard(opts.source, job.file);
      const raw = buildRawEmail({ from: opts.from, to: job.to, subject: job.subject, text: job.text, html: job.html, attachments: [{ filename: job.file, content, contentType: XLSX_CONTENT_TYPE }] });
      if (raw.length > SES_MAX_MESSAGE_BYTES) throw new Error(`message is ${raw.length} bytes, over SES's ${SES_MAX_MESSAGE_BYTES}`);
      const res = await ses.send(new SendRawEmailCommand({ Source: opts.from, Destinations: job.to, RawMessage: { Data: raw } }));
      out.push({ to: job.to, file: job.file, status: 'sent', messageId: res.MessageId });
    } catch (err) {
      const reason = `${(err as Error).name}: ${(err as Error).message}`;
      log.error({ file: job.file, to: job.to, err: reason }, 'scorecard mail failed');
      out.push({ to: job.to, file: job.file, status: 'failed', reason });
    }
  }
  return out;
}
