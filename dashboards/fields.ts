// Index mappings as flat field lists: the field list an index pattern carries (so Dashboards never has to
// discover it on the first visit) and the lookup the contract check uses. Works on the mappings the
// templates declare and on the `_mapping` a cluster returns alike.

/** dotted field path -> OpenSearch field type (`keyword`, `date`, ...); objects stored unindexed are `object` */
export type FieldTypes = Map<string, string>;

interface MappingNode {
  type?: string;
  enabled?: boolean;
  properties?: Record<string, MappingNode>;
  fields?: Record<string, MappingNode>;
}

/** Flatten mapping `properties` into field paths; multi-fields (`name.text`) included. */
export function flattenMapping(properties: Record<string, unknown>, prefix = '', out: FieldTypes = new Map()): FieldTypes {
  for (const [name, raw] of Object.entries(properties)) {
    const node = raw as MappingNode;
    const path = prefix ? `${prefix}.${name}` : name;
    if (node.properties && (node.type === undefined || node.type === 'object' || node.type === 'nested')) {
      flattenMapping(node.properties, path, out);
      continue;
    }
    out.set(path, node.enabled === false ? 'object' : (node.type ?? 'object'));
    for (const [sub, subNode] of Object.entries(node.fields ?? {})) out.set(`${path}.${sub}`, subNode.type ?? 'object');
  }
  return out;
}

/** Merge the field types of several indexes (one pattern matching many); a conflict keeps every type seen. */
export function mergeFieldTypes(all: FieldTypes[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const types of all) for (const [path, type] of types) (out.get(path) ?? out.set(path, new Set()).get(path)!).add(type);
  return out;
}

export const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'double', 'float', 'half_float', 'scaled_float']);

/** The Dashboards field type of an OpenSearch type. */
function dashboardsType(esType: string): string {
  if (esType === 'keyword' || esType === 'text') return 'string';
  if (NUMERIC.has(esType)) return 'number';
  if (esType === 'date' || esType === 'boolean' || esType === 'ip') return esType;
  return 'unknown';
}

export interface IndexPatternField {
  name: string;
  type: string;
  esTypes: string[];
  count: number;
  scripted: boolean;
  searchable: boolean;
  aggregatable: boolean;
  readFromDocValues: boolean;
}

/** The metadata fields Dashboards lists for every index pattern. */
const META: IndexPatternField[] = [
  { name: '_id', type: 'string', esTypes: ['_id'], count: 0, scripted: false, searchable: true, aggregatable: true, readFromDocValues: false },
  { name: '_index', type: 'string', esTypes: ['_index'], count: 0, scripted: false, searchable: true, aggregatable: true, readFromDocValues: false },
  { name: '_score', type: 'number', count: 0, esTypes: [], scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
  { name: '_source', type: '_source', esTypes: ['_source'], count: 0, scripted: false, searchable: false, aggregatable: false, readFromDocValues: false },
];

/** The `fields` list of an index pattern, as Dashboards itself would build it from these mappings. */
export function indexPatternFields(types: FieldTypes): IndexPatternField[] {
  const fields = [...types]
    .filter(([, t]) => t !== 'object')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, esType]): IndexPatternField => {
      const docValues = esType !== 'text' && esType !== 'flat_object';
      return { name, type: dashboardsType(esType), esTypes: [esType], count: 0, scripted: false, searchable: true, aggregatable: docValues, readFromDocValues: docValues };
    });
  return [...META, ...fields];
}
