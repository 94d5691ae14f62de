// The record contract: one zod schema per record kind. Every boundary (Kinesis in, S3 out,
// OpenSearch, CLI files) parses through `parseRecord`, and `npm run schemas` exports these as JSON Schema.
import { z } from 'zod';
import { DEFAULT_TIME_BOUNDS, timeViolations, type TimeBounds } from './records.js';
import { compileFastParser, FAST_PARSE_DECLINED } from './fast-parse.js';

export const SCHEMA_VERSION = '1.0';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
// ID shapes and lengths as AWS documents them (ARNs up to 2048 characters, resource IDs up to 1024 as AWS Config's)
const CONTROL = /\p{Cc}/u;
const noControl = [(s: string) => !CONTROL.test(s), 'must not hold control characters'] as const;
const arn = z
  .string()
  .max(2048, 'an ARN is at most 2048 characters')
  .regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12}|aws)?:.+$/, 'must be an ARN (arn:partition:service:region:account:resource)')
  .refine(...noControl);
const resourceIdShape = z.string().min(1).max(1024).refine(...noControl);
const region = z.string().max(32).regex(/^[a-z0-9-]*$/, 'must be an AWS region name (or global)');
const shortName = z.string().max(256).refine(...noControl);
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const tags = z.record(z.string(), z.string());

export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'informational']);
export type Severity = z.infer<typeof Severity>;

/** Enrichment: whose account a record lives in. `inOrganization: false` flags an account missing from the list. */
export const AccountContext = z.object({
  accountId,
  name: z.string().nullable(),
  owner: z.string().nullable(),
  executive: z.string().nullable(),
  payerId: z.string().nullable(),
  ouPath: z.string().nullable(),
  tags: tags.default({}),
  inOrganization: z.boolean(),
});
export type AccountContext = z.infer<typeof AccountContext>;

/** Enrichment: an outside account that a trust or resource policy lets in. */
export const TrustedAccount = z.object({
  accountId,
  classification: z.enum(['org', 'known', 'unknown']),
  name: z.string().nullable(),
  approved: z.boolean().nullable().default(null),
  /** where in the record the grant was found, e.g. `supplementaryConfiguration.BucketPolicy` */
  policy: z.string(),
  /** `principal` when named in Principal, `condition` when pinned by aws:PrincipalAccount / aws:SourceAccount */
  via: z.enum(['principal', 'condition']),
});
export type TrustedAccount = z.infer<typeof TrustedAccount>;

/** The policy engine's verdicts (policy/engine.ts), from the most open to the most closed. */
export const PUBLIC_VERDICTS = ['public', 'undecided', 'network-restricted', 'org-restricted', 'account-restricted', 'service-restricted', 'not-granted'] as const;
export const PublicVerdict = z.enum(PUBLIC_VERDICTS);
export type PublicVerdict = z.infer<typeof PublicVerdict>;

/** Enrichment: one statement of a trust or resource policy (or one S3 ACL grant) with its verdict and reason. */
export const PolicyStatementVerdict = z.object({
  /** where in the record the policy was found, e.g. `supplementaryConfiguration.BucketPolicy` */
  policy: z.string(),
  /** position in the policy's Statement list (or the ACL's Grants), from 0 */
  statement: z.number().int().nonnegative(),
  sid: z.string().nullable(),
  verdict: PublicVerdict,
  reason: z.string(),
  principals: z.array(z.string()),
  actions: z.array(z.string()),
  accounts: z.array(z.string()),
  organizations: z.array(z.string()),
  /** CIDRs, VPC and VPC endpoint IDs of a network restriction */
  networks: z.array(z.string()),
  /** the condition or Deny statement that decided */
  condition: z.string().nullable(),
});
export type PolicyStatementVerdict = z.infer<typeof PolicyStatementVerdict>;

/** Enrichment: the risk-register entry that matches a finding. */
export const ExceptionRef = z.object({
  exceptionId: z.string(),
  reason: z.string(),
  approvedBy: z.string(),
  expiresAt: isoDate,
  active: z.boolean(),
});
export type ExceptionRef = z.infer<typeof ExceptionRef>;

