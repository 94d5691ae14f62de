// Processor throughput: validate, enrich (account, trusted accounts), content hash, per-record checks, exceptions
// and serialize, against the same records only parsed and serialized.
import { ExceptionIndex } from '../../core/exceptions.js';
import type { AccountRecord, ResourceRecord } from '../../core/schemas.js';
import { processRecord } from '../../processors/pipeline.js';
import { loadCatalog } from '../../standard/index.js';
import { parseTrustRegister } from '../../registers/trusted-accounts.js';
import { decodeRecord } from '../../processors/validate.js';
import { pair, type PairResult } from '../measure.js';

export async function processorCase(accounts: AccountRecord[], resources: ResourceRecord[]): Promise<PairResult> {
  const raws = resources.map((r) => Buffer.from(JSON.stringify(r)));
  const catalog = loadCatalog();
  const ctx = {
    accounts: new Map(accounts.map((a) => [a.accountId, a])),
    trustRegister: parseTrustRegister('accountId,name,approved,note\n464622532012,Datadog,yes,vendor\n', 'csv', 'bench').register,
    exceptions: new ExceptionIndex([]),
  };
  let sink = 0;
  return pair(
    'processor: validate+enrich+trust+hash+checks+exceptions+serialize',
    { items: raws.length, unit: 'records' },
    {
      label: 'Census processing core',
      run: async () => {
        for (const raw of raws) {
          const decoded = decodeRecord(raw);
          if (!decoded.ok || decoded.record.recordType !== 'resource') throw new Error(`bench record rejected: ${decoded.ok ? decoded.record.recordType : decoded.reason}`);
          // the enrich step's per-record work as the pipeline does it: enrichment, content hash, checks, enriched findings
          for (const out of processRecord(decoded.record, ctx, catalog)) sink += JSON.stringify(out).length;
        }
      },
    },
    {
      label: 'JSON.parse + JSON.stringify',
      run: async () => {
        for (const raw of raws) sink += JSON.stringify(JSON.parse(raw.toString('utf8'))).length;
      },
    },
  ).finally(() => {
    if (sink < 0) console.log(sink); // keeps the work observable to the optimizer
  });
}
