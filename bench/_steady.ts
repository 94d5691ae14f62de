import { benchAccounts, benchResources } from '../bench/data.js';
import { decodeRecord } from '../processors/validate.js';
import { sourceHash } from '../processors/derivation.js';
import { canonicalJson } from '../core/content.js';
const accounts = benchAccounts(250);
const raws = benchResources(30000, accounts).map((r) => Buffer.from(JSON.stringify(r)));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let sink = 0;
const best: Record<string, number> = {};
for (let round = 0; round < 6; round++) {
  const m = (k: string, f: () => void) => { const t = cpu(); f(); best[k] = Math.min(best[k] ?? Infinity, cpu() - t); };
  m('baseline', () => { for (const raw of raws) sink += JSON.stringify(JSON.parse(raw.toString('utf8'))).length; });
  m('parse', () => { for (const raw of raws) sink += JSON.parse(raw.toString('utf8')) ? 1 : 0; });
  let recs: any[] = [];
  m('decode', () => { recs = raws.map((raw) => (decodeRecord(raw) as any).record); });
  m('sourceHash', () => { for (const r of recs) sink += sourceHash(r).length; });
  m('canonical', () => { for (const r of recs) sink += canonicalJson(r).length; });
}
for (const [k, v] of Object.entries(best)) console.log(k.padEnd(12), v.toFixed(0), (v / best.baseline!).toFixed(2));