export const CollectionError = z.object({
  call: z.string(),
  code: z.string(),
  message: z.string(),
});
export type CollectionError = z.infer<typeof CollectionError>;

const recordBase = { schemaVersion: z.literal(SCHEMA_VERSION) };

export const AccountRecord = z.object({
  recordType: z.literal('account'),
  ...recordBase,
  accountId,
  name: z.string(),
  email: z.string(),
  status: z.string(),
  payerId: accountId,
  ouPath: z.string(),
  joinedAt: isoDateTime.nullable(),
  tags,
  owner: z.string().nullable(),
  executive: z.string().nullable(),
  /** monthly spend in USD from the payer's Cost Explorer; null when it could not be read */
  spend: z.number().nonnegative().nullable(),
  observedAt: isoDateTime,
});
export type AccountRecord = z.infer<typeof AccountRecord>;

/** Named after the AWS Config configuration item. */
export const ResourceRecord = z.object({
  recordType: z.literal('resource'),
  ...recordBase,
  resourceType: z.string().regex(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/, 'must be a CloudFormation type like AWS::S3::Bucket'),
  resourceId: resourceIdShape,
  arn,
  resourceName: z.string().max(1024).nullable(),
  awsAccountId: accountId,
  /** `global` for services without regions (IAM, Route 53, CloudFront, ...) */
  awsRegion: region.min(1),
  configuration: z.record(z.string(), z.unknown()),
  supplementaryConfiguration: z.record(z.string(), z.unknown()).default({}),
  tags: tags.default({}),
  resourceCreationTime: isoDateTime.nullable(),
  configurationItemCaptureTime: isoDateTime,
  configurationItemStatus: z.enum(['OK', 'ResourceDiscovered', 'ResourceDeleted']).default('OK'),
  collector: shortName,
  runId: shortName.optional(),
  errors: z.array(CollectionError).default([]),
  // processor enrichment
  account: AccountContext.optional(),
  trustedAccounts: z.array(TrustedAccount).optional(),
  /** the policy verdict is `public` (absent while it is `undecided`: never read as "not public") */
  public: z.boolean().optional(),
  /** the resource's overall policy verdict: the most open of its statements */
  publicVerdict: PublicVerdict.optional(),
  publicReason: z.string().optional(),
  /** the statements behind the verdict (identity-policy statements without a Principal are left out) */
  policyStatements: z.array(PolicyStatementVerdict).optional(),
  /** core/content.ts contentHash of this state: an equal hash next run means nothing changed (change-only landing) */
  contentHash: z.string().max(64).optional(),
  /** processors/derivation.ts: the hash of the record as collected (volatile fields left out) */
  sourceHash: z.string().max(64).optional(),
  /** processors/derivation.ts: the hash of the JSON text the record came as (its capture time left out) */
  sourceBytesHash: z.string().max(64).optional(),
  /** processors/derivation.ts: what else the enrichment and checks read (derivation revision, catalog, accounts, registers) */
  derivedFrom: z.string().max(200).optional(),
  /** the CloudTrail event whose re-collection produced this copy (collectors/events), kept on its change record */
  trigger: z
    .object({ eventName: z.string().max(256), eventId: z.string().max(256).optional(), principal: z.string().max(2048).optional() })
    .optional(),
});
export type ResourceRecord = z.infer<typeof ResourceRecord>;

