// Before any test file runs: the CLI bundle (dist/bundle/, src/bundle.ts) is rebuilt when it is older than the
// compiled modules, so tests that spawn bin/fpgac.js run what `npm run build` would install, also when vitest runs
// on its own after a bare tsc. (Rebuilding here, once, avoids a test swapping the bundle under other tests' feet.)
import { bundleCli, bundleIsFresh } from '../src/bundle.js';

export async function setup(): Promise<void> {
  if (!bundleIsFresh()) await bundleCli();
}
