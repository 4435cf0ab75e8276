/**
 * @fileoverview Bundles the compiled CLI (dist/src/cli.js) and the simulator's worker script into dist/bundle/, a
 * few ES-module files instead of ~50, with one copy of every module (esbuild's code splitting: each command loaded
 * on demand stays its own chunk). Loading modules one by one is most of a short command's start-up — `fpgac sim DIR`
 * on a small model spends more time resolving, reading and linking modules than simulating — so bin/fpgac.js runs
 * the bundle whenever it is at least as new as the compiled modules (see `bundleIsFresh`).
 *
 * Run by `npm run build` after tsc, and by the test suite's global set-up when stale. Dependencies loaded with
 * `createRequire` at run time (onnx-proto) are not bundled: they resolve from node_modules as before.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';

/** Where the bundle goes, relative to the package root, and the file the launcher compares it with. */
export const BUNDLE_DIR = path.join('dist', 'bundle');
const BUNDLE_ENTRY = path.join(BUNDLE_DIR, 'cli.js');
const MODULES_ENTRY = path.join('dist', 'src', 'cli.js');

/**
 * True when dist/bundle/cli.js exists and is no older than dist/src/cli.js. tsc rewrites every output file, so a
 * `tsc` after the last bundling makes the bundle stale (bin/fpgac.js then runs the modules). The same rule as the
 * launcher's, which cannot import this module without loading it.
 */
export function bundleIsFresh(root = packageRoot()): boolean {
  try {
    return statSync(path.join(root, BUNDLE_ENTRY)).mtimeMs >= statSync(path.join(root, MODULES_ENTRY)).mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Writes dist/bundle/ from the compiled modules (run tsc first). Built in a temporary folder and swapped in, so a
 * CLI started meanwhile sees the old bundle or the new one, never half of each. Returns the files written.
 */
export async function bundleCli(root = packageRoot()): Promise<string[]> {
  if (!existsSync(path.join(root, MODULES_ENTRY))) throw new Error(`${MODULES_ENTRY} is missing: run tsc -p tsconfig.json first`);
  const { build } = await import('esbuild');
  const out = path.join(root, BUNDLE_DIR);
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const r = await build({
    absWorkingDir: root,
    entryPoints: { cli: MODULES_ENTRY, 'batch-worker': path.join('dist', 'sim', 'batch-worker.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: tmp,
    chunkNames: 'chunk-[hash]',
    // Bundled CommonJS dependencies (commander, handlebars, protobufjs) call require(): give ES modules one.
    banner: { js: "import { createRequire as __fpgacRequire } from 'node:module'; const require = __fpgacRequire(import.meta.url);" },
    logLevel: 'silent',
    metafile: true,
  });
  if (r.errors.length) throw new Error(r.errors.map((e) => e.text).join('\n'));
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
  return Object.keys(r.metafile!.outputs).map((f) => path.join(BUNDLE_DIR, path.basename(f))).sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleCli().then(
    (files) => console.log(`fpgac: bundled the CLI into ${BUNDLE_DIR}/ (${files.length} files)`),
    (e: Error) => { console.error(`fpgac: bundling failed: ${e.message}`); process.exitCode = 1; },
  );
}
