// Stage 2a: whose account a record lives in. The account list is the JSON array of AccountRecords the
// collectors write to `s3Keys.accounts`; it is cached and re-read only when its ETag changes.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Keys } from '../core/indexes.js';
import { kindOf } from '../core/records.js';
import { log } from '../platform/log.js';
import { AccountRecord, parseWith, type AccountContext, type StreamRecord } from '../core/schemas.js';

/**
 * One context per account record: a record and each of its findings carry the same (never mutated) object instead
 * of a copy each, which the processor builds for every record. Weak: it goes with the account list it came from.
 */
const contexts = new WeakMap<AccountRecord, AccountContext>();

export function accountContext(accountId: string, accounts: ReadonlyMap<string, AccountRecord>): AccountContext {
  const a = accounts.get(accountId);
  if (!a) return { accountId, name: null, owner: null, executive: null, payerId: null, ouPath: null, tags: {}, inOrganization: false };
  let context = contexts.get(a);
  if (!context || context.accountId !== accountId) {
    context = { accountId, name: a.name, owner: a.owner, executive: a.executive, payerId: a.payerId, ouPath: a.ouPath, tags: a.tags, inOrganization: true };
    contexts.set(a, context);
  }
  return context;
}

/** Pure: attach `account` (an unknown account is flagged `inOrganization: false`, never dropped). */
export function withAccount<R extends StreamRecord>(record: R, accounts: ReadonlyMap<string, AccountRecord>): R {
  const account = accountFor(record, accounts);
  return account === undefined ? record : { ...record, account };
}

/** The account context withAccount attaches, or undefined for a kind that takes none. */
export function accountFor(record: StreamRecord, accounts: ReadonlyMap<string, AccountRecord>): AccountContext | undefined {
  const id = kindOf(record).takesAccountContext ? kindOf(record).accountId(record) : undefined;
  return id === undefined ? undefined : accountContext(id, accounts);
}

/** Pure: the account list document to a map; entries that break the contract are reported and skipped. */
export function parseAccountList(doc: unknown, source: string): { accounts: Map<string, AccountRecord>; problems: string[] } {
  const accounts = new Map<string, AccountRecord>();
  const problems: string[] = [];
  if (!Array.isArray(doc)) return { accounts, problems: [`${source}: expected a JSON array of account records`] };
  doc.forEach((item, i) => {
    try {
      const a = parseWith(AccountRecord, item, `${source}[${i}]`);
      accounts.set(a.accountId, a);
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  return { accounts, problems };
}

/** The cached account list of one feed bucket. */
export class AccountDirectory {
  private accounts = new Map<string, AccountRecord>();
  private etag: string | undefined;
  private checkedAt = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    /** how long a checked list is trusted without asking S3 again */
    private readonly maxAgeMs = 60_000,
    private readonly key = s3Keys.accounts,
  ) {}

  /** The current list; asks S3 (conditionally on the ETag) when the cached copy is older than maxAgeMs. */
  async current(now = Date.now()): Promise<ReadonlyMap<string, AccountRecord>> {
    if (this.etag !== undefined && now - this.checkedAt < this.maxAgeMs) return this.accounts;
    const source = `s3://${this.bucket}/${this.key}`;
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, IfNoneMatch: this.etag || undefined }));
      const { accounts, problems } = parseAccountList(JSON.parse(await res.Body!.transformToString()), source);
      for (const p of problems) log.warn({ problem: p }, 'account list entry skipped');
      this.accounts = accounts;
      this.etag = res.ETag ?? '';
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 304) {
        // unchanged
      } else if ((err as Error).name === 'NoSuchKey') {
        if (this.etag === undefined) log.warn({ source }, 'no account list yet: every record is flagged as outside the organization');
        this.accounts = new Map();
        this.etag = '';
      } else if (this.etag === undefined) {
        throw err; // never enrich a first batch blind: let it be retried
      } else {
        log.warn({ source, err: (err as Error).message }, 'account list unreadable, keeping the cached copy');
      }
    }
    this.checkedAt = now;
    return this.accounts;
  }
}
