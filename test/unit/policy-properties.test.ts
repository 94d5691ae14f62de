// One meaning of "public": for any generated resource policy, the record's enrichment (public, publicVerdict,
// trustedAccounts) and the findings of the matching requirements say the same thing; every resource type whose
// policy Census reads gets its verdict from the engine; no other module reads policies for "public".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../core/schemas.js';
import { withTrust } from '../../policy/trust.js';
import { builtinChecks } from '../../standard/checks/index.js';
import { CatalogError, parseCatalog, type Catalog } from '../../standard/catalog.js';
import { evaluateRecordsDetailed, loadCatalog } from '../../standard/index.js';
import type { ResourceCheck } from '../../standard/types.js';
import { ORG_ACCOUNT, policyArb, VENDOR } from '../fixtures/policy/generate.js';
import { accountRecord, POLICY_RECORDS } from '../fixtures/policy/records.js';
import * as f from '../fixtures/standard/aws-shapes.js';

const NOT_PUBLIC_CHECKS = new Set(['s3_bucket_policy_not_public', 'resource_policy_not_public']);
const base = loadCatalog();
const withSetting = (setting: 'pass' | 'fail' | 'warn' | undefined): Catalog =>
  setting === undefined ? base : { ...base, requirements: base.requirements.map((r) => (NOT_PUBLIC_CHECKS.has(r.check ?? '') ? { ...r, networkRestricted: setting } : r)) };
const notPublicRequirement = (catalog: Catalog, type: string) => catalog.requirements.find((r) => NOT_PUBLIC_CHECKS.has(r.check ?? '') && r.resourceTypes.includes(type));

const ctx = {
  orgAccounts: new Map([[f.ACCOUNT, { name: 'payments-prod' }], [ORG_ACCOUNT, { name: 'shared-services' }]]),
  register: new Map([[VENDOR, { accountId: VENDOR, name: 'Datadog', approved: true, note: null, source: 'test' }]]),
};
const policyTypes = Object.keys(POLICY_RECORDS).filter((t) => t !== 'AWS::IAM::Role');

describe('the record and the findings cannot disagree', () => {
  it('public / publicVerdict and the "not public" requirement, and trustedAccounts and the trust requirement, for any policy', () => {
    fc.assert(
      fc.property(fc.constantFrom(...policyTypes), policyArb, fc.constantFrom<'pass' | 'fail' | 'warn' | undefined>(undefined, 'pass', 'fail', 'warn'), (type, policy, setting) => {
        const catalog = withSetting(setting);
        const record = withTrust(POLICY_RECORDS[type]!('r', policy.Statement), ctx);
        const requirement = notPublicRequirement(catalog, type)!;
        const { findings, problems } = evaluateRecordsDetailed(catalog, [record], f.NOW);
        const finding = findings.find((x) => x.requirementId === requirement.id);
        const problem = problems.find((p) => p.requirementId === requirement.id);
        const network = setting ?? requirement.networkRestricted ?? (builtinChecks.get(requirement.check!) as ResourceCheck).networkRestrictedDefault;

        expect(record.public).toBe(record.publicVerdict === 'undecided' ? undefined : record.publicVerdict === 'public');
        switch (record.publicVerdict) {
          case 'public':
            expect(finding).toMatchObject({ status: 'FAIL', evidence: expect.stringMatching(/is public/) });
            break;
          case 'undecided':
            // never a PASS: not evaluated, with the construct named
            expect(finding).toBeUndefined();
            expect(problem?.message).toBeTruthy();
            break;
          case 'network-restricted':
            expect(finding).toMatchObject({ status: network === 'fail' ? 'FAIL' : 'PASS', evidence: expect.stringMatching(/network-restricted/) });
            expect(finding!.warning ?? false).toBe(network === 'warn');
            break;
          default:
            expect(finding).toMatchObject({ status: 'PASS' });
            expect(finding!.warning).toBeUndefined();
        }
        expect(problem === undefined).toBe(record.publicVerdict !== 'undecided');

        // the trust map and the trust requirement
        const trust = findings.find((x) => x.requirementId === 'CSS-POL-01');
        const bad = record.trustedAccounts!.filter((t) => t.classification === 'unknown' || t.approved === false);
        if (trust) {
          expect(trust.status).toBe(bad.length ? 'FAIL' : 'PASS');
          for (const t of bad) expect(trust.evidence).toContain(t.accountId);
        }
        // every account a granting statement names is on the trust map (the resource's own account excepted)
        const granted = new Set(record.policyStatements!.filter((s) => s.verdict !== 'not-granted').flatMap((s) => s.accounts));
        granted.delete(f.ACCOUNT);
        expect(new Set(record.trustedAccounts!.map((t) => t.accountId))).toEqual(granted);
      }),
      { numRuns: 400 },
    );
  });
});

