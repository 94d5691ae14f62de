// Write a run's scorecards to a folder: one workbook per owner, the enterprise workbook, and a
// manifest that delivery reads (who gets which file).
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeEnterpriseWorkbook } from './enterprise.js';
import { ScorecardModel, type ScorecardInput } from './model.js';
import { writeOwnerWorkbook } from './owner.js';

export const ScorecardManifest = z.object({
  asOf: z.string(),
  runAt: z.string(),
  enterprise: z.object({ file: z.string(), score: z.number().nullable() }),
  owners: z.array(
    z.object({
      owner: z.string(),
      file: z.string(),
      score: z.number().nullable(),
      accountIds: z.array(z.string()),
    }),
  ),
});
export type ScorecardManifest = z.infer<typeof ScorecardManifest>;
export const MANIFEST = 'manifest.json';

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
  const owners: ScorecardManifest['owners'] = [];
  for (const owner of model.ownerLabels()) {
    const file = ownerFileName(owner, input.asOf);
    const accountIds = await writeOwnerWorkbook(model, owner, join(input.outDir, file));
    owners.push({ owner, file, score: model.owners.find((o) => o.owner === owner)?.score ?? null, accountIds });
  }
  const manifest: ScorecardManifest = {
    asOf: input.asOf,
    runAt: input.runAt,
    enterprise: { file: enterpriseFile, score: model.enterprise?.score ?? null },
    owners,
  };
  await writeFile(join(input.outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
