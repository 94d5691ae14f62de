// Write a run's scorecards to a folder: one workbook per owner, one for the accounts without an owner,
// the enterprise workbook, and a manifest that delivery reads (who gets which file, and what the mail says).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { NO_OWNER } from '../score.js';
import { enterpriseFixes, writeEnterpriseWorkbook } from './enterprise.js';
import { ScorecardModel, type ScorecardInput } from './model.js';
import { writeOwnerWorkbook } from './owner.js';

const Change = z.object({ previous: z.number().nullable(), week: z.number().nullable(), month: z.number().nullable() });
const Fix = z.object({ requirementId: z.string(), title: z.string(), failing: z.number(), gain: z.number() });
/** What a mail says about a book: score, change and the top fixes (absent in manifests of older runs). */
const Headline = { change: Change.optional(), fixes: z.array(Fix).optional() };

export const ScorecardManifest = z.object({
  asOf: z.string(),
  runAt: z.string(),
  enterprise: z.object({ file: z.string(), score: z.number().nullable(), ...Headline }),
  owners: z.array(
    z.object({
      owner: z.string(),
      file: z.string(),
      score: z.number().nullable(),
      accountIds: z.array(z.string()),
      ...Headline,
    }),
  ),
  /** accounts without an owner tag: their own book, for the enterprise recipients */
  unowned: z
    .object({ file: z.string(), score: z.number().nullable(), accountIds: z.array(z.string()), ...Headline })
    .nullable()
    .optional(),
});
export type ScorecardManifest = z.infer<typeof ScorecardManifest>;
export const MANIFEST = 'manifest.json';
/** Fixes a mail lists. */
const MAIL_FIXES = 3;

/** A file name from an owner label: readable, and distinct for distinct owners. */
export function ownerFileName(owner: string, asOf: string): string {
  const slug = owner.replace(/[^A-Za-z0-9@._-]+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 60) || 'owner';
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 6);
  return `owner-${slug}-${hash}-${asOf}.xlsx`;
}

/**
 * Write every scorecard of a run into `outDir` (file names in the manifest are relative to it).
 * Workbooks are streamed to disk, so memory stays flat with hundreds of accounts.
 */
export async function writeScorecards(input: ScorecardInput & { runAt: string; outDir: string }): Promise<ScorecardManifest> {
  await mkdir(input.outDir, { recursive: true });
  const model = new ScorecardModel(input);
  const enterpriseFile = `enterprise-${input.asOf}.xlsx`;
  await writeEnterpriseWorkbook(model, join(input.outDir, enterpriseFile));
  const headline = (owner: string) => ({
    change: model.change(model.ownerRecord(owner)),
    fixes: model.ownerFixes(owner, MAIL_FIXES).map(({ requirementId, title, failing, gain }) => ({ requirementId, title, failing, gain })),
  });
  const owners: ScorecardManifest['owners'] = [];
  for (const owner of model.ownerLabels()) {
    const file = ownerFileName(owner, input.asOf);
    const accountIds = await writeOwnerWorkbook(model, owner, join(input.outDir, file));
    owners.push({ owner, file, score: model.ownerRecord(owner)?.score ?? null, accountIds, ...headline(owner) });
  }
  let unowned: ScorecardManifest['unowned'] = null;
  if (model.hasUnowned()) {
    const file = `unowned-accounts-${input.asOf}.xlsx`;
    const accountIds = await writeOwnerWorkbook(model, NO_OWNER, join(input.outDir, file));
    unowned = { file, score: model.ownerRecord(NO_OWNER)?.score ?? null, accountIds, ...headline(NO_OWNER) };
  }
  const manifest: ScorecardManifest = {
    asOf: input.asOf,
    runAt: input.runAt,
    enterprise: { file: enterpriseFile, score: model.enterprise?.score ?? null, change: model.change(model.enterprise), fixes: enterpriseFixes(model, MAIL_FIXES) },
    owners,
    unowned,
  };
  await writeFile(join(input.outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
