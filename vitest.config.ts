import { defineConfig } from 'vitest/config';

// `npm test` runs everything but test/full/ (whole-dataset end-to-end runs: 360-sample C-simulations, precision
// searches); `npm run test:full` runs those, and CI runs both.
const full = process.env.FPGAC_TEST_FULL === '1';

export default defineConfig({
  test: {
    include: full ? ['test/full/**/*.test.ts'] : ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    exclude: full ? ['node_modules/**'] : ['node_modules/**', 'test/full/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // g++ compiles dominate; two cores, so run test files two at a time.
    maxWorkers: 2,
    minWorkers: 1,
    // Test files share their worker's module cache instead of re-importing src/ and sim/ per file (collect time
    // 48 s -> 11 s of a ~5 min run). A test that changes a module setting or the environment restores it
    // (ARCHITECTURE.md, Tests); shuffled file orders (--sequence.shuffle.files) pass.
    isolate: false,
  },
});
