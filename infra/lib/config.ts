// Deployment parameters of the Census stacks, read from CDK context (`cdk.json` or `-c key=value`).
// Every value has a default so `npm run synth` works with no context at all.
import { z } from 'zod';
import { parseWith } from '../../core/schemas.js';

/** `-c payerAccountIds=111,222` arrives as a string, cdk.json gives an array: accept both. */
const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string()),
);
/** `-c x=5` arrives as a string. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
/**
 * An EventBridge Scheduler expression as CloudFormation accepts it: `rate(1 hour)` / `rate(30 minutes)` (singular
 * unit for 1), `cron(min hour day-of-month month day-of-week year)` with `?` in one of the day fields, or
 * `at(yyyy-mm-ddThh:mm:ss)`.
 */
const scheduleExpression = z.string().superRefine((v, ctx) => {
  const problem = scheduleProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export function scheduleProblem(v: string): string | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(v);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return `"${v}": the rate must be at least 1`;
    if ((n === 1) !== !rate[2]!.endsWith('s')) return `"${v}": use the singular unit for 1 and the plural otherwise (rate(1 hour), rate(2 hours))`;
    return undefined;
  }
  const cron = /^cron\((.+)\)$/.exec(v);
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) return `"${v}": cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
    if ((fields[2] === '?') === (fields[4] === '?')) return `"${v}": exactly one of day-of-month and day-of-week must be ?`;
    return undefined;
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(v)) return undefined;
  return `"${v}": must be rate(n unit), cron(6 fields) or at(yyyy-mm-ddThh:mm:ss)`;
}

/** The values CloudWatch Logs accepts for a log group's RetentionInDays. */
export const logRetentionValues = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
const logRetention = z.coerce
  .number()
  .refine((n) => (logRetentionValues as readonly number[]).includes(n), { message: `must be one of ${logRetentionValues.join(', ')} (CloudWatch Logs retention)` });
/** OpenSearch Service instance types end in `.search`: `r7g.large.search`, `t3.small.search`. */
const instanceType = z.string().regex(/^[a-z][a-z0-9-]*\.[0-9]*x?[a-z0-9]+\.search$/, 'must be an OpenSearch Service instance type such as r7g.large.search');
const email = z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an e-mail address');
const timezone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as UTC or Europe/Paris' },
);
/** A JSON object given on the command line (`-c openSearch='{"dataNodes":3}'`) or in cdk.json. */
const object = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : (v ?? {})), schema);

export const InfraConfig = z.object({
  /** prefix of every named resource, so two deployments can share an account */
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{1,20}$/, 'lowercase letters, digits and dashes, at most 21 characters').default('census'),
  /** management (payer) accounts whose organizations are inventoried */
  payerAccountIds: list.pipe(z.array(accountId)).default([]),
  /** the read-only role the StackSet creates in every member account */
  auditRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/).default('CensusAudit'),
  externalId: z.string().optional(),
  /** empty: every region enabled for the account */
  regions: list.default([]),
  ownerTagKey: z.string().default('owner'),
  executiveTagKey: z.string().default('executive'),
  /** the account Census is deployed into; the audit-role template's default trusted account */
  securityAccountId: accountId.optional(),
  /**
   * The organization's ID (o-xxxxxxxxxx). Given, Census deploys its event bus (admitting only this organization's
   * accounts) and the events Lambda: member accounts' forwarder rules then trigger re-collection of what changed.
   */
  organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization ID, o- followed by 10 to 32 lowercase letters or digits').optional(),
  /** a subset of the collectors in collectors/registry.ts (default: all), one Lambda function each */
  collectors: list.optional(),
  stream: object(
    z.object({
      mode: z.enum(['ON_DEMAND', 'PROVISIONED']).default('ON_DEMAND'),
      shardCount: int(1, 500).default(2),
      retentionHours: int(24, 8760).default(48),
    }),
  ).default({ mode: 'ON_DEMAND', shardCount: 2, retentionHours: 48 }),
  processor: object(
    z.object({
      batchSize: int(1, 10_000).default(500),
      maxBatchingWindowSeconds: int(0, 300).default(5),
      parallelizationFactor: int(1, 10).default(2),
      retryAttempts: int(0, 10_000).default(3),
      maxRecordAgeHours: int(1, 168).default(24),
      memoryMiB: int(128, 10_240).default(1024),
    }),
  ).default({ batchSize: 500, maxBatchingWindowSeconds: 5, parallelizationFactor: 2, retryAttempts: 3, maxRecordAgeHours: 24, memoryMiB: 1024 }),
  inventory: object(
    z.object({
      /** accounts inventoried at once by the state machine */
      accountConcurrency: int(1, 1000).default(20),
      /** collectors run at once within one account (API throttling is per account and region) */
      collectorConcurrency: int(1, 40).default(8),
      /** percentage of accounts allowed to fail before the whole run is marked failed */
      toleratedFailurePercentage: int(0, 100).default(10),
      collectorMemoryMiB: int(128, 10_240).default(512),
      /**
       * Child workflow of each account. STANDARD: no time limit, billed per state transition (about 3 per collector
       * and account per run). EXPRESS: billed by duration, far cheaper at hundreds of accounts, but an account must
       * finish within 5 minutes.
       */
      accountExecutionType: z.enum(['STANDARD', 'EXPRESS']).default('EXPRESS'),
    }),
  ).default({ accountConcurrency: 20, collectorConcurrency: 8, toleratedFailurePercentage: 10, collectorMemoryMiB: 512, accountExecutionType: 'EXPRESS' }),
  schedules: object(
    z.object({
      /** hourly, as the README says; a run still going when the next starts makes the next one skip */
      inventory: scheduleExpression.default('rate(1 hour)'),
      scoring: scheduleExpression.default('rate(1 hour)'),
      /** scorecard e-mail: Mondays 07:00 UTC unless told otherwise */
      delivery: scheduleExpression.default('cron(0 7 ? * MON *)'),
      timezone: timezone.default('UTC'),
    }),
  ).default({ inventory: 'rate(1 hour)', scoring: 'rate(1 hour)', delivery: 'cron(0 7 ? * MON *)', timezone: 'UTC' }),
  openSearch: object(
    z.object({
      dataNodes: int(1, 80).default(2),
      dataNodeInstanceType: instanceType.default('r7g.large.search'),
      /** 0: no dedicated master nodes (small deployments); 3 for production */
      masterNodes: z.union([z.literal(0), z.literal(3), z.literal(5)]).default(3),
      masterNodeInstanceType: instanceType.default('m7g.large.search'),
      volumeSizeGiB: int(10, 16_384).default(100),
      /** spread data nodes over two availability zones (needs an even data node count) */
      zoneAwareness: bool.default(true),
      /** IAM role ARNs given the OpenSearch all_access role (people who run dashboards and investigations) */
      adminRoleArns: list.default([]),
    }),
  ).default({
    dataNodes: 2,
    dataNodeInstanceType: 'r7g.large.search',
    masterNodes: 3,
    masterNodeInstanceType: 'm7g.large.search',
    volumeSizeGiB: 100,
    zoneAwareness: true,
    adminRoleArns: [],
  }),
  indexPrefix: z.string().regex(/^[a-z][a-z0-9-]*$/).default('census'),
  /** SES identity (domain or address) scorecards are sent from; sending is allowed from this identity only */
  sesIdentity: z.string().default('example.com'),
  sesFromAddress: email.default('census@example.com'),
  /** enterprise scorecard recipients (owners and executives come from account tags) */
  scorecardRecipients: list.pipe(z.array(email)).default([]),
  /** the risk register, uploaded to the feed bucket under config/ (processors and scoring may read only there) */
  exceptionsRegisterKey: z
    .string()
    .regex(/^config\/.+\.(csv|json|xlsx)$/, 'must be a key under config/ ending in .csv, .json or .xlsx')
    .optional(),
  /** where CloudWatch alarms send their notifications; empty: topic without subscription */
  alarmEmail: email.optional(),
  /**
   * The organization's own approved vendors (trusted-accounts register, CSV/JSON/YAML) in the feed bucket under
   * config/; the processors read it after the vendored fwd:cloudsec known-accounts list bundled with them
   */
  trustedAccountsKey: z
    .string()
    .regex(/^config\/.+\.(csv|json|ya?ml)$/, 'must be a key under config/ ending in .csv, .json, .yaml or .yml')
    .optional(),
  /** days of score history kept in OpenSearch (older scores stay in the S3 feed) */
  scoreRetentionDays: int(1, 3650).default(400),
  /** days of other history (collection errors, inventory runs, deleted resources) kept in OpenSearch */
  historyRetentionDays: int(1, 3650).default(90),
  /** days before feed objects move to Infrequent Access, and before they expire */
  feedTransitionDays: int(30, 3650).default(30),
  feedExpirationDays: int(31, 3650).default(400),
  deadLetterExpirationDays: int(1, 3650).default(90),
  scorecardExpirationDays: int(1, 3650).default(730),
  logRetentionDays: logRetention.default(365),
}).refine((c) => c.feedExpirationDays > c.feedTransitionDays, {
  path: ['feedExpirationDays'],
  message: 'must be later than feedTransitionDays (S3 lifecycle rules require it)',
});
export type InfraConfig = z.infer<typeof InfraConfig>;

/** Keys of InfraConfig, so the app reads exactly these from context. */
export const infraConfigKeys = Object.keys(InfraConfig.shape) as (keyof InfraConfig)[];

/** Validate context values; a bad value fails synthesis with the key and the reason. */
export function parseInfraConfig(context: Record<string, unknown>): InfraConfig {
  const known = Object.fromEntries(Object.entries(context).filter(([k, v]) => infraConfigKeys.includes(k as keyof InfraConfig) && v !== undefined));
  return parseWith(InfraConfig, known, 'CDK context');
}
