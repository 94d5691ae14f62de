// Secret values: how a value that may hold a secret is kept (a marker with its length and a salted hash, never
// the value), and the signal that says a value *looks* like a secret. The collectors compute both at collection
// time, because the value is gone afterwards; the standard's check (standard/checks/secrets.ts) only reads the
// markers. Pure: no I/O.
import { createHmac } from 'node:crypto';
import { isRecord } from './util.js';

/** What is stored in place of a value that may hold a secret. */
export interface RedactedValue {
  /** `hmac-sha256`: `hash` is HMAC-SHA256(salt, value), truncated; `length-only`: no salt was configured */
  redacted: 'hmac-sha256' | 'length-only';
  /** bytes (UTF-8; for base64 user data, the decoded bytes) */
  length: number;
  /** first 32 hex digits of HMAC-SHA256(salt, value): stable across runs, so a change is detectable */
  hash?: string;
  /** why the value looks like a secret (never quoting it); absent when nothing suggests one */
  looksSecret?: string;
}

export const isRedacted = (v: unknown): v is RedactedValue =>
  isRecord(v) && (v.redacted === 'hmac-sha256' || v.redacted === 'length-only') && typeof v.length === 'number';

export interface RedactOptions {
  /** the deployment's salt (config `redactionSalt`, CENSUS_REDACTION_SALT); without it only the length is kept */
  salt?: string;
  /** the value is base64 (EC2 user data): measure, hash and scan the decoded bytes */
  base64?: boolean;
}

function bytesOf(value: unknown, base64: boolean): Buffer {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  if (base64 && typeof value === 'string' && /^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) return Buffer.from(value, 'base64');
  return Buffer.from(text, 'utf8');
}

/** The marker for one value; `name` (the variable, parameter or field name) only feeds the secret signal. */
export function redactValue(name: string, value: unknown, opts: RedactOptions = {}): RedactedValue {
  if (isRedacted(value)) return value;
  const bytes = bytesOf(value, opts.base64 ?? false);
  const text = bytes.toString('utf8');
  const looksSecret = opts.base64 ? scanText(text) : secretSignal(name, text);
  return {
    redacted: opts.salt ? 'hmac-sha256' : 'length-only',
    length: bytes.length,
    ...(opts.salt ? { hash: createHmac('sha256', opts.salt).update(bytes).digest('hex').slice(0, 32) } : {}),
    ...(looksSecret ? { looksSecret } : {}),
  };
}

// --- the secret signal ---------------------------------------------------------------------------

/** Names that say "this holds a secret"; the suffixes that say "this only points at one" are excluded below. */
const SECRET_NAME = /passw(or)?d|passphrase|secret|token|api[-_.]?key|access[-_.]?key|private[-_.]?key|credential|auth[-_.]?key|signing[-_.]?key|encryption[-_.]?key|(^|[-_.])(pwd|pass|pw)($|[-_.])/i;
const POINTER_SUFFIX = /[-_.]?(arn|name|id|path|param|parameter|file|location|ref|ttl|length|type|header|endpoint|expiry|expiration|duration|url|uri)$/i;

/** Values that are not a secret whatever the name: empty, flags, small numbers, references to a secret store. */
function harmless(value: string): boolean {
  const v = value.trim();
  return (
    v === '' ||
    /^(true|false|yes|no|on|off|none|null|enabled|disabled|\*+)$/i.test(v) ||
    /^\d{1,6}$/.test(v) ||
    isReference(v)
  );
}

/** A pointer to where the secret lives (the recommended practice), not the secret itself. */
export function isReference(v: string): boolean {
  return (
    /^arn:aws[\w-]*:(secretsmanager|ssm|kms):/i.test(v) ||
    /^\{\{resolve:(secretsmanager|ssm|ssm-secure):/i.test(v) ||
    /^\$\{?[A-Za-z_]/.test(v) ||
    /^\$\(/.test(v)
  );
}

const TOKEN_SHAPES: [RegExp, string][] = [
  [/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/, 'has the shape of an AWS access key ID (AKIA/ASIA...)'],
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'holds a PEM private key'],
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{40,}/, 'has the shape of a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'has the shape of a GitLab token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'has the shape of a Slack token'],
  [/\b(sk|rk)_live_[A-Za-z0-9]{16,}/, 'has the shape of a Stripe live key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'has the shape of a Google API key'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/, 'has the shape of a signed JWT'],
  [/[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i, 'is a URL with embedded credentials'],
];

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/**
 * A random-looking token: 20+ characters of a base64/base64url alphabet mixing upper case, lower case and digits
 * (hex digests, UUIDs and words are left alone), with an entropy close to the most its length allows.
 */
function highEntropy(v: string): string | undefined {
  if (v.length < 20 || v.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(v)) return undefined;
  if (!/[a-z]/.test(v) || !/[A-Z]/.test(v) || !/[0-9]/.test(v)) return undefined;
  const h = entropy(v);
  return h >= Math.min(4.5, 0.9 * Math.log2(v.length)) ? `is a high-entropy string (${v.length} characters, ${h.toFixed(1)} bits/char)` : undefined;
}

/** Why a `name = value` pair (an environment variable, a parameter) looks like a secret, or undefined. */
export function secretSignal(name: string, value: string): string | undefined {
  if (isReference(value.trim())) return undefined;
  for (const [re, why] of TOKEN_SHAPES) if (re.test(value)) return `value ${why}`;
  const m = SECRET_NAME.exec(name);
  if (m && !POINTER_SUFFIX.test(name) && !harmless(value)) return `name ${name} suggests a secret (${m[0].replace(/^[-_.]|[-_.]$/g, '').toUpperCase()}) and the value is a literal`;
  const h = highEntropy(value.trim());
  if (h) return `value ${h}`;
  if (value.includes('\n')) {
    const inner = scanText(value);
    if (inner) return `value: ${inner}`;
  }
  return undefined;
}

const ASSIGNMENT = /^\s*(?:export\s+|set\s+|\$env:|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*(.*)$/;
const SECRET_FLAG = /--(password|passwd|token|secret|api-key|apikey|access-key|secret-key)[= ]+["']?([^\s"']+)/i;

/** Why a script or document (user data) looks like it holds a secret: the line and the name, never the value. */
export function scanText(text: string): string | undefined {
  const reasons: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && reasons.length < 3; i++) {
    const line = lines[i]!;
    const shape = TOKEN_SHAPES.find(([re]) => re.test(line));
    if (shape) {
      reasons.push(`line ${i + 1} ${shape[1]}`);
      continue;
    }
    const a = ASSIGNMENT.exec(line);
    if (a) {
      const value = a[2]!.trim().replace(/^["']|["']$/g, '');
      if (SECRET_NAME.test(a[1]!) && !POINTER_SUFFIX.test(a[1]!) && !harmless(value)) {
        reasons.push(`line ${i + 1} sets ${a[1]} to a literal value`);
        continue;
      }
    }
    const f = SECRET_FLAG.exec(line);
    if (f && !isReference(f[2]!)) reasons.push(`line ${i + 1} passes --${f[1]!.toLowerCase()} with a literal value`);
  }
  return reasons.length ? reasons.join('; ') : undefined;
}
