import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // unit tests first: fast feedback before the stack-bound ones
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
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
