// IAM users, the root user (credential report) and IAM Access Analyzer.
// Inputs (AWS API response shapes):
//   AWS::IAM::User configuration = ListUsers `Users[]` / GetUser `User`
//     supplementaryConfiguration.AccessKeys        = ListAccessKeys `AccessKeyMetadata[]` (each key may carry
//                                                    its GetAccessKeyLastUsed `AccessKeyLastUsed`)
//     supplementaryConfiguration.AccessKeyLastUsed = { [AccessKeyId]: GetAccessKeyLastUsed `AccessKeyLastUsed` }
//     supplementaryConfiguration.LoginProfile      = GetLoginProfile `LoginProfile` (absent: no console password)
//     supplementaryConfiguration.MFADevices        = ListMFADevices `MFADevices[]`
//   CREDENTIAL_REPORT_TYPE configuration = GetCredentialReport, as parsed rows (`Report`: [{ user, mfa_active, ... }])
//     or the raw CSV (`Content`, plain or base64)
//   AWS::AccessAnalyzer::Analyzer configuration = ListAnalyzers `analyzers[]` entry { arn, name, type, status }
import { parse } from 'csv-parse/sync';
import type { ResourceRecord } from '../../core/schemas.js';
import type { CheckContext, ResourceCheck, SweepCheck, SweepResult } from '../types.js';
import { ageInDays, asDate, assertCollected, CheckError, clockOf, conf, fail, firstOf, isObj, listOf, pass, supp, type Obj, text } from './util.js';

export const CREDENTIAL_REPORT_TYPE = 'AWS::IAM::CredentialReport';
const MAX_KEY_AGE_DAYS = 90;
const MAX_UNUSED_DAYS = 90;

interface AccessKey {
  id: string;
  active: boolean;
  created?: Date;
  lastUsed?: Date;
}

/** A user's access keys with creation and last-use dates, however the collector nested them. */
export function accessKeys(record: ResourceRecord): AccessKey[] {
  const list = listOf(supp(record).AccessKeys ?? supp(record).AccessKeyMetadata, 'AccessKeyMetadata');
  const lastUsedById = supp(record).AccessKeyLastUsed;
  return list.map((k) => {
    const id = text(k.AccessKeyId);
    const lastUsed = firstOf(k, ['AccessKeyLastUsed.LastUsedDate', 'LastUsedDate']) ?? firstOf(lastUsedById, [`${id}.LastUsedDate`]);
    return { id, active: k.Status === 'Active', created: asDate(k.CreateDate), lastUsed: asDate(lastUsed) };
  });
}

/**
 * A check over a user's active access keys: a user without any passes; otherwise every key `isBad` flags is
 * named in the evidence (`describe`), and none flagged passes with `passText`.
 */
function activeKeysCheck(
  id: string,
  reads: string,
  judge: { isBad(k: AccessKey, now: Date): boolean; describe(k: AccessKey, now: Date): string; passText: string },
): ResourceCheck {
  return {
    id,
    scope: 'resource',
    resourceTypes: ['AWS::IAM::User'],
    reads,
    // key ages are measured from the evaluation time
    clock: true,
    evaluate(record, ctx) {
      assertCollected(record, 'ListAccessKeys');
      const active = accessKeys(record).filter((k) => k.active);
      if (active.length === 0) return pass('no active access keys');
      const now = clockOf(ctx, id);
      const bad = active.filter((k) => judge.isBad(k, now));
      return bad.length
        ? fail(bad.map((k) => `active key ${k.id} ${judge.describe(k, now)}`).join('; '))
        : pass(`${judge.passText}: ${active.map((k) => k.id).join(', ')}`);
    },
  };
}

export const accessKeyRotated = activeKeysCheck('iam_access_key_rotated_90d', 'supplementaryConfiguration.AccessKeys (ListAccessKeys)', {
  isBad: (k, now) => !k.created || ageInDays(k.created, now) > MAX_KEY_AGE_DAYS,
  describe: (k, now) => (k.created ? `is ${ageInDays(k.created, now)} days old` : 'has no creation date'),
  passText: `active keys created within ${MAX_KEY_AGE_DAYS} days`,
});

export const accessKeyUsed = activeKeysCheck(
  'iam_access_key_unused_90d',
  'supplementaryConfiguration.AccessKeys, supplementaryConfiguration.AccessKeyLastUsed (GetAccessKeyLastUsed)',
  {
    // a key never used counts from its creation
    isBad: (k, now) => {
      const since = k.lastUsed ?? k.created;
      return !since || ageInDays(since, now) > MAX_UNUSED_DAYS;
    },
    describe: (k, now) =>
      k.lastUsed ? `last used ${ageInDays(k.lastUsed, now)} days ago` : `never used, created ${k.created ? `${ageInDays(k.created, now)} days ago` : 'at an unknown date'}`,
    passText: `active keys used within ${MAX_UNUSED_DAYS} days`,
  },
);