export const FindingRecord = z.object({
  recordType: z.literal('finding'),
  ...recordBase,
  /** stable: the same requirement and resource always give the same id */
  findingId: z.string().min(1).max(512).refine(...noControl),
  /** empty for external findings no catalog requirement maps to */
  requirementId: z.string(),
  status: z.enum(['PASS', 'FAIL']),
  severity: Severity,
  title: z.string().optional(),
  resourceType: z.string().max(256),
  resourceId: resourceIdShape,
  resourceArn: z.string().max(2048).nullable(),
  accountId,
  region,
  source: z.string().min(1),
  evidence: z.string(),
  observedAt: isoDateTime,
  /** the external tool's own id/control, kept for traceability */
  externalId: z.string().optional(),
  account: AccountContext.optional(),
  exception: ExceptionRef.optional(),
  /** PASS that still asks for attention: a requirement configured to warn (a network-restricted resource policy) */
  warning: z.boolean().optional(),
  /**
   * Closed because the resource is gone: a complete inventory marked it `ResourceDeleted`, or its account
   * left the organization. `status` stays as last observed (history); scoring no longer counts it.
   */
  resolved: z.object({ reason: z.enum(['resource-deleted', 'account-left']), at: isoDateTime }).optional(),
  /** when this status (with this exception and evidence) was first observed; it lands again only when one changes */
  firstObservedAt: isoDateTime.optional(),
  /** the latest observation of the same status, exception and evidence */
  lastObservedAt: isoDateTime.optional(),
});
export type FindingRecord = z.infer<typeof FindingRecord>;

/** An account or collector that could not be inventoried; shows up in dashboards instead of shrinking the inventory. */
export const CollectionErrorRecord = z.object({
  recordType: z.literal('collection-error'),
  ...recordBase,
  accountId,
  region: region.nullable(),
  collector: shortName.nullable(),
  code: shortName,
  message: z.string(),
  runId: z.string().optional(),
  observedAt: isoDateTime,
  account: AccountContext.optional(),
});
export type CollectionErrorRecord = z.infer<typeof CollectionErrorRecord>;

/** One collector in one region of an account's run (`global` for a global collector): what it covered. */
export const RunScope = z.object({
  collector: shortName.refine((s) => s.length > 0, 'must not be empty'),
  region: region.min(1),
  /** every resource type of the collector was listed there: its stored resources not seen are gone */
  complete: z.boolean(),
  /** distinct resources (ARNs) the collector saw there */
  resourceCount: z.number().int().nonnegative(),
});
export type RunScope = z.infer<typeof RunScope>;

/** A collection error of the run, by where it happened and its code: the run says which errors still happen. */
export const RunError = z.object({
  region: region.nullable(),
  collector: shortName.nullable(),
  code: shortName,
});
export type RunError = z.infer<typeof RunError>;

/**
 * Written once per account and run (per account, collector and run where a Lambda runs each collector), when the
 * account's inventory finished or could not start: the scopes it covered, what it saw and which errors it met.
 * Processors mark deleted, for each complete scope, the stored resources of that scope not in `seen`; a run
 * supersedes an older pending run of the same account and collectors.
 *
 * Records of the earlier shape (one per collector and region, with `collector`, `region` and `resourceCount`
 * and no `scopes`) may still be in the stream during an upgrade: they are read as a run with that one scope.
 */
export const InventoryRunRecord = z.object({
  recordType: z.literal('inventory-run'),
  ...recordBase,
  runId: shortName.refine((s) => s.length > 0, 'must not be empty'),
  accountId,
  /**
   * The collectors this inventory of the account ran: all of them when one process inventories the account
   * (`census collect`), one when the state machine fans out a Lambda per account and collector. Runs of the same
   * account and collectors supersede each other; runs of other collectors do not.
   */
  collectors: z.array(shortName).max(500).optional(),
  /** every scope was complete (and the account could be reached) */
  complete: z.boolean(),
  /** the collectors and regions the run covered; empty when the account could not be reached */
  scopes: z.array(RunScope).max(10_000).optional(),
  /**
   * What the run saw, over all its scopes: core/content.ts identityHash of each resource's ARN (ARNs are unique
   * across regions, so one list). Deletions are read from it: nothing listed here is taken for gone, whether it
   * has landed yet or not and whether or not an unchanged resource was written again (change-only landing).
   * Left out of the feed's copy (hashes mean nothing to a SIEM) and of status reads.
   */
  seen: z.array(z.string().regex(/^[0-9a-f]{16}$/)).max(350_000).optional(),
  /** the collection errors of this run of the account: an unchanged error lands only once, its presence is read here */
  errors: z.array(RunError).max(10_000).optional(),
  /** earlier shape: the one collector and region of the record */
  region: region.min(1).optional(),
  collector: shortName.refine((s) => s.length > 0, 'must not be empty').optional(),
  /** earlier shape: how many distinct resources the scope sent */
  resourceCount: z.number().int().nonnegative().optional(),
  startedAt: isoDateTime,
  finishedAt: isoDateTime,
});
export type InventoryRunRecord = z.infer<typeof InventoryRunRecord>;

