// What a first deployment to a real AWS organization needs, asserted on the synthesized templates: the stack
// creates (and creates again after a failed attempt), runs at scale without overlapping itself, and works in
// every partition. Each assertion names the fix it guards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, stackNames } from '../../infra/lib/app.js';
import { resolveTokens } from '../../infra/lib/asl-lint.js';
import { registeredCollectors } from '../../infra/lib/collectors.js';
import { accountSecondsCosted, costTable, countRun } from '../../infra/lib/cost.js';
import { actionMatches, apiCallsIn, auditRoleApiCalls, readManagedPolicySnapshot, ungranted } from '../../infra/lib/permissions.js';
import { partitionOfArn } from '../../collectors/runtime.js';
import { ismDeployRequests } from '../../opensearch/lifecycle.js';
import { indexTemplates } from '../../opensearch/templates.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const repoRoot = new URL('../../', import.meta.url).pathname;
let outdir: string;
let census: Json;
let auditRole: Json;

const resources = (t: Json, type?: string): [string, Json][] =>
  Object.entries(t.Resources as Record<string, Json>).filter(([, r]) => !type || r.Type === type);
/** Allow statements attached to the role whose logical id starts with `rolePrefix`. */
const roleStatements = (t: Json, rolePrefix: string): Json[] =>
  resources(t, 'AWS::IAM::Policy')
    .filter(([, r]) => (r.Properties.Roles as Json[]).some((x) => String(x.Ref).startsWith(rolePrefix)))
    .flatMap(([, r]) => r.Properties.PolicyDocument.Statement as Json[]);
const definition = (): Json => {
  const [[, sm]] = resources(census, 'AWS::StepFunctions::StateMachine') as [[string, Json]];
  return JSON.parse(resolveTokens(sm.Properties.DefinitionString)) as Json;
};

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'census-deploy-'));
  const { app } = buildApp({
    outdir,
    context: { payerAccountIds: '111111111111', securityAccountId: '999999999999', trustedAccountsKey: 'config/approved-vendors.csv' },
  });
  const assembly = app.synth();
  census = assembly.getStackByName(stackNames.census).template as Json;
  auditRole = assembly.getStackByName(stackNames.auditRole).template as Json;
}, 600_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the stack creates on the first try', () => {
  it('creates the OpenSearch domain only after the CloudWatch Logs resource policy it publishes to', () => {
    const [[policyId]] = resources(census, 'AWS::Logs::ResourcePolicy') as [[string, Json]];
    const [[, domain]] = resources(census, 'AWS::OpenSearchService::Domain') as [[string, Json]];
    expect(domain.DependsOn).toContain(policyId);
  });
});

describe('a failed first deploy does not block the retry', () => {
  it('retains nothing on create rollback: no resource has DeletionPolicy Retain', () => {
    const retained = resources(census).filter(([, r]) => r.DeletionPolicy === 'Retain');
    expect(retained.map(([id, r]) => `${r.Type} ${id}`)).toEqual([]);
    expect(resources(auditRole).filter(([, r]) => r.DeletionPolicy === 'Retain')).toEqual([]);
  });

  it('keeps the evidence when the stack is deleted or a resource replaced: key, buckets, stream, domain, every named log group', () => {
    const kept = (type: string) => resources(census, type).map(([, r]) => [r.DeletionPolicy, r.UpdateReplacePolicy]);
    for (const type of ['AWS::KMS::Key', 'AWS::S3::Bucket', 'AWS::Kinesis::Stream', 'AWS::OpenSearchService::Domain', 'AWS::Logs::LogGroup']) {
      const policies = kept(type);
      expect(policies.length, type).toBeGreaterThan(0);
      for (const p of policies) expect(p, type).toEqual(['RetainExceptOnCreate', 'Retain']);
    }
    // every log group is named (the retry collides on the name), so each one is covered above
    for (const [id, r] of resources(census, 'AWS::Logs::LogGroup')) expect(r.Properties.LogGroupName, id).toBeDefined();
  });

  it('the README teardown names everything the stack keeps', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const teardown = readme.slice(readme.indexOf('### Teardown'));
    for (const what of ['KMS key', 'buckets', 'OpenSearch domain', 'log group', 'Kinesis stream']) expect(teardown, what).toContain(what);
  });
});