export const consoleUserMfa: ResourceCheck = {
  id: 'iam_console_user_mfa',
  scope: 'resource',
  resourceTypes: ['AWS::IAM::User'],
  reads: 'supplementaryConfiguration.LoginProfile (GetLoginProfile), supplementaryConfiguration.MFADevices (ListMFADevices)',
  evaluate(record) {
    assertCollected(record, 'GetLoginProfile');
    const profile = supp(record).LoginProfile;
    if (!profile) return undefined; // no console password: the requirement is about console users
    assertCollected(record, 'ListMFADevices');
    const serials = listOf(supp(record).MFADevices, 'MFADevices').map((d) => text(d.SerialNumber));
    return serials.length ? pass(`console user with MFA device ${serials.join(', ')}`) : fail('console password set and no MFA device');
  },
};

// --- credential report (root user) ---------------------------------------------------------------

export type CredentialReportRow = Record<string, string>;

/** The rows of a credential report record, from parsed rows or the raw CSV GetCredentialReport returns. */
export function credentialReportRows(record: ResourceRecord): CredentialReportRow[] {
  const rows = firstOf(conf(record), ['Report', 'rows', 'Rows', 'CredentialReport']);
  if (Array.isArray(rows)) return rows.filter(isObj).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, text(v)])));
  const content = firstOf(conf(record), ['Content', 'content', 'csv']);
  if (typeof content !== 'string') throw new CheckError('credential report has neither parsed rows (Report) nor CSV (Content)');
  const csv = content.trimStart().startsWith('user,') ? content : Buffer.from(content, 'base64').toString('utf8');
  try {
    return parse(csv, { columns: true, skip_empty_lines: true }) as CredentialReportRow[];
  } catch (err) {
    throw new CheckError(`credential report CSV is malformed: ${(err as Error).message}`);
  }
}

function rootSweep(id: string, judge: (root: CredentialReportRow) => ReturnType<typeof pass>): SweepCheck {
  return {
    id,
    scope: 'sweep',
    level: 'account',
    resourceTypes: [CREDENTIAL_REPORT_TYPE],
    reads: `${CREDENTIAL_REPORT_TYPE} (GetCredentialReport) row <root_account>`,
    evaluate(scope): SweepResult[] {
      const record = scope.resources.find((r) => r.resourceType === CREDENTIAL_REPORT_TYPE);
      if (!record) return [{ ...fail('no IAM credential report in the inventory: root user cannot be assessed'), region: 'global' }];
      const root = credentialReportRows(record).find((r) => r.user === '<root_account>');
      if (!root) return [{ ...fail('credential report has no <root_account> row'), region: 'global' }];
      return [{ ...judge(root), region: 'global' }];
    },
  };
}

export const rootNoAccessKeys = rootSweep('iam_root_no_access_keys', (root) => {
  const active = ['1', '2'].filter((n) => root[`access_key_${n}_active`] === 'true');
  return active.length ? fail(`root user has active access key ${active.map((n) => `#${n}`).join(' and ')}`) : pass('root user has no active access keys');
});

export const rootMfa = rootSweep('iam_root_mfa_enabled', (root) =>
  root.mfa_active === 'true' ? pass('root user has MFA') : fail('root user has no MFA device'),
);

// --- IAM Access Analyzer ------------------------------------------------------------------------

const EXTERNAL_ACCESS_TYPES = new Set(['ACCOUNT', 'ORGANIZATION']);

export const accessAnalyzerEnabled: SweepCheck = {
  id: 'accessanalyzer_enabled',
  scope: 'sweep',
  level: 'region',
  resourceTypes: ['AWS::AccessAnalyzer::Analyzer'],
  reads: 'AWS::AccessAnalyzer::Analyzer configuration { type, status } (ListAnalyzers)',
  evaluate(scope, _ctx: CheckContext) {
    return scope.regions.map((region) => {
      const analyzers = scope.resources.filter((r) => r.resourceType === 'AWS::AccessAnalyzer::Analyzer' && r.awsRegion === region);
      const active = analyzers.find((r) => {
        const c: Obj = r.configuration;
        return EXTERNAL_ACCESS_TYPES.has(text(c.type ?? 'ACCOUNT')) && text(c.status ?? 'ACTIVE') === 'ACTIVE';
      });
      const verdict = active
        ? pass(`active external-access analyzer ${text(active.configuration.name ?? active.resourceId)} in ${region}`)
        : fail(analyzers.length ? `no ACTIVE account or organization analyzer in ${region}` : `no IAM Access Analyzer in ${region}`);
      return { ...verdict, region };
    });
  },
};

export const iamChecks = [accessKeyRotated, accessKeyUsed, consoleUserMfa, rootNoAccessKeys, rootMfa, accessAnalyzerEnabled];
