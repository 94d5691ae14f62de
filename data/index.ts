// Data files Census ships in the repository (each folder carries its licence and SOURCE.md).
// Located beside this module so the same URL works from the sources, from dist/ (the build copies data/ there)
// and from a Lambda bundle (infra copies the file beside index.mjs at the same relative path).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fwd:cloudsec known_aws_accounts list: the default known-vendor register. */
export const KNOWN_AWS_ACCOUNTS_PATH = fileURLToPath(new URL('./known-aws-accounts/accounts.yaml', import.meta.url));

/**
 * The repository's own copy (data/known-aws-accounts/accounts.yaml under the folder holding package.json), which
 * `census trusted-accounts update` rewrites; from dist/ the list above is the build's copy of it.
 */
export function vendoredKnownAccountsSource(): string {
  let dir = dirname(KNOWN_AWS_ACCOUNTS_PATH);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'data/known-aws-accounts/accounts.yaml');
    const up = dirname(dir);
    if (up === dir) return KNOWN_AWS_ACCOUNTS_PATH;
    dir = up;
  }
}