describe('every partition', () => {
  it('builds no ARN with a literal `aws` partition in either template', () => {
    expect(JSON.stringify(census)).not.toMatch(/arn:aws:/);
    expect(JSON.stringify(auditRole)).not.toMatch(/arn:aws:/);
  });

  it('collectors, discovery and inventory take the partition from the caller, never a literal `aws`', () => {
    for (const file of ['collectors/runtime.ts', 'collectors/discovery.ts', 'collectors/inventory.ts', 'collectors/engine.ts']) {
      const code = readFileSync(join(repoRoot, file), 'utf8');
      expect(code, file).not.toMatch(/arn:aws:|partition \?\? 'aws'|\?\? 'aws'\)/);
    }
    expect(partitionOfArn('arn:aws-us-gov:sts::123456789012:assumed-role/census-collector/x')).toBe('aws-us-gov');
    expect(partitionOfArn('arn:aws-cn:iam::123456789012:user/x')).toBe('aws-cn');
    expect(partitionOfArn('arn:aws:iam::123456789012:root')).toBe('aws');
    expect(() => partitionOfArn('not-an-arn')).toThrow(/caller identity ARN "not-an-arn"/);
  });
});

describe('scale and cost', () => {
  it('the distributed map reads the run\'s account list from S3 (ItemReader), not from the state', () => {
    const def = definition();
    const map = def.States.InventoryAccounts;
    expect(map.ItemsPath).toBeUndefined();
    expect(map.ItemReader).toMatchObject({ ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Key.$': '$.accountsKey' } });
    expect(map.ItemReader.Resource).toMatch(/:states:::s3:getObject$/);
    // discovery hands over a count and a key, never the list
    expect(Object.keys(def.States.DiscoverAccounts.ResultSelector).sort()).toEqual(['accountCount.$', 'accountsKey.$', 'runId.$']);
    // the state machine may read only the run lists' prefix
    const reads = roleStatements(census, 'InventoryRole').filter((s) => ([] as string[]).concat(s.Action).includes('s3:GetObject'));
    expect(JSON.stringify(reads.map((s) => s.Resource))).toContain('/inventory-runs/accounts/*');
  });

  it('runs cannot overlap: a run that finds an earlier one still running ends before discovery', () => {
    const def = definition();
    expect(def.StartAt).toBe('CheckOverlap');
    expect(def.States.CheckOverlap).toMatchObject({
      Type: 'Task',
      Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', StatusFilter: 'RUNNING' },
      Next: 'PreviousRunStillRunning',
    });
    expect(def.States.CheckOverlap.Resource).toMatch(/:states:::aws-sdk:sfn:listExecutions$/);
    expect(def.States.PreviousRunStillRunning).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.overlap.running', NumericGreaterThan: 1, Next: 'SkippedWhilePreviousRuns' }],
      Default: 'DiscoverAccounts',
    });
    expect(def.States.SkippedWhilePreviousRuns.Type).toBe('Succeed');
    const list = roleStatements(census, 'InventoryRole').find((s) => s.Action === 'states:ListExecutions')!;
    expect(JSON.stringify(list.Resource)).toContain(':stateMachine:census-inventory');
  });

  it('runs hourly as the README says, with EXPRESS account workflows by default', () => {
    const inventory = resources(census, 'AWS::Scheduler::Schedule').find(([, r]) => /"Ref":"Inventory/.test(JSON.stringify(r.Properties.Target.Arn)))!;
    expect(inventory[1].Properties.ScheduleExpression).toBe('rate(1 hour)');
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toMatch(/Every hour, Census/);
    expect(readme).toContain('"inventory":"rate(1 hour)"');
    expect(definition().States.InventoryAccounts.ItemProcessor.ProcessorConfig.ExecutionType).toBe('EXPRESS');
  });

  it('the README states the cost at 100, 1,000 and 5,000 accounts as counted from this state machine', () => {
    const def = definition();
    const collectors = registeredCollectors().length;
    const run = countRun(def, 1, collectors);
    // per account: list, map, 2 per collector (collect, record), then the four states that judge the account
    expect(run.perAccountTransitions).toBe(6 + 2 * collectors);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(costTable(def, collectors, accountSecondsCosted));
  });
});

describe('production parity', () => {
  const snapshotPath = join(repoRoot, 'infra/policies/SecurityAudit.json');

  it('the audit role grants every API call the collectors and discovery declare: SecurityAudit (vendored snapshot) plus its own statements', () => {
    const calls = auditRoleApiCalls(repoRoot);
    expect(calls.length).toBeGreaterThan(100);
    const needed = calls.map((c) => c.action);
    const securityAudit = readManagedPolicySnapshot(snapshotPath);
    const [[, role]] = resources(auditRole, 'AWS::IAM::Role') as [[string, Json]];
    // the template attaches the policy the snapshot is of, and nothing broader
    expect(role.Properties.ManagedPolicyArns).toEqual([{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/SecurityAudit' }]);
    const inline = (role.Properties.Policies as Json[]).flatMap((p) => (p.PolicyDocument.Statement as Json[]).flatMap((s) => ([] as string[]).concat(s.Action)));
    const missing = ungranted(needed, [...securityAudit.actions, ...inline]);
    const where = missing.map((a) => `${a} (${calls.filter((c) => c.action === a).map((c) => c.file).join(', ')})`);
    expect(where, 'add these to the audit role (infra/lib/audit-role-stack.ts) or check the SDK-to-IAM mapping in collectors/iam-actions.ts').toEqual([]);
    // and the inline statements add only what SecurityAudit lacks
    expect(inline.filter((a) => !ungranted([a], securityAudit.actions).length)).toEqual([]);
  });

  it('the check fails for a collector whose call the role does not grant', () => {
    const calls = apiCallsIn('collectors/services/new.ts', "import { DecryptCommand, KMSClient, paginateListAliases } from '@aws-sdk/client-kms';");
    expect(calls.map((c) => c.action)).toEqual(['kms:Decrypt', 'kms:ListAliases']);
    expect(ungranted(calls.map((c) => c.action), readManagedPolicySnapshot(snapshotPath).actions)).toEqual(['kms:Decrypt']);
    expect(actionMatches('ec2:Describe*', 'ec2:DescribeInstances')).toBe(true);
    expect(actionMatches('s3:GetBucket*', 's3:GetObject')).toBe(false);
    expect(() => apiCallsIn('x.ts', "import { ListThingsCommand, NewServiceClient } from '@aws-sdk/client-new';")).toThrow(/NewServiceClient.*no IAM service prefix/);
  });

  it('the vendored SecurityAudit snapshot says where and when it was taken', () => {
    const snapshot = readManagedPolicySnapshot(snapshotPath);
    expect(snapshot.versionId).toMatch(/^v\d+$/);
    expect(snapshot.actions.length).toBeGreaterThan(500);
    const source = readFileSync(join(repoRoot, 'infra/policies/README.md'), 'utf8');
    expect(source).toContain(snapshot.versionId);
    expect(source).toContain(snapshot.createDate);
  });

  it('scoring and delivery may list the feed bucket, so a missing state/accounts.json reads as "nothing yet"', () => {
    for (const role of ['ScoringRole', 'DeliverRole']) {
      const list = roleStatements(census, role).find((s) => ([] as string[]).concat(s.Action).includes('s3:ListBucket'));
      expect(list, role).toBeDefined();
      expect(JSON.stringify(list!.Resource), role).toMatch(/StorageFeed/);
    }
  });

  it('processors get the trusted-accounts register: the vendored known-accounts list in the bundle, the approved vendors from S3', () => {
    const [[, processor]] = resources(census, 'AWS::Lambda::Function').filter(([, r]) => r.Properties.Handler === 'index.handler') as [[string, Json]];
    const env = processor.Properties.Environment.Variables as Json;
    expect(JSON.stringify(env.CENSUS_TRUSTED_ACCOUNTS)).toMatch(/^\{"Fn::Join":\["",\["s3:\/\/",\{"Ref":"StorageFeed[^"]*"\},"\/config\/approved-vendors\.csv"\]\]\}$/);
    expect(env.CENSUS_KNOWN_ACCOUNTS).toBeUndefined(); // the default: the vendored list beside the bundle
    // the default knownAccounts path resolves beside the bundle's index.mjs: the file must be there
    const asset = join(outdir, `asset.${String(processor.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
    expect(readFileSync(join(asset, 'known-aws-accounts/accounts.yaml'), 'utf8').length).toBeGreaterThan(1000);
  });
});

describe('index lifecycle at deployment', () => {
  it('the deploy-time function gets the retention and applies ISM policies, a rollover-alias template and the existing generations', () => {
    const [[, mapping]] = resources(census, 'Custom::OpenSearchRoleMapping') as [[string, Json]];
    expect(mapping.Properties).toMatchObject({ ScoreRetentionDays: '400', HistoryRetentionDays: '90' });
    const requests = ismDeployRequests('census', indexTemplates('census'), { scoreRetentionDays: 400, historyRetentionDays: 90 });
    const scores = requests.filter((r) => r.path.includes('census-scores'));
    expect(scores.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /_plugins/_ism/policies/census-scores-lifecycle',
      'PUT /_index_template/census-scores-ism',
      'PUT /census-scores-*/_settings',
      'POST /_plugins/_ism/add/census-scores-*',
    ]);
    const template = scores[1]!.body as Json;
    // above the processors' own template (200), with the same mappings, plus the alias ISM's rollover reads
    expect(template.priority).toBe(300);
    expect(template.template.mappings).toEqual(indexTemplates('census')['census-scores']!.template.mappings);
    expect(template.template.settings['plugins.index_state_management.rollover_alias']).toBe('census-scores');
    // latest-state families are never rolled over or expired (one document per identity, replaced by version)
    expect(requests.some((r) => /census-(resources|findings|accounts|trusted-accounts)\b/.test(r.path))).toBe(false);
  });
});
