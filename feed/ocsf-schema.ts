// The Parquet column layout of the three OCSF classes Census sends to Security Lake. One fixed schema per class,
// written the same way in every object, so the Glue crawler Security Lake runs over a custom source sees one
// table shape. Attributes whose OCSF type is `json` or open-ended `object` (`unmapped`, `resources[].data`) are
// JSON text, as Security Lake's own sources store them.
import type { SchemaElement } from 'hyparquet-writer';

export type Leaf = 'string' | 'int32' | 'int64' | 'bool' | 'timestamp' | 'json';
export type Field = { name: string; type: Leaf } | { name: string; struct: Field[] } | { name: string; list: Leaf | Field[] };

const s = (name: string): Field => ({ name, type: 'string' });
const i32 = (name: string): Field => ({ name, type: 'int32' });
const i64 = (name: string): Field => ({ name, type: 'int64' });
const ts = (name: string): Field => ({ name, type: 'timestamp' });

/** attributes every OCSF event class has (base event), in the order the classes below list them */
const classification = [i32('activity_id'), s('activity_name'), i32('category_uid'), s('category_name'), i32('class_uid'), s('class_name'), i64('type_uid'), s('type_name')];
const outcome = [i32('severity_id'), s('severity'), i32('status_id'), s('status'), s('status_detail'), i64('time'), ts('time_dt'), s('message')];
const metadata: Field = {
  name: 'metadata',
  struct: [s('version'), s('uid'), s('event_code'), { name: 'profiles', list: 'string' }, { name: 'product', struct: [s('name'), s('vendor_name'), s('uid'), s('version')] }],
};
const cloud: Field = {
  name: 'cloud',
  struct: [s('provider'), s('region'), { name: 'account', struct: [s('uid'), s('name'), s('type'), i32('type_id')] }],
};
const resourceBase = [s('uid'), s('name'), s('type'), s('region'), s('cloud_partition')];

/** OCSF Compliance Finding (class 2003), as `toOcsf` in standard/formats/ocsf.ts writes it */
export const COMPLIANCE_FINDING_FIELDS: Field[] = [
  ...classification,
  ...outcome,
  metadata,
  { name: 'finding_info', struct: [s('uid'), s('title'), s('desc'), i64('created_time'), ts('created_time_dt'), { name: 'types', list: 'string' }] },
  {
    name: 'compliance',
    struct: [s('control'), { name: 'standards', list: 'string' }, { name: 'requirements', list: 'string' }, i32('status_id'), s('status'), s('desc')],
  },
  { name: 'resources', list: resourceBase },
  cloud,
  { name: 'remediation', struct: [s('desc')] },
  { name: 'unmapped', type: 'json' },
];

/** OCSF Cloud Resources Inventory Info (class 5023), as `resourceToOcsf` in feed/ocsf-inventory.ts writes it */
export const INVENTORY_INFO_FIELDS: Field[] = [
  ...classification,
  ...outcome,
  metadata,
  { name: 'resources', list: [...resourceBase, { name: 'labels', list: 'string' }, { name: 'data', type: 'json' }] },
  cloud,
  { name: 'unmapped', type: 'json' },
];

/** OCSF Device Config State Change (class 5019), as `changeToOcsf` in feed/ocsf-change.ts writes it */
export const DEVICE_CONFIG_STATE_CHANGE_FIELDS: Field[] = [
  ...classification,
  ...outcome,
  metadata,
  { name: 'device', struct: [s('uid'), s('name'), s('type'), i32('type_id'), s('region')] },
  cloud,
  { name: 'unmapped', type: 'json' },
];

const LEAF: Record<Leaf, Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  json: { type: 'BYTE_ARRAY', converted_type: 'JSON' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  bool: { type: 'BOOLEAN' },
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' } },
};

/** Depth-first Parquet schema elements (standard three-level LIST) for a field tree; every field is optional. */
export function parquetSchema(fields: Field[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: 'root', num_children: fields.length }];
  const walk = (f: Field): void => {
    if ('type' in f) out.push({ name: f.name, repetition_type: 'OPTIONAL', ...LEAF[f.type] });
    else if ('struct' in f) {
      out.push({ name: f.name, repetition_type: 'OPTIONAL', num_children: f.struct.length });
      f.struct.forEach(walk);
    } else {
      out.push({ name: f.name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 });
      out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
      if (typeof f.list === 'string') out.push({ name: 'element', repetition_type: 'OPTIONAL', ...LEAF[f.list] });
      else walk({ name: 'element', struct: f.list });
    }
  };
  fields.forEach(walk);
  return out;
}

/**
 * One event shaped for the writer: only the schema's attributes (anything else would be silently dropped, so it
 * is an error instead), `int64` leaves as bigints and `timestamp` leaves as Dates.
 */
export function shapeRow(fields: Field[], value: Record<string, unknown>, where = 'event'): Record<string, unknown> {
  const known = namesOf(fields);
  for (const key in value) {
    if (value[key] !== undefined && !known.has(key)) throw new Error(`${where}: attribute ${key} has no column in the Parquet schema`);
  }
  const row: Record<string, unknown> = {};
  for (const f of fields) row[f.name] = shapeValue(f, value[f.name], `${where}.${f.name}`);
  return row;
}

// the schemas are module constants: their name sets are built once, not once per row and struct
const names = new WeakMap<Field[], Set<string>>();
function namesOf(fields: Field[]): Set<string> {
  let set = names.get(fields);
  if (!set) names.set(fields, (set = new Set(fields.map((f) => f.name))));
  return set;
}

function shapeValue(f: Field, v: unknown, where: string): unknown {
  if (v === undefined || v === null) return null;
  if ('type' in f) return shapeLeaf(f.type, v, where);
  if ('struct' in f) {
    if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${where}: expected an object`);
    return shapeRow(f.struct, v as Record<string, unknown>, where);
  }
  if (!Array.isArray(v)) throw new Error(`${where}: expected an array`);
  const item = f.list;
  return v.map((e, i) => (typeof item === 'string' ? shapeLeaf(item, e, `${where}[${i}]`) : shapeRow(item, e as Record<string, unknown>, `${where}[${i}]`)));
}

function shapeLeaf(type: Leaf, v: unknown, where: string): unknown {
  switch (type) {
    case 'json':
      // the writer encodes JSON columns itself
      return v;
    case 'timestamp': {
      const t = v instanceof Date ? v : new Date(v as string | number);
      if (Number.isNaN(t.getTime())) throw new Error(`${where}: ${String(v)} is not a timestamp`);
      return t;
    }
    case 'int64':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${where}: expected an integer, got ${typeof v}`);
      return BigInt(v);
    case 'int32':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${where}: expected an integer, got ${typeof v}`);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${where}: expected a boolean, got ${typeof v}`);
      return v;
    case 'string':
      if (typeof v !== 'string') throw new Error(`${where}: expected a string, got ${typeof v}`);
      return v;
  }
}
