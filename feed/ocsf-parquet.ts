// OCSF events of one class → one Parquet file (hyparquet-writer: pure JavaScript, so the processor's Lambda
// bundle carries no WebAssembly; chosen over parquet-wasm + apache-arrow by `npm run bench`, see BENCHMARKS.md).
import { parquetWriteBuffer } from 'hyparquet-writer';
import { COMPLIANCE_FINDING_FIELDS, DEVICE_CONFIG_STATE_CHANGE_FIELDS, INVENTORY_INFO_FIELDS, parquetSchema, shapeRow, type Field } from './ocsf-schema.js';

export interface OcsfClass {
  uid: number;
  /** OCSF class name as Security Lake's custom source API spells it */
  eventClass: string;
  /** default custom source name: one source per class, as Security Lake wants */
  sourceName: string;
  fields: Field[];
}

export const OCSF_CLASSES: Record<number, OcsfClass> = {
  2003: { uid: 2003, eventClass: 'COMPLIANCE_FINDING', sourceName: 'census-compliance-finding', fields: COMPLIANCE_FINDING_FIELDS },
  5023: { uid: 5023, eventClass: 'CLOUD_RESOURCES_INVENTORY_INFO', sourceName: 'census-inventory-info', fields: INVENTORY_INFO_FIELDS },
  // the change history (feed/ocsf-change.ts says why this class)
  5019: { uid: 5019, eventClass: 'DEVICE_CONFIG_STATE_CHANGE', sourceName: 'census-config-change', fields: DEVICE_CONFIG_STATE_CHANGE_FIELDS },
};

export function ocsfClass(event: Record<string, unknown>, where = 'event'): OcsfClass {
  const cls = OCSF_CLASSES[event.class_uid as number];
  if (!cls) throw new Error(`${where}: class_uid ${String(event.class_uid)} is not one Census writes as Parquet (${Object.keys(OCSF_CLASSES).join(', ')})`);
  return cls;
}

export interface ParquetOptions {
  /** rows per row group; Athena and Glue read a group at a time */
  rowGroupSize?: number;
}

/** One Parquet file of events that all belong to `cls` (an event of another class is an error naming it). */
export function ocsfParquet(cls: OcsfClass, events: Record<string, unknown>[], opts: ParquetOptions = {}): Uint8Array {
  const rows = events.map((e, i) => {
    if (e.class_uid !== cls.uid) throw new Error(`event ${i}: class_uid ${String(e.class_uid)} in a ${cls.uid} object (one OCSF class per object)`);
    return shapeRow(cls.fields, e, `event ${i}`);
  });
  const buffer = parquetWriteBuffer({
    columnData: cls.fields.map((f) => ({ name: f.name, data: rows.map((r) => r[f.name]) })),
    schema: parquetSchema(cls.fields),
    rowGroupSize: opts.rowGroupSize ?? 50_000,
    kvMetadata: [{ key: 'ocsf.class_uid', value: String(cls.uid) }],
    createdBy: 'census',
  });
  return new Uint8Array(buffer);
}
