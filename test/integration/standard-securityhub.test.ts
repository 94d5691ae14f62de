// ASFF through moto's Security Hub: export with BatchImportFindings (≤100 per call), read back with the
// GetFindings paginator, and map to requirements.
import { BatchImportFindingsCommand, paginateGetFindings, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAsffFile } from '../../standard/formats/asff.js';
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientConfig } from '../../platform/aws.js';
import { FindingRecord } from '../../core/schemas.js';
import { evaluateRecords, evaluateSweep, loadCatalog } from '../../standard/index.js';
import { exportToSecurityHub, importFromSecurityHub } from '../../standard/securityhub.js';
import * as f from '../fixtures/standard/aws-shapes.js';

/** A Security Hub client in a fresh moto account (moto's x-moto-account-id header), so other tests' findings never mix in. */
function freshAccountClient(): { client: SecurityHubClient; accountId: string } {
  const accountId = String(randomInt(100000000000, 999999999999));
  const client = new SecurityHubClient(clientConfig({ region: 'us-east-1' }));
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = accountId;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return { client, accountId };
}

describe('Security Hub round trip (moto)', () => {
  const catalog = loadCatalog();

  it('imports 150 findings in two BatchImportFindings calls and reads them back through every GetFindings page', async () => {
    const { client, accountId } = freshAccountClient();
    // 75 buckets × 2 bucket requirements that decide without extra data = 150 findings, plus sweep findings
    const buckets = Array.from({ length: 75 }, (_, i) => ({ ...f.bucket(`b${i}`, { PublicAccessBlockConfiguration: f.pab(i % 2 === 0) }), awsAccountId: accountId }));
    const findings = [
      ...evaluateRecords(catalog, buckets, f.NOW).filter((x) => x.requirementId === 'CSS-S3-01' || x.requirementId === 'CSS-S3-03'),
      ...evaluateSweep(catalog, { accountId, regions: ['us-east-1'], resources: [] }, f.NOW),
    ];
    expect(findings.length).toBeGreaterThan(150);
    const excepted = findings.findIndex((x) => x.status === 'FAIL');
    findings[excepted] = { ...findings[excepted]!, exception: { exceptionId: 'RISK-9', reason: 'test', approvedBy: 'ciso', expiresAt: '2027-01-01', active: true } };

    const summary = await exportToSecurityHub(client, findings, { catalog, productAccountId: accountId });
    expect(summary).toEqual({ imported: findings.length, failed: [], calls: Math.ceil(findings.length / 100) });

    let pages = 0;
    const { findings: back, skipped } = await importFromSecurityHub(client, catalog, { pageSize: 40, onPage: () => (pages += 1) });
    expect(skipped).toEqual([]);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(findings.length / 40));
    expect(back).toHaveLength(findings.length);
    for (const x of back) FindingRecord.parse(x);
    // the requirement, status and subject survive the round trip
    const key = (x: FindingRecord) => `${x.requirementId}|${x.status}|${x.resourceArn ?? x.accountId}|${x.region}`;
    expect(back.map(key).sort()).toEqual(findings.map(key).sort());

    // the excepted finding is in Security Hub, suppressed: exported, not dropped
    const raw = [];
    for await (const page of paginateGetFindings({ client, pageSize: 100 }, {})) raw.push(...(page.Findings ?? []));
    expect(raw.filter((x) => x.Workflow?.Status === 'SUPPRESSED').map((x) => x.Id)).toEqual([findings[excepted]!.findingId]);
  });

  it('reads real Prowler ASFF back from Security Hub as it reads the file', async () => {
    const { client, accountId } = freshAccountClient();
    const file = join(import.meta.dirname, '../fixtures/standard/prowler-moto.asff.json');
    // Prowler's findings name its own account; re-home them to this test's account as Security Hub requires
    const text = readFileSync(file, 'utf8').replaceAll('123456789012', accountId);
    const asff = JSON.parse(text) as Record<string, unknown>[];
    const out = await client.send(new BatchImportFindingsCommand({ Findings: asff as never }));
    expect(out.FailedCount).toBe(0);
    const { findings } = await importFromSecurityHub(client, catalog);
    const fromFile = readAsffFile(file, catalog).findings.map((x) => ({ ...x, accountId, resourceId: x.resourceId.replaceAll('123456789012', accountId) }));
    const key = (x: FindingRecord) => `${x.requirementId}|${x.status}|${x.resourceId}|${x.accountId}`;
    expect(findings.map(key).sort()).toEqual(fromFile.map(key).sort());
    expect(findings.filter((x) => x.requirementId).length).toBeGreaterThan(5);
  });
});
