import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // g++ compiles dominate; two cores, so run test files two at a time.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
