// The per-record checks run only the requirements indexed under the record's resource type (standard/evaluate.ts
// requirementsByType, built once per catalog); that must give exactly the findings of asking every requirement
// whether it applies, for every type the catalog names and for types it does not.
import { describe, expect, it } from 'vitest';
import type { FindingRecord, ResourceRecord } from '../../core/schemas.js';
import { builtinChecks } from '../../standard/checks/index.js';
import { evaluateCondition } from '../../standard/condition.js';
import { evaluateRecordsDetailed, loadCatalog } from '../../standard/index.js';
import { withTrust } from '../../policy/trust.js';
import { benchAccounts, benchResources } from '../../bench/data.js';
import { resourceRecord } from '../records.js';

const catalog = loadCatalog();
const NOW = '2026-11-24T00:00:00.000Z';

/** Every requirement of the catalog, asked one by one (no index): the findings the index must reproduce. */
function everyRequirement(record: ResourceRecord): { requirementId: string; status: string; evidence: string }[] {
  const out: { requirementId: string; status: string; evidence: string }[] = [];
  for (const req of catalog.requirements) {
    if (req.scope !== 'resource' || !req.resourceTypes.includes(record.resourceType)) continue;
    let result;
    if (req.condition) result = evaluateCondition(req.condition, req.when, record);
    else {
      const check = builtinChecks.get(req.check!);
      if (!check || check.scope !== 'resource') continue;
      try {
        result = check.evaluate(record, { now: new Date(NOW), ...(req.networkRestricted ? { networkRestricted: req.networkRestricted } : {}) });
      } catch {
        continue;
      }
    }
    if (result) out.push({ requirementId: req.id, status: result.status, evidence: result.evidence });
  }
  return out;
}

describe('type-indexed per-record checks', () => {
  it('give the findings of asking every requirement, for every resource type of the catalog and an unknown one', () => {
    const types = [...new Set(catalog.requirements.flatMap((r) => (r.scope === 'resource' ? r.resourceTypes : [])))];
    expect(types.length).toBeGreaterThan(5);
    const accounts = benchAccounts(5);
    const records: ResourceRecord[] = [
      ...benchResources(30, accounts),
      ...types.map((t, i) => resourceRecord({ resourceType: t, resourceId: `r${i}`, arn: `arn:aws:s3:::r${i}` })),
      resourceRecord({ resourceType: 'AWS::Made::Up', arn: 'arn:aws:s3:::made-up' }),
    ].map((r) => withTrust(r, { orgAccounts: new Map(), register: new Map() }));
    let compared = 0;
    for (const record of records) {
      const { findings } = evaluateRecordsDetailed(catalog, [record], NOW);
      const got = findings.map((f: FindingRecord) => ({ requirementId: f.requirementId, status: f.status, evidence: f.evidence }));
      expect(got, record.resourceType).toEqual(everyRequirement(record));
      compared += got.length;
    }
    expect(compared).toBeGreaterThan(50);
  });
});
