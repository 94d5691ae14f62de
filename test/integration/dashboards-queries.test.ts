// Every panel of the dashboards, run as Dashboards would run it (the query its saved object describes,
// translated by dashboards/query.ts) against the indexes of a small synthetic organization that went
// through the real pipeline and scoring: each answer is non-empty and matches what was planted.
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterPatternFields } from '../../dashboards/cluster.js';
import { checkSavedObjects } from '../../dashboards/contract.js';
import { objectId, savedObjects, type SavedObject } from '../../dashboards/objects.js';
import { runPanel, type TimeRange } from '../../dashboards/query.js';
import { SCHEMA_VERSION, type CollectionErrorRecord } from '../../core/schemas.js';
import { indexNames } from '../../core/indexes.js';
import { processorDeps } from '../../processors/deps.js';
import { processBatch } from '../../processors/pipeline.js';
import { openSearchClient } from '../../platform/opensearch.js';
import { demoConfig, runDemo, type DemoResult } from '../../scripts/demo/run-demo.js';
import type { SyntheticOrgManifest } from '../../scripts/demo/synthetic-org.js';
import { clientConfig, s3Config } from '../../platform/aws.js';
import { assumeRole } from '../../collectors/runtime.js';
import type { ScoreRecord } from '../../core/schemas.js';
import { testIndexPrefix } from './processors-helpers.js';
import { resourceRecord } from '../records.js';

const SECRET = 'hunter2-do-not-index';
/** a resource unchanged for a month: under change-only landing its document keeps this capture time */
const OLD_CAPTURE = new Date(Date.now() - 30 * 86_400_000).toISOString();
/** planted after the demo's scoring run: in the resources index, not in that run's scores */
let oldPublicArn: string;

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The generator plants most problems by chance; a small organization may lack some. Make sure each panel
 * has something to show: an unknown external account, a public bucket, and exceptions in every state on
 * the secrets without rotation (planted in every account): active, expiring within 30 days, expired.
 */