describe('every resource type whose policy Census reads', () => {
  const open = [{ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }];
  const pinned = [{ Sid: 'Org', Effect: 'Allow', Principal: '*', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }];

  it.each(Object.keys(POLICY_RECORDS))('%s gets its verdict from the engine, and its requirement follows it', (type) => {
    const publicRecord = withTrust(POLICY_RECORDS[type]!('open', open), ctx);
    const orgRecord = withTrust(POLICY_RECORDS[type]!('org', pinned), ctx);
    expect(publicRecord).toMatchObject({ public: true, publicVerdict: 'public', policyStatements: [expect.objectContaining({ sid: 'Open', verdict: 'public' })] });
    expect(orgRecord).toMatchObject({ public: false, publicVerdict: 'org-restricted', policyStatements: [expect.objectContaining({ sid: 'Org', organizations: ['o-a1b2c3d4e5'] })] });
    const requirement = notPublicRequirement(base, type);
    if (type === 'AWS::IAM::Role') {
      expect(requirement).toBeUndefined(); // a trust policy's public grant shows on the record and the trust map
      return;
    }
    const status = (r: ResourceRecord) => evaluateRecordsDetailed(base, [r], f.NOW).findings.find((x) => x.requirementId === requirement!.id)?.status;
    expect([status(publicRecord), status(orgRecord)]).toEqual(['FAIL', 'PASS']);
  });

  it('the "not public" checks cover exactly these types, and the catalog has a requirement for each', () => {
    const covered = new Set([...NOT_PUBLIC_CHECKS].flatMap((id) => builtinChecks.get(id)!.resourceTypes));
    for (const t of ['AWS::OpenSearch::Domain', 'AWS::Elasticsearch::Domain']) covered.delete(t); // older names of the OpenSearch domain
    expect([...covered].sort()).toEqual(policyTypes.sort());
    for (const type of policyTypes) expect(notPublicRequirement(base, type), type).toBeDefined();
  });

  it('the S3 ACL goes through the same verdicts: AllUsers is public unless IgnorePublicAcls', () => {
    const acl = f.bucketAcl([f.ownerGrant, f.allUsersRead]);
    const open = withTrust(f.bucket('acl-open', { BucketAcl: acl }), ctx);
    const ignored = withTrust(f.bucket('acl-ignored', { BucketAcl: acl, ...f.pab(true) }), ctx);
    expect(open).toMatchObject({ public: true, publicVerdict: 'public' });
    expect(ignored).toMatchObject({ public: false });
    const s302 = (r: ResourceRecord) => evaluateRecordsDetailed(base, [r], f.NOW).findings.find((x) => x.requirementId === 'CSS-S3-02')!;
    expect(s302(open)).toMatchObject({ status: 'FAIL', evidence: expect.stringMatching(/READ to AllUsers/) });
    expect(s302(ignored)).toMatchObject({ status: 'PASS', evidence: expect.stringMatching(/IgnorePublicAcls/) });
  });

  it('RestrictPublicBuckets narrows a public bucket policy on the record and in the finding alike', () => {
    const r = withTrust(f.bucket('restricted', { BucketPolicy: f.bucketPolicy(open), ...f.pab(true) }), ctx);
    expect(r).toMatchObject({ public: false, publicVerdict: 'account-restricted', publicReason: expect.stringMatching(/RestrictPublicBuckets/) });
    expect(evaluateRecordsDetailed(base, [r], f.NOW).findings.find((x) => x.requirementId === 'CSS-S3-01')).toMatchObject({ status: 'PASS' });
  });
});

describe('networkRestricted in the catalog', () => {
  it('is taken only by the "not public" checks', () => {
    const raw = { version: '1', requirements: [{ id: 'CSS-X-01', title: 't', description: 'd', severity: 'low', remediation: 'r', check: 'rds_instance_not_public', networkRestricted: 'warn' }] };
    expect(() => parseCatalog(raw)).toThrow(CatalogError);
    expect(() => parseCatalog(raw)).toThrow(/networkRestricted: only "not public" checks/);
    expect(parseCatalog({ ...raw, requirements: [{ ...raw.requirements[0], check: 'resource_policy_not_public', resourceTypes: ['AWS::SQS::Queue'] }] }).requirements[0]!.networkRestricted).toBe('warn');
  });

  it('the account list of the organization classifies trusted accounts', () => {
    const record = withTrust(POLICY_RECORDS['AWS::SQS::Queue']!('q', [{ Effect: 'Allow', Principal: { AWS: [ORG_ACCOUNT, VENDOR, '555566667777'] }, Action: 'sqs:*', Resource: '*' }]), {
      ...ctx,
      orgAccounts: new Map([[accountRecord(ORG_ACCOUNT, 'shared').accountId, { name: 'shared' }]]),
    });
    expect(record.trustedAccounts!.map((t) => [t.accountId, t.classification])).toEqual([
      [ORG_ACCOUNT, 'org'],
      [VENDOR, 'known'],
      ['555566667777', 'unknown'],
    ]);
  });
});

describe('one definition of "public"', () => {
  it('no module outside policy/ reads condition keys, principals or ACL groups to decide it', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const readers = ['standard', 'processors', 'collectors', 'scoring', 'opensearch', 'dashboards', 'registers', 'bin', 'core', 'platform'];
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
      });
    const offenders = readers
      .flatMap((d) => files(join(root, d)))
      .filter((p) => /aws:principalorgid|aws:sourceip|aws:sourcevpce|groups\/global\/AllUsers|NotPrincipal|hasWildcardPrincipal|publicStatements/i.test(readFileSync(p, 'utf8')))
      .map((p) => p.slice(root.length));
    expect(offenders).toEqual([]);
  });
});
