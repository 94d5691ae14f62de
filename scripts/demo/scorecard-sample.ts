// A demo-shaped scoring run without the local stack: the demo's kind of organization (owners, executives,
// payer accounts named "master" without an owner), the shipped catalog, findings with the evidence the
// checks write, register entries active, lapsing and expired, and three earlier runs for the trends.
// `npm run scorecards:preview` and the print-layout test render its workbooks.
import type { ExceptionEntry, FindingRecord, ScoreRecord } from '../../core/schemas.js';
import { loadRequirements } from '../../scoring/inputs.js';
import type { ScoringRun } from '../../scoring/offline.js';
import { scoreFindings, type ScoringAccount } from '../../scoring/score.js';
import { ScoreTrends } from '../../scoring/trends.js';
import { seededRandom } from './synthetic-org.js';

const OWNERS = ['alice', 'bob', 'carol', 'dan', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const EXECUTIVES = ['vp.payments@corp.example', 'vp.platform@corp.example', 'vp.data@corp.example'];
const OUS = ['prod', 'dev', 'sandbox'];
const REGIONS = ['us-east-1', 'eu-west-1'];

const DAY = 86_400_000;

export function sampleScoringRun(opts: { accounts?: number; seed?: number; asOf?: string } = {}): ScoringRun {
  const rand = seededRandom(opts.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const asOf = opts.asOf ?? '2026-11-24';
  const runAt = `${asOf}T06:00:00.000Z`;
  const requirements = loadRequirements();
  const accounts: ScoringAccount[] = [];
  // the payers: named "master", no owner tag (the unowned-accounts book)
  for (let p = 0; p < 3; p++) accounts.push({ accountId: `${200000042000 + p + 1}`, name: 'master', owner: null, executive: null, spend: 120 + p * 10 });
  for (let i = 0; i < (opts.accounts ?? 50); i++) {
    const owner = pick(OWNERS);
    accounts.push({
      accountId: String(300000000000 + i * 7919),
      name: `${pick(OUS)}-${owner}-${String(i + 1).padStart(3, '0')}`,
      owner: `${owner}@corp.example`,
      executive: EXECUTIVES[OWNERS.indexOf(owner) % EXECUTIVES.length]!,
      spend: Math.round(rand() * 2_000_000) / 100,
    });
  }
  const findingsAt = (day: string, failRate: number): FindingRecord[] => {
    const out: FindingRecord[] = [];
    for (const a of accounts) {
      for (const r of requirements) {
        if (rand() < 0.35) continue; // no resource of this type here: the requirement does not apply
        const n = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < n; k++) {
          const region = pick(REGIONS);
          const service = r.id.split('-')[1]!.toLowerCase();
          const resourceId = `${service}-${a.name}-${k}`;
          const failing = rand() < failRate * (r.severity === 'critical' ? 0.5 : 1);
          out.push({
            recordType: 'finding',
            schemaVersion: '1.0',
            findingId: `${r.id}|${a.accountId}|${resourceId}`,
            requirementId: r.id,
            status: failing ? 'FAIL' : 'PASS',
            severity: r.severity as FindingRecord['severity'],
            resourceType: `AWS::${service.toUpperCase()}::Resource`,
            resourceId,
            resourceArn: `arn:aws:${service}:${region}:${a.accountId}:resource/${resourceId}`,
            accountId: a.accountId,
            region,
            source: 'census',
            evidence: failing
              ? `${resourceId} does not meet ${r.id}: ${r.title.toLowerCase()} — observed configuration differs (policy statement 1 allows Principal "*" on s3:GetObject without a condition)`
              : `${resourceId} meets ${r.id}`,
            observedAt: `${day}T05:00:00Z`,
          });
        }
      }
    }
    return out;
  };
  const findings = findingsAt(asOf, 0.25);
  const exceptions: ExceptionEntry[] = [];
  let e = 0;
  for (const f of findings) {
    if (f.status !== 'FAIL' || rand() > 0.12) continue;
    const roll = rand();
    const expires = roll < 0.3 ? -10 : roll < 0.6 ? 12 : 200;
    exceptions.push({
      exceptionId: `RISK-${String(++e).padStart(4, '0')}`,
      accountId: f.accountId,
      requirementId: f.requirementId,
      resourceId: f.resourceArn!,
      reason: pick(['Vendor integration needs it until the migration completes', 'Legacy workload, decommission planned', 'Accepted by the risk committee']),
      approvedBy: 'ciso@corp.example',
      expiresAt: new Date(Date.parse(`${asOf}T00:00:00Z`) + expires * DAY).toISOString().slice(0, 10),
    });
  }
  // earlier runs: the same organization, a little worse the further back
  const history: ScoreRecord[] = [];
  for (const [daysBack, failRate] of [
    [30, 0.32],
    [7, 0.28],
    [1, 0.26],
  ] as const) {
    const day = new Date(Date.parse(`${asOf}T00:00:00Z`) - daysBack * DAY).toISOString().slice(0, 10);
    const earlier = scoreFindings({ accounts, requirements, findings: findingsAt(day, failRate), exceptions, asOf: day, runAt: `${day}T06:00:00.000Z` });
    history.push(...earlier.scores);
  }
  const result = scoreFindings({ accounts, requirements, findings, exceptions, asOf, runAt });
  return { ...result, accounts, requirements, asOf, runAt, problems: [], trends: new ScoreTrends(history, runAt) };
}
