// Explicit OpenSearch mappings derived from the zod record schemas (via their JSON Schema), so the
// index shape follows the record contract. Free-form parts (configuration, policies) are stored but
// not indexed field by field: they can neither explode the field count nor conflict between a string
// in one record and an object in the next (`Principal`). A text copy keeps them searchable.
import { z } from 'zod';
import {
  AccountRecord,
  CollectionErrorRecord,
  FindingRecord,
  ResourceRecord,
  ScoreRecord,
  ChangeRecord,
} from '../core/schemas.js';
import { DeadLetterDocument, FailingResourceDocument, TrustedAccountDocument } from './documents.js';

export type FieldMapping = Record<string, unknown>;
type JsonSchema = {
  type?: string | string[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

const keyword = { type: 'keyword', ignore_above: 1024 };
const text = { type: 'text' };
const keywordAndText = { ...keyword, fields: { text } };
/** stored in _source only: free-form AWS documents */
const storedOnly = { type: 'object', enabled: false };
/** tags and other string maps: each key searchable (`tags.owner: alice`), no new fields per key */
const stringMap = { type: 'flat_object' };

function mappingOf(s: JsonSchema): FieldMapping {
  const variants = s.anyOf ?? s.oneOf;
  if (variants) return mappingOf(variants.find((v) => v.type !== 'null') ?? {});
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'string':
      return s.format === 'date-time' || s.format === 'date' ? { type: 'date' } : keyword;
    case 'integer':
      return { type: 'long' };
    case 'number':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'array':
      return s.items ? mappingOf(s.items) : storedOnly;
    case 'object':
      if (s.properties) {
        return { properties: Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, mappingOf(v)])) };
      }
      return typeof s.additionalProperties === 'object' && s.additionalProperties.type === 'string' ? stringMap : storedOnly;
    default:
      return storedOnly;
  }
}

/** Mapping `properties` for a record schema, with per-field overrides (dotted paths). */
export function propertiesFor(schema: z.ZodType, overrides: Record<string, FieldMapping> = {}): Record<string, FieldMapping> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const root = mappingOf(json) as { properties: Record<string, FieldMapping> };
  for (const [path, mapping] of Object.entries(overrides)) {
    const parts = path.split('.');
    let node: { properties?: Record<string, FieldMapping> } = root;
    for (const part of parts.slice(0, -1)) {
      node.properties ??= {};
      node = (node.properties[part] ??= { properties: {} }) as { properties?: Record<string, FieldMapping> };
    }
    node.properties ??= {};
    node.properties[parts.at(-1)!] = mapping;
  }
  return root.properties;
}

/** Fields the processors add to OpenSearch documents beyond the record itself. */
export const derivedResourceFields = {
  /** configuration + supplementaryConfiguration as JSON text: full-text search over policies and settings */
  configurationText: text,
  /** `key=value` for every tag: aggregatable, where `tags` (flat_object) is only searchable */
  tagPairs: keyword,
  /** set when a complete inventory run no longer saw the resource */
  deletedAt: { type: 'date' },
  deletedByRun: keyword,
  /** core/content.ts identityHash of the ARN: matched against an inventory run's `seen` list */
  identityHash: keyword,
};

export const indexMappings = {
  resources: propertiesFor(ResourceRecord, {
    resourceName: keywordAndText,
    configuration: storedOnly,
    supplementaryConfiguration: storedOnly,
    'errors.message': text,
    ...derivedResourceFields,
  }),
  findings: propertiesFor(FindingRecord, { title: keywordAndText, evidence: text }),
  accounts: propertiesFor(AccountRecord, { name: keywordAndText }),
  trustedAccounts: propertiesFor(TrustedAccountDocument, { name: keywordAndText }),
  collectionErrors: propertiesFor(CollectionErrorRecord, { message: text }),
  scores: propertiesFor(ScoreRecord),
  // the diff's values can be whole policies: kept in _source, searchable by the paths that changed
  changes: propertiesFor(ChangeRecord, { diff: storedOnly, diffPaths: keyword }),
  deadLetters: propertiesFor(DeadLetterDocument, { reason: keywordAndText }),
  currentScores: propertiesFor(ScoreRecord),
  currentFailing: propertiesFor(FailingResourceDocument, { title: keywordAndText, evidence: text, 'exception.reason': text }),
};
export type IndexKind = keyof typeof indexMappings;
