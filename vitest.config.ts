import { defineConfig } from 'vitest/config';

/**
 * Three projects, all run by `npm test`:
 * - unit: pure functions and the CLI in-process; needs no installed tool and no stack (`npm run setup` need not have run)
 * - infra: CDK synthesis with cdk-nag, cfn-lint (from .stack/venv) and the Lambda bundles; slow, needs `npm run setup`
 * - integration: the real local stack (moto, kinesalite, OpenSearch), started by its global setup
 */
const INFRA = ['test/unit/infra*.test.ts', 'test/infra/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: INFRA,
          // generous for a shared two-core machine under load; the suite itself takes seconds
          testTimeout: 30_000,
          // one module graph per worker instead of per file: importing the code through tsx is most of this
          // project's time (about 12 of 31 s isolated); unit tests share no state worth isolating
          isolate: false,
          // unit tests first: fast feedback before the tool- and stack-bound ones
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'infra',
          include: INFRA,
          sequence: { groupOrder: 1 },
          // synthesis bundles every Lambda with esbuild: minutes on a shared two-core machine
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 2 },
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/integration/env.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // two cores share the stack with the test workers: keep the fan-out small
          maxWorkers: 2,
        },
      },
    ],
  },
});