async function plantTheRest(manifest: SyntheticOrgManifest): Promise<void> {
  const member = manifest.accounts[0]!;
  const credentials = await assumeRole({ accountId: member.accountId, roleName: 'OrganizationAccountAccessRole', sessionName: 'census-dashboards-test' });
  if (!manifest.unknownExternalAccounts.length) {
    // an account neither in the organization nor a known vendor (a variant of a member's id was the member itself
    // when that id began with a 9)
    const unknown = ['900000000017', '900000000029'].find((id) => !manifest.accounts.some((a) => a.accountId === id))!;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${unknown}:role/sync` }, Action: 'sts:AssumeRole' }] };
    const role = await new IAMClient(clientConfig({ credentials })).send(new CreateRoleCommand({ RoleName: 'partner-access', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    manifest.problems.rolesTrustingUnknown.push(role.Role!.Arn!);
    manifest.unknownExternalAccounts.push(unknown);
  }
  if (!manifest.problems.publicBuckets.length) {
    const bucket = `census-demo-${member.accountId}-public-assets`;
    const s3 = new S3Client(s3Config({ credentials }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    manifest.problems.publicBuckets.push(`arn:aws:s3:::${bucket}`);
  }
  const secrets = manifest.problems.secretsWithoutRotation;
  [90, 10, -5].forEach((days, i) => {
    const arn = secrets[i]!;
    manifest.exceptions.push({
      exceptionId: `EX-D${i + 1}`,
      accountId: arn.split(':')[4]!,
      requirementId: 'CSS-SM-02',
      resourceId: arn,
      reason: 'rotation handled by the vault',
      approvedBy: 'risk-board@corp.example',
      expiresAt: daysFromNow(days),
    });
  });
}

describe('dashboards answer their questions on a synthetic organization', () => {
  const prefix = testIndexPrefix('dashq');
  const out = join(tmpdir(), prefix);
  const os = openSearchClient();
  let demo: DemoResult;
  let objects: SavedObject[];
  let scores: ScoreRecord[];
  let planted: CollectionErrorRecord;
  const time: TimeRange = { from: new Date(Date.now() - 7 * 86_400_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
  const today = new Date().toISOString().slice(0, 10);

  const vis = (key: string) => objects.find((o) => o.id === objectId.vis(prefix, key))!;
  const search = (key: string) => objects.find((o) => o.id === objectId.search(prefix, key))!;
  const run = (o: SavedObject, dashboard?: SavedObject) => runPanel(os, o, objects, { time, dashboard });
  /** the filter an owner control adds when an owner is picked */
  const ownerPicked = (owner: string): SavedObject => ({
    id: 'picked',
    type: 'dashboard',
    attributes: { kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ filter: [{ meta: { key: 'owner' }, query: { match_phrase: { owner } } }] }) } },
    references: [],
    migrationVersion: {},
  });
  const latest = (scope: ScoreRecord['scope']) => scores.filter((s) => s.scope === scope);
  /** lowest score first, ties by name: how the ranked tables order (terms ordered by the score, then key) */
  const ranked = (records: ScoreRecord[], label: (s: ScoreRecord) => string) =>
    [...records].sort((a, b) => (a.score ?? 2) - (b.score ?? 2) || label(a).localeCompare(label(b))).map(label);

  beforeAll(async () => {
    demo = await runDemo({
      accounts: 4,
      seed: 7000 + Math.floor(Math.random() * 1000),
      out,
      name: prefix,
      json: true,
      startStack: false,
      reset: false,
      regions: ['us-east-1'],
      afterSeed: plantTheRest,
    });
    // what the demo does not plant: a collection error as the collectors report one, and a broken record
    const config = demoConfig(prefix, demo.manifest, { registerDir: join(out, 'registers') });
    const deps = await processorDeps(config, { refresh: true });
    const account = demo.manifest.accounts[0]!;
    planted = {
      recordType: 'collection-error',
      schemaVersion: SCHEMA_VERSION,
      accountId: account.accountId,
      region: 'us-east-1',
      collector: 'kms',
      code: 'AccessDenied',
      message: 'User: arn:aws:sts::123456789012:assumed-role/CensusAudit/census is not authorized to perform: kms:ListKeys',
      runId: 'run-dash',
      observedAt: new Date().toISOString(),
    };
    // a public bucket nobody has touched for a month: the public exposure panels must still show it (the resources
    // pattern is current state, not filtered by capture time)
    const oldPublic = `census-old-public-${account.accountId}`;
    const oldBucket = resourceRecord({
      resourceType: 'AWS::S3::Bucket', resourceId: oldPublic, resourceName: oldPublic, arn: `arn:aws:s3:::${oldPublic}`, awsAccountId: account.accountId, awsRegion: 'us-east-1', collector: 's3',
      configuration: { Name: oldPublic }, configurationItemCaptureTime: OLD_CAPTURE, runId: 'run-old',
      supplementaryConfiguration: { BucketPolicy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${oldPublic}/*` }] }) },
    });
    oldPublicArn = oldBucket.arn;
    const at = new Date();
    const result = await processBatch(
      [
        { shardId: 'shardId-dash', sequenceNumber: '1', arrivalTime: at, data: Buffer.from(JSON.stringify(planted)) },
        { shardId: 'shardId-dash', sequenceNumber: '2', arrivalTime: at, data: Buffer.from(`{"password":"${SECRET}",`) },
        { shardId: 'shardId-dash', sequenceNumber: '3', arrivalTime: at, data: Buffer.from(JSON.stringify(oldBucket)) },
      ],
      deps,
    );
    expect(result.deadLettered).toBe(1);
    objects = savedObjects(prefix);
    const res = await os.search({ index: indexNames(prefix).currentScores, body: { size: 10_000, query: { match_all: {} } } });
    scores = (res.body.hits.hits as { _source: ScoreRecord }[]).map((h) => h._source);
  }, 900_000);

  it('meets the contract on the mappings this run created', async () => {
    const titles = objects.filter((o) => o.type === 'index-pattern').map((o) => o.attributes.title as string);
    const fields = await clusterPatternFields(os, titles);
    expect(checkSavedObjects(objects, (t) => fields.get(t) ?? new Map())).toEqual([]);
  });

  it('every visualization and saved search answers with at least one row', async () => {
    const empty: string[] = [];
    for (const o of objects.filter((x) => x.type === 'search' || (x.type === 'visualization' && !(x.attributes.visState as string).includes('input_control_vis')))) {
      const rows = await run(o);
      const values = rows.flatMap((r) => Object.values(r));
      if (rows.length === 0 || values.every((v) => v === null || v === 0 || v === undefined)) empty.push(o.id);
    }
    expect(empty).toEqual([]);
  });

  it('overview: enterprise score, its trend, executives and owners in score order', async () => {
    const enterprise = latest('enterprise')[0]!.score;
    expect(enterprise).toBeCloseTo(demo.summary.enterpriseScore!, 10);
    expect((await run(vis('enterprise-score')))[0]!['Enterprise score']).toBeCloseTo(enterprise!, 10);
    const trend = await run(vis('enterprise-score-trend'));
    expect(trend).toHaveLength(1);
    expect(trend[0]!['Enterprise score']).toBeCloseTo(enterprise!, 10);

    const owners = await run(vis('owners-ranked'));
    expect(owners.map((r) => r.Owner)).toEqual(ranked(latest('owner'), (s) => s.owner!));
    const executives = await run(vis('executives-ranked'));
    expect(executives.map((r) => r.Executive)).toEqual(ranked(latest('executive'), (s) => s.executive!));

    // the scorecards of the same run list the same owners with the same scores
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(demo.summary.workbooks.find((f) => f.includes('enterprise'))!);
    const sheet = wb.getWorksheet('Owners')!;
    const card = new Map<string, number>();
    sheet.eachRow((row) => {
      const score = row.getCell(3).value;
      if (typeof score === 'number') card.set(String(row.getCell(1).value), score);
    });
    expect([...card.keys()].sort()).toEqual(owners.map((r) => String(r.Owner)).sort());
    for (const r of owners) expect(card.get(String(r.Owner))).toBeCloseTo(r['Score (risk-weighted, 0-1)'] as number, 6);
    // and in the scorecards' order once ranked by score
    expect(ranked([...card].map(([owner, score]) => ({ owner, score }) as ScoreRecord), (s) => s.owner!)).toEqual(owners.map((r) => r.Owner));
  });

  it('overview: failing resources by requirement and severity agree with the scores of the run', async () => {
    const byRequirement = new Map<string, number>();
    for (const s of latest('account-requirement')) if (s.failing) byRequirement.set(s.requirementId!, (byRequirement.get(s.requirementId!) ?? 0) + s.failing);
    const rows = await run(vis('failing-by-requirement'));
    expect(new Map(rows.map((r) => [r.Requirement, r['Failing resources']]))).toEqual(byRequirement);
    for (const r of rows) expect(r.Title, String(r.Requirement)).toEqual(latest('account-requirement').find((s) => s.requirementId === r.Requirement)!.title);
    const { publicBuckets } = demo.manifest.problems;
    const activeBucketExceptions = demo.manifest.exceptions.filter((e) => e.requirementId === 'CSS-S3-01' && e.expiresAt >= today).length;
    expect(byRequirement.get('CSS-S3-01') ?? 0).toBe(publicBuckets.length - activeBucketExceptions);
    const severity = await run(vis('failing-by-severity'));
    expect(severity.reduce((n, r) => n + (r['Failing resources'] as number), 0)).toBe([...byRequirement.values()].reduce((a, b) => a + b, 0));
  });

  it('trust map: unknown accounts first and equal to the planted ones, with the roles that trust them', async () => {
    const rows = await run(vis('trust-map'));
    const groups = rows.map((r) => r.Classification);
    expect(groups[0]).toMatch(/unknown/);
    // the groups keep the order unknown, known vendor, organization
    expect([...new Set(groups)]).toEqual([...new Set(groups)].sort());
    const unknown = rows.filter((r) => String(r.Classification).includes('unknown'));
    expect([...new Set(unknown.map((r) => r['External account']))].sort()).toEqual(demo.manifest.unknownExternalAccounts);
    expect([...new Set(unknown.map((r) => r.Resource))].sort()).toEqual([...demo.manifest.problems.rolesTrustingUnknown].sort());
    for (const r of unknown) expect(r['Resource type it can reach']).toBe('AWS::IAM::Role');
    const known = rows.filter((r) => String(r.Classification).includes('known vendor'));
    // the planted vendors with their names; the register's own entries (the security account) carry theirs
    for (const vendor of demo.manifest.knownExternalAccounts.filter((k) => known.some((r) => r['External account'] === k.accountId))) {
      expect(known.filter((r) => r['External account'] === vendor.accountId).map((r) => r['Vendor name'])).toContain(vendor.name);
    }
    expect(known.length).toBeGreaterThan(0);
    for (const r of known) expect(r['Vendor name']).not.toBe('(none)');
    expect((await run(vis('unknown-accounts-count')))[0]!['Unknown external accounts']).toBe(demo.manifest.unknownExternalAccounts.length);
    const trusting = await run(search('trusting-resources'));
    const arns = new Set(trusting.map((r) => r.arn));
    for (const arn of [...demo.manifest.problems.rolesTrustingUnknown, ...demo.manifest.problems.rolesTrustingKnown]) expect(arns.has(arn), arn).toBe(true);
    for (const r of trusting) expect(r['policyStatements.reason'], String(r.arn)).toBeTruthy();
  });

  it('public exposure: the planted public buckets and queues, each with account, owner and the reason', async () => {
    const rows = await run(vis('exposed-resources'));
    const publicOf = (type: string) => rows.filter((r) => r['Policy verdict'] === 'public' && r['Resource type'] === type).map((r) => r.Resource).sort();
    // the month-old public bucket is there too: the resources pattern is current state, whatever the time range
    expect(publicOf('AWS::S3::Bucket')).toEqual([...demo.manifest.problems.publicBuckets, oldPublicArn].sort());
    expect(publicOf('AWS::SQS::Queue')).toEqual([...demo.manifest.problems.publicQueues].sort());
    for (const r of rows) {
      const account = demo.manifest.accounts.find((a) => a.accountId === r.Account);
      if (account) expect(r.Owner).toBe(account.owner);
    }
    const byType = await run(vis('public-by-type'));
    expect(byType.find((r) => r['Resource type'] === 'AWS::S3::Bucket' && r['Policy verdict'] === 'public')?.Resources).toBe(demo.manifest.problems.publicBuckets.length + 1);
    const listed = await run(search('exposed-resources'));
    expect(listed.length).toBe(rows.length);
    for (const r of listed) expect(r.publicReason, String(r.arn)).toBeTruthy();
  });

  it('exceptions: active by owner, expiring within 30 days, expired but still failing, who approved', async () => {
    const active = demo.manifest.exceptions.filter((e) => e.expiresAt >= today);
    const expired = demo.manifest.exceptions.filter((e) => e.expiresAt < today);
    const byOwner = await run(vis('exceptions-by-owner'));
    expect(byOwner.reduce((n, r) => n + (r['Excepted resources'] as number), 0)).toBe(active.length);
    const ownerOf = (accountId: string) => demo.manifest.accounts.find((a) => a.accountId === accountId)!.owner;
    expect([...new Set(byOwner.map((r) => r.Owner))].sort()).toEqual([...new Set(active.map((e) => ownerOf(e.accountId)))].sort());
    const soon = active.filter((e) => Date.parse(e.expiresAt) - Date.parse(today) <= 30 * 86_400_000);
    const expiring = await run(vis('exceptions-expiring'));
    expect(expiring.map((r) => r.Exception).sort()).toEqual(soon.map((e) => e.exceptionId).sort());
    for (const r of expiring) expect(r['Days left']).toBe(Math.round((Date.parse(soon.find((e) => e.exceptionId === r.Exception)!.expiresAt) - Date.parse(today)) / 86_400_000));
    const stillFailing = await run(vis('exceptions-expired-failing'));
    expect([...new Set(stillFailing.map((r) => r.Exception))].sort()).toEqual(expired.map((e) => e.exceptionId).sort());
    const approvers = await run(vis('exceptions-by-approver'));
    expect(approvers.map((r) => r['Approved by']).sort()).toEqual([...new Set(active.map((e) => e.approvedBy))].sort());
    const listed = await run(search('excepted-resources'));
    expect(listed.map((r) => r['exception.exceptionId']).sort()).toEqual(demo.manifest.exceptions.map((e) => e.exceptionId).sort());
  });

  it('owner view: picking an owner shows their score, accounts, top fixes and failing resources', async () => {
    const owners = new Set(demo.manifest.accounts.map((a) => a.owner));
    const owner = latest('owner').filter((s) => s.failing && owners.has(s.owner!)).sort((a, b) => a.owner!.localeCompare(b.owner!))[0]!;
    const picked = ownerPicked(owner.owner!);
    const score = await run(vis('owner-score'), picked);
    expect(score).toEqual([{ Owner: owner.owner, 'Score (risk-weighted, 0-1)': owner.score, 'Failing resources': owner.failing, 'Excepted resources': owner.excepted }]);
    const accounts = await run(vis('owner-accounts'), picked);
    expect(accounts.map((r) => r.Account).sort()).toEqual(demo.manifest.accounts.filter((a) => a.owner === owner.owner).map((a) => a.accountId).sort());
    for (const r of accounts) expect(r['Account name']).toBe(demo.manifest.accounts.find((a) => a.accountId === r.Account)!.name);
    const fixes = await run(vis('owner-top-fixes'), picked);
    const expected = latest('owner-requirement').filter((s) => s.owner === owner.owner && s.failing);
    expect(fixes.map((r) => r.Requirement).sort()).toEqual(expected.map((s) => s.requirementId).sort());
    const gains = fixes.map((r) => r['Score gain if fixed (0-1)'] as number);
    expect(gains).toEqual([...gains].sort((a, b) => b - a));
    expect(gains[0]).toBeCloseTo(Math.max(...expected.map((s) => s.gain ?? 0)), 10);
    const failing = await run(search('owner-failing-resources'), picked);
    expect(failing.length).toBe(owner.failing);
    const mine = new Set(demo.manifest.accounts.filter((a) => a.owner === owner.owner).map((a) => a.accountId));
    for (const r of failing) expect(mine.has(String(r.accountId))).toBe(true);
  });

  it('collection health: accounts discovered and inventoried, errors with their messages, record age, dead letters', async () => {
    expect((await run(vis('accounts-discovered')))[0]!['Accounts discovered']).toBe(demo.summary.accounts);
    const inventoried = (await run(vis('accounts-with-records')))[0]!['Accounts with resources'] as number;
    expect(inventoried).toBeGreaterThanOrEqual(demo.manifest.accounts.length);
    expect(inventoried).toBeLessThanOrEqual(demo.summary.accounts);
    const byRuns = (await run(vis('accounts-inventoried')))[0]!['Accounts inventoried'] as number;
    expect(byRuns).toBeGreaterThanOrEqual(demo.manifest.accounts.length);
    expect(byRuns).toBeLessThanOrEqual(demo.summary.accounts);
    const runs = await run(vis('inventory-runs-over-time'));
    expect(runs.reduce((n, r) => n + (r['Inventory runs'] as number), 0)).toBeGreaterThanOrEqual(demo.manifest.accounts.length);
    // whether errors still happen is read from the run ledger (an error met again is not stored again)
    const current = (await run(vis('collection-errors-count')))[0]!;
    expect(current['Collection errors']).toBeGreaterThanOrEqual(1);
    expect(current['Accounts affected']).toBeGreaterThanOrEqual(1);
    const errors = await run(vis('collection-errors-by-account'));
    expect(errors).toContainEqual(expect.objectContaining({ Account: planted.accountId, Collector: 'kms', 'Error code': 'AccessDenied' }));
    const messages = await run(search('collection-error-messages'));
    expect(messages).toContainEqual(expect.objectContaining({ accountId: planted.accountId, message: planted.message }));
    // when each account was last inventoried, from the run ledger, stalest first
    const ages = await run(vis('last-run-per-account'));
    for (const a of demo.manifest.accounts) expect(ages.map((r) => r.Account)).toContain(a.accountId);
    const times = ages.map((r) => Date.parse(String(r['Last run finished'])));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const letters = await run(vis('dead-letters-by-stage'));
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ Stage: 'validate', Records: 1 });
    expect(JSON.stringify(letters)).not.toContain(SECRET);
    expect((await run(vis('dead-letters-count')))[0]!['Dead-lettered records']).toBe(1);
  });

  it('changes: every planted public bucket as a change that left it exposed; the CloudTrail event with its principal; each change with its diff', async () => {
    const exposing = await run(vis('changes-exposing'));
    for (const arn of demo.manifest.problems.publicBuckets) expect(exposing).toContainEqual(expect.objectContaining({ Resource: arn, 'Verdict after': 'public' }));
    // changes are events: the bucket planted with a month-old capture time changed outside the dashboard's time range
    expect(exposing.some((r) => r.Resource === oldPublicArn)).toBe(false);
    const changed = exposing.map((r) => Date.parse(String(r.Changed)));
    expect(changed).toEqual([...changed].sort((a, b) => b - a));
    // the demo's followed queue: tagged through a CloudTrail event, re-collected, and its change says who did it
    const who = await run(vis('changes-by-principal'));
    expect(who).toContainEqual(expect.objectContaining({ 'API call': 'TagQueue', 'Resource type': 'AWS::SQS::Queue', Principal: expect.stringMatching(/assumed-role\/demo\/alice$/) }));
    const recent = await run(search('recent-changes'));
    const tagged = recent.find((r) => r.eventName === 'TagQueue');
    // the demo creates the queue just before it tags it: its first re-collection is its creation
    expect(tagged).toMatchObject({ kind: expect.stringMatching(/^(created|modified)$/), resourceType: 'AWS::SQS::Queue' });
    expect(JSON.stringify(tagged!.diffPaths)).toContain('/tags');
    const overTime = await run(vis('changes-over-time'));
    const stored = (await os.count({ index: indexNames(prefix).changes, body: { query: { range: { changedAt: { gte: time.from, lte: time.to } } } } })).body.count as number;
    expect(stored).toBeGreaterThan(0);
    expect(overTime.reduce((n, r) => n + (r.Changes as number), 0)).toBe(stored);
  });
});
