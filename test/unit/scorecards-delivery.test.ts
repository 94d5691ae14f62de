import { describe, expect, it } from 'vitest';
import { buildRawEmail, isEmailAddress } from '../../scoring/deliver.js';
import { ownerFileName } from '../../scoring/scorecards/index.js';
import { sheetName } from '../../scoring/scorecards/sheet.js';

describe('raw MIME message', () => {
  const content = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));
  const raw = buildRawEmail({
    from: 'census@example.com',
    to: ['alice@example.com'],
    subject: 'Scorecard — 61.5%',
    text: 'attached',
    attachments: [{ filename: 'owner.xlsx', content, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }],
    date: new Date('2026-11-24T10:00:00Z'),
  }).toString('utf8');

  it('is multipart/mixed with CRLF lines, an encoded subject and the attachment in base64', () => {
    expect(raw).toMatch(/^From: census@example.com\r\nTo: alice@example.com\r\nSubject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\r\n/);
    expect(raw).not.toMatch(/[^\r]\n/);
    const boundary = /boundary="([^"]+)"/.exec(raw)![1]!;
    const part = raw.split(`--${boundary}`)[2]!;
    expect(part).toContain('Content-Disposition: attachment; filename="owner.xlsx"');
    const body = part.split('\r\n\r\n')[1]!;
    expect(body.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(Buffer.from(body.replace(/\s+/g, ''), 'base64')).toEqual(content);
    expect(raw.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
  });

  it('refuses an address that could inject headers', () => {
    expect(isEmailAddress('alice@example.com')).toBe(true);
    expect(isEmailAddress('(no owner)')).toBe(false);
    expect(isEmailAddress('alice@example.com\r\nBcc: eve@example.com')).toBe(false);
    expect(() => buildRawEmail({ from: 'census@example.com', to: ['a@example.com\nBcc: e@example.com'], subject: 's', text: 't', attachments: [] })).toThrow(/not a mail address/);
  });
});

describe('names', () => {
  it('sheet names fit Excel: 31 characters, no []:*?/\\, unique', () => {
    const taken = new Set<string>();
    expect(sheetName('111111111111 a/b[c]:d*e?f\\g and a long tail', taken)).toBe('111111111111 a_b_c__d_e_f_g and');
    expect(sheetName('Summary', taken)).toBe('Summary');
    expect(sheetName('summary', taken)).toBe('summary~2');
  });
  it('owner file names are readable and distinct', () => {
    expect(ownerFileName('alice@example.com', '2026-11-24')).toMatch(/^owner-alice@example.com-[0-9a-f]{6}-2026-11-24\.xlsx$/);
    expect(ownerFileName('a/b', 'd')).not.toBe(ownerFileName('a_b', 'd'));
    expect(ownerFileName('../../etc/passwd', 'd')).not.toContain('/');
  });
});
