import { ExceptionIndex } from '../core/exceptions.js';
import { processRecord } from '../processors/pipeline.js';
import { loadCatalog } from '../standard/index.js';
import { parseTrustRegister } from '../registers/trusted-accounts.js';
import { decodeRecord } from '../processors/validate.js';
import { benchAccounts, benchResources } from './data.js';
const accounts = benchAccounts(250);
const rs = benchResources(30000, accounts);
const raws = rs.map((r) => Buffer.from(JSON.stringify(r)));
const catalog = loadCatalog();
const ctx = { accounts: new Map(accounts.map((a) => [a.accountId, a])), trustRegister: parseTrustRegister('accountId,name,approved,note\n464622532012,Datadog,yes,vendor\n', 'csv', 'bench').register, exceptions: new ExceptionIndex([]) };
const types = new Map<string, number>();
let inB = 0, outB = 0, nf = 0;
const byType = new Map<string, {n:number, in:number,out:number,f:number}>();
for (const raw of raws) {
  const d = decodeRecord(raw); if (!d.ok) throw 0;
  const outs = processRecord(d.record as any, ctx, catalog);
  const o = outs.reduce((s, x) => s + JSON.stringify(x).length, 0);
  inB += raw.length; outB += o; nf += outs.length - 1;
  const t = (d.record as any).resourceType; const e = byType.get(t) ?? {n:0,in:0,out:0,f:0}; e.n++; e.in+=raw.length; e.out+=o; e.f+=outs.length-1; byType.set(t,e);
}
console.log({ inB, outB, ratio: outB / inB, findingsPerRecord: nf / raws.length });
console.log([...byType].sort((a,b)=>b[1].out-a[1].out).slice(0,15).map(([t,e])=>`${t} n=${e.n} in=${(e.in/e.n)|0} out=${(e.out/e.n)|0} f=${(e.f/e.n).toFixed(1)}`).join('\n'));
const d = decodeRecord(raws.find(r => r.toString().includes('AWS::S3::Bucket'))!); 
const outs = processRecord((d as any).record, ctx, catalog);
console.log(JSON.stringify(outs[0], null, 1).slice(0, 3000));
console.log(JSON.stringify(outs[1], null, 1));