/** Stands in the stream for a record over Kinesis's 1 MiB limit; the record itself is in S3. */
export const PointerRecord = z.object({
  recordType: z.literal('pointer'),
  ...recordBase,
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  key: z.string().min(1).max(1024),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  pointsTo: z.enum(['resource', 'finding', 'account', 'collection-error', 'inventory-run']),
});
export type PointerRecord = z.infer<typeof PointerRecord>;

/** A row of the risk-acceptance register. */
export const ExceptionEntry = z.object({
  exceptionId: z.string().min(1),
  accountId,
  requirementId: z.string().min(1),
  /** the finding's resourceId or its ARN */
  resourceId: z.string().min(1),
  reason: z.string().min(1),
  approvedBy: z.string().min(1),
  /** active through the end of this day, UTC */
  expiresAt: isoDate,
});
export type ExceptionEntry = z.infer<typeof ExceptionEntry>;

export const ScoreScope = z.enum(['account-requirement', 'account', 'owner', 'executive', 'enterprise', 'owner-requirement']);
export type ScoreScope = z.infer<typeof ScoreScope>;

export const ScoreRecord = z.object({
  recordType: z.literal('score'),
  ...recordBase,
  /** stable per scope, subject, asOf and run: history keeps every run */
  scoreId: z.string(),
  scope: ScoreScope,
  accountId: accountId.optional(),
  /** the account's name (account and account-requirement scopes), for dashboards */
  accountName: z.string().nullable().optional(),
  requirementId: z.string().optional(),
  /** the requirement's title and remediation (requirement scopes) */
  title: z.string().optional(),
  remediation: z.string().optional(),
  severity: z.string().optional(),
  owner: z.string().optional(),
  executive: z.string().optional(),
  total: z.number().int().nonnegative().optional(),
  failing: z.number().int().nonnegative().optional(),
  excepted: z.number().int().nonnegative().optional(),
  weight: z.number().nonnegative().optional(),
  spend: z.number().nonnegative().nullable().optional(),
  /** a fraction in [0, 1]; null where nothing applies */
  score: z.number().min(0).max(1).nullable(),
  /**
   * Requirement scopes: how much the account's (account-requirement) or the owner's (owner-requirement)
   * score would rise, as a fraction, if every failing resource of the requirement were fixed, all else equal.
   */
  gain: z.number().min(0).max(1).optional(),
  asOf: isoDate,
  runAt: isoDateTime,
});
export type ScoreRecord = z.infer<typeof ScoreRecord>;

/**
 * A resource whose content changed (core/content.ts): what changed, when, and, when a CloudTrail event caused the
 * re-collection, which event and who. Written by the processors beside the resource; never on the stream.
 */
