// Lambda entry points of the scoring job (hourly) and scorecard delivery (on its own schedule).
import { S3Client } from '@aws-sdk/client-s3';
import { s3Config } from '../platform/aws.js';
import { loadConfig } from '../platform/config.js';
import { s3Keys } from '../core/indexes.js';
import { deliverScorecards, type Delivery } from './deliver.js';
import { runScoringJob, type JobSummary } from './job.js';
import { asOfInstant } from './score.js';

interface ScheduledEvent {
  /** YYYY-MM-DD; default: today (UTC) */
  asOf?: string;
}

function asOfFrom(event: unknown): string {
  const asOf = (event as ScheduledEvent | null)?.asOf ?? new Date().toISOString().slice(0, 10);
  asOfInstant(asOf);
  return asOf;
}

export async function scoreHandler(event: unknown): Promise<JobSummary> {
  return runScoringJob(loadConfig(), { asOf: asOfFrom(event), runAt: new Date().toISOString() });
}

/** Mails the latest scorecards of the day; fails the invocation (so it alarms) when a mail could not be sent. */
export async function deliverHandler(event: unknown): Promise<{ sent: number; unaddressed: Delivery[] }> {
  const config = loadConfig();
  const asOf = asOfFrom(event);
  const results = await deliverScorecards({
    source: { s3: new S3Client(s3Config()), bucket: config.scorecardBucket, asOf },
    from: config.sesFrom,
    enterpriseRecipients: config.enterpriseRecipients,
    location: `s3://${config.scorecardBucket}/${s3Keys.scorecards(asOf)}`,
  });
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length) throw new Error(`scorecard delivery: ${failed.length} mail(s) failed: ${failed.map((f) => `${f.file}: ${f.reason}`).join('; ')}`);
  return { sent: results.filter((r) => r.status === 'sent').length, unaddressed: results.filter((r) => r.status === 'unaddressed') };
}
