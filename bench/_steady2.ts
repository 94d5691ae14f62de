import { benchAccounts, benchResources } from './data.js';
import { decodeRecord } from '../processors/validate.js';
import { canonicalJson, sha256Hex, VOLATILE_KEYS } from '../core/content.js';
const accounts = benchAccounts(250);
const raws = benchResources(30000, accounts).map((r) => Buffer.from(JSON.stringify(r)));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let sink = 0;
const best: Record<string, number> = {};
const OMIT = new Set(['configurationItemCaptureTime', 'trigger']);
const replacer = function (this: any, k: string, v: unknown) { return VOLATILE_KEYS.has(k) ? undefined : v; };
const recs: any[] = raws.map((raw) => (decodeRecord(raw) as any).record);
for (let round = 0; round < 6; round++) {
  const m = (k: string, f: () => void) => { const t = cpu(); f(); best[k] = Math.min(best[k] ?? Infinity, cpu() - t); };
  m('baseline', () => { for (const raw of raws) sink += JSON.stringify(JSON.parse(raw.toString('utf8'))).length; });
  m('canonical+omit', () => { for (const r of recs) sink += canonicalJson(r, OMIT).length; });
  m('sha(canonical)', () => { for (const r of recs) sink += sha256Hex(canonicalJson(r, OMIT)).length; });
  m('stringify', () => { for (const r of recs) sink += JSON.stringify(r).length; });
  m('stringify+replacer', () => { for (const r of recs) sink += JSON.stringify(r, replacer).length; });
  m('sha(stringify)', () => { for (const r of recs) sink += sha256Hex(JSON.stringify(r)).length; });
}
for (const [k, v] of Object.entries(best)) console.log(k.padEnd(20), v.toFixed(0), (v / best.baseline!).toFixed(2));
