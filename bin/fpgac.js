#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/cli.ts by `npm run build` (also run by `npm install` via prepare),
// which also bundles it into dist/bundle/ (src/bundle.ts): a few files load much faster than ~50 modules. The
// bundle runs when it is at least as new as the compiled modules (a later `tsc` alone makes it stale) and
// FPGAC_NO_BUNDLE is unset; otherwise the modules do. Both are the same code.
import { statSync } from 'node:fs';

function bundleIsFresh() {
  if (process.env.FPGAC_NO_BUNDLE) return false;
  try {
    return statSync(new URL('../dist/bundle/cli.js', import.meta.url)).mtimeMs >= statSync(new URL('../dist/src/cli.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

const { main } = await import(bundleIsFresh() ? '../dist/bundle/cli.js' : '../dist/src/cli.js');

// A reader that stops early (`fpgac inspect m.onnx | head`) is not an error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw e; });
main(process.argv).then((code) => { process.exitCode = code; });