export const ChangeRecord = z.object({
  recordType: z.literal('change'),
  ...recordBase,
  /** first 32 hex of sha256(ARN|previous capture time|capture time): a replay writes the same change once */
  changeId: z.string().regex(/^[0-9a-f]{32}$/),
  arn: z.string().min(1).max(2048),
  resourceType: z.string().max(256),
  resourceId: z.string().max(2048),
  resourceName: z.string().max(1024).nullable(),
  awsAccountId: accountId,
  awsRegion: region.min(1),
  /** `created`: first seen; `modified`: content differs; `deleted`: marked ResourceDeleted */
  kind: z.enum(['created', 'modified', 'deleted']),
  /** the capture time of the new state */
  changedAt: isoDateTime,
  /** the capture time of the state it differs from (null when created) */
  previousCaptureTime: isoDateTime.nullable(),
  previousHash: z.string().nullable(),
  contentHash: z.string(),
  /** the CloudTrail event behind an event-driven re-collection */
  eventName: z.string().max(256).optional(),
  eventId: z.string().max(256).optional(),
  principal: z.string().max(2048).optional(),
  /** JSON Pointer paths with canonical JSON text of the old and new values; volatile fields never appear */
  diff: z.array(
    z.object({ op: z.enum(['add', 'remove', 'replace']), path: z.string(), before: z.string().optional(), after: z.string().optional() }),
  ),
  /** the policy engine's verdict before and after, when it changed */
  verdict: z.object({ before: z.string().nullable(), after: z.string().nullable() }).optional(),
  /** requirements whose finding for this resource flipped between PASS and FAIL with this change */
  flipped: z.array(z.object({ requirementId: z.string(), from: z.enum(['PASS', 'FAIL']).nullable(), to: z.enum(['PASS', 'FAIL']) })).default([]),
  account: AccountContext.optional(),
});
export type ChangeRecord = z.infer<typeof ChangeRecord>;

/** Everything that travels on the stream. */
export const StreamRecord = z.discriminatedUnion('recordType', [
  AccountRecord,
  ResourceRecord,
  FindingRecord,
  CollectionErrorRecord,
  InventoryRunRecord,
  PointerRecord,
]);
export type StreamRecord = z.infer<typeof StreamRecord>;
export type RecordType = StreamRecord['recordType'];

export const recordSchemas = {
  AccountRecord,
  ResourceRecord,
  FindingRecord,
  CollectionErrorRecord,
  InventoryRunRecord,
  PointerRecord,
  ExceptionEntry,
  ScoreRecord,
  ChangeRecord,
  StreamRecord,
} as const;

/** StreamRecord compiled once into a fast accepting parser (core/fast-parse.ts): the processor's hot path. */
const fastStreamRecord = compileFastParser(StreamRecord);

/** A record that broke the contract: names the record and every offending field. */
export class SchemaError extends Error {
  constructor(
    readonly recordLabel: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${recordLabel}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'SchemaError';
  }
}

/** A short label that names a record in errors: its kind and identity, whatever shape it is in. */
export function describeRecord(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `non-object record (${typeof value})`;
  const v = value as Record<string, unknown>;
  const kind = typeof v.recordType === 'string' ? v.recordType : 'record without recordType';
  const id = v.arn ?? v.findingId ?? v.scoreId ?? v.exceptionId ?? v.key ?? v.accountId ?? v.awsAccountId;
  return typeof id === 'string' ? `${kind} ${id}` : kind;
}

/** Parse `value` with `schema`; on failure throw a SchemaError naming the record and fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, label?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new SchemaError(
    label ?? describeRecord(value),
    result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  );
}

/**
 * Parse a stream record: its shape, then every time field within the bounds (by default 2006-01-01 to an
 * hour past now). A time outside them would become a nonsense version (negative, or one that freezes the
 * resource forever), so it is a contract violation like any other.
 */
export function parseRecord(value: unknown, label?: string, bounds: TimeBounds = DEFAULT_TIME_BOUNDS): StreamRecord {
  // the compiled fast path accepts what zod accepts, with zod's output; zod decides (and explains) everything else
  const fast = fastStreamRecord(value);
  const record = fast !== FAST_PARSE_DECLINED ? fast : parseWith(StreamRecord, value, label);
  const problems = timeViolations(record, bounds);
  if (problems.length) {
    throw new SchemaError(
      label ?? describeRecord(value),
      problems.map((p) => ({ path: p.slice(0, p.indexOf(':')), message: p.slice(p.indexOf(':') + 2) })),
    );
  }
  return record;
}

/** JSON Schema documents for the SIEM team, one per record kind. */
export function jsonSchemas(): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(recordSchemas).map(([name, schema]) => [name, z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })]),
  );
}
