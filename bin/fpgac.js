#!/usr/bin/env node
// Thin launcher, CommonJS (bin/package.json) so that Node starts without its ES-module loader. The CLI is compiled
// from src/cli.ts by `npm run build` (also run by `npm install` via prepare), which also bundles it into
// dist/bundle/ as CommonJS (src/bundle.ts): a dozen files load much faster than ~50 ES modules. The bundle runs
// when it is at least as new as the compiled modules (a later `tsc` alone makes it stale) and FPGAC_NO_BUNDLE is
// unset; otherwise the modules do. Both are the same code.
'use strict';
const { statSync } = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');

function bundleIsFresh() {
  if (process.env.FPGAC_NO_BUNDLE) return false;
  try {
    return statSync(path.join(dist, 'bundle', 'cli.cjs')).mtimeMs >= statSync(path.join(dist, 'src', 'cli.js')).mtimeMs;
  } catch {
    return false;
  }
}

function loadBundle() {
  // Compiled through the V8 code cache `npm run build` made (bin/code-cache.cjs), where it is still valid.
  require('./code-cache.cjs').useCodeCache(path.join(dist, 'bundle'), 'read');
  return require('../dist/bundle/cli.cjs');
}

const cli = bundleIsFresh() ? Promise.resolve(loadBundle()) : import('../dist/src/cli.js');

// Output goes to the file descriptors (src/util/stdio.ts), which also treats a reader that stops early
// (`fpgac inspect m.onnx | head`) as no error.
cli.then(({ main }) => main(process.argv)).then((code) => { process.exitCode = code; });
