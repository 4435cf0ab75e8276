/**
 * @fileoverview Bundles the compiled CLI (dist/src/cli.js) and the simulator's worker script into dist/bundle/, a
 * dozen CommonJS files instead of ~50 ES modules, with one copy of every module (esbuild's code splitting: each
 * command loaded on demand stays its own chunk). Loading modules is most of a short command's start-up — `fpgac
 * sim DIR` on a small model spends more time loading code than simulating — so bin/fpgac.js runs the bundle
 * whenever it is at least as new as the compiled modules (see `bundleIsFresh`).
 *
 * Why CommonJS: esbuild splits code only in ES-module output, but Node's ES-module loader costs ~10 ms more to
 * start than require() and builds a facade of every built-in module an ES module imports, reading each export once:
 * fs.promises and fs.ReadStream then load Node's readline and stream modules, unused. So the split
 * ES-module build is written to a scratch folder and each file is then converted to CommonJS (`toCommonJs`):
 * imports between chunks become require() of the converted siblings, dynamic import() of a chunk a require() in a
 * resolved promise, import.meta.url the file's own URL (whitespace minified: ~6 ms less to read and hold). Then
 * `train` records a V8 code cache of what a build and a short `sim` run. Measured on `fpgac sim DIR` of the jet MLP (2 cores,
 * medians): the ES-module bundle ~124 ms, the CommonJS one ~111 ms, with the code cache ~96 ms; Node alone ~56 ms
 * (`npm run bench:sim` prints the figures).
 *
 * Run by `npm run build` after tsc, and by the test suite's global set-up when stale. Dependencies loaded with
 * `createRequire` at run time (onnx-proto) are not bundled: they resolve from node_modules as before.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { packageRoot } from './paths.js';

/** Where the bundle goes, relative to the package root, and the file the launcher compares it with. */
export const BUNDLE_DIR = path.join('dist', 'bundle');
const BUNDLE_ENTRY = path.join(BUNDLE_DIR, 'cli.cjs');
const MODULES_ENTRY = path.join('dist', 'src', 'cli.js');

/**
 * True when dist/bundle/cli.cjs exists and is no older than dist/src/cli.js. tsc rewrites every output file, so a
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
 * commander requires node:child_process when it loads, for executable subcommands (fpgac has none), and that
 * loads Node's net, dgram and stream modules: ~5 ms of every start. commander gets a stand-in that loads
 * child_process when commander first touches it.
 */
export function lazyChildProcess(): Plugin {
  return {
    name: 'fpgac-lazy-child-process',
    setup(b) {
      b.onResolve({ filter: /^(node:)?child_process$/ }, (a) => (/[\\/]node_modules[\\/]commander[\\/]/.test(a.importer) ? { path: 'child_process', namespace: 'fpgac-lazy' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'fpgac-lazy' }, () => ({
        contents: "let m;\nmodule.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
        loader: 'js',
      }));
    },
  };
}

/**
 * One file of the split ES-module build as CommonJS. `outputs` are the build's file names: an import of a sibling
 * ("./chunk-X.js", as esbuild writes it) is pointed at its converted ".cjs" twin, and after conversion every
 * relative require() must name a sibling (a specifier the rewrite missed would fail at run time, not here).
 */
async function toCommonJs(code: string, outputs: ReadonlySet<string>): Promise<string> {
  const { transform } = await import('esbuild');
  const rewritten = code.replace(/(["'])\.\/([\w.-]+)\.js\1/g, (m, q: string, name: string) => (outputs.has(`${name}.js`) ? `${q}./${name}.cjs${q}` : m));
  const url = rewritten.includes('import.meta.url');
  const r = await transform(rewritten, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of a chunk → Promise.resolve().then(() => require(...)): no ES-module loader at all.
    supported: { 'dynamic-import': false },
    define: url ? { 'import.meta.url': '__fpgacUrl' } : {},
    banner: url ? "const __fpgacUrl = require('node:url').pathToFileURL(__filename).href;" : '',
    logLevel: 'silent',
    minifyWhitespace: true,
  });
  for (const m of r.code.matchAll(/require\((["'])(\.[^"']*)\1\)/g)) {
    const name = m[2].replace(/^\.\//, '');
    if (!name.endsWith('.cjs') || !outputs.has(name.replace(/\.cjs$/, '.js'))) throw new Error(`bundle: converted code requires '${m[2]}', not a file of the bundle`);
  }
  return r.code;
}

/**
 * Runs the bundle in `dir` as a user would on the example model — `fpgac build` into a scratch folder, then
 * `fpgac sim` of that folder on its testbench input — and writes the V8 code cache (bin/code-cache.cjs, which the
 * launcher reads) of every file each run loaded, holding the functions it compiled. The sim run comes last, so a
 * file both load (the CLI, the simulator) keeps the cache of the short command: one holding the compiler's code too
 * would be larger and cost every `sim` start more to read than it saves; the compiler's own chunks keep the build's
 * (a small model's build: ~0.37 → ~0.34 s). Returns the cache files; none when a run fails (the bundle works without
 * them, only its start is slower), which is reported on stderr.
 */
function train(root: string, dir: string): string[] {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fpgac-train-'));
  const prj = path.join(scratch, 'prj');
  const codeCache = path.join(root, 'bin', 'code-cache.cjs');
  const run = (args: string[]) => spawnSync(process.execPath, ['-e', `
    const { useCodeCache, writeCaches } = require(${JSON.stringify(codeCache)});
    const dir = ${JSON.stringify(dir)};
    const scripts = useCodeCache(dir, 'write');
    const io = { out() {}, err(s) { process.stderr.write(s + '\\n'); } };
    require(require('node:path').join(dir, 'cli.cjs')).main(['node', 'fpgac', ...process.argv.slice(1)], io).then((code) => {
      if (code) process.exit(code);
      process.stdout.write(JSON.stringify(writeCaches(dir, scripts)));
    });`, '--', ...args], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
  try {
    const built = run(['build', '-o', prj]);
    const r = built.status === 0 ? run(['sim', prj, '--input', path.join(prj, 'tb_data', 'input_0.npy'), '-o', path.join(scratch, 'y.npy')]) : built;
    if (r.status !== 0) {
      process.stderr.write(`fpgac: warning: the bundle's code cache was not made (the example run failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]}); the CLI works, only its start is slower\n`);
      rmSync(createRequire(import.meta.url)(codeCache).cacheDir(dir), { recursive: true, force: true });
      return [];
    }
    return [...new Set([...(JSON.parse(built.stdout) as string[]), ...(JSON.parse(r.stdout) as string[])])];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
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
  const esm = path.join(tmp, 'esm');
  rmSync(tmp, { recursive: true, force: true });
  const r = await build({
    absWorkingDir: root,
    entryPoints: { cli: MODULES_ENTRY, 'batch-worker': path.join('dist', 'sim', 'batch-worker.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: esm,
    chunkNames: 'chunk-[hash]',
    logLevel: 'silent',
    plugins: [lazyChildProcess()],
  });
  if (r.errors.length) throw new Error(r.errors.map((e) => e.text).join('\n'));
  const names = readdirSync(esm).filter((f) => f.endsWith('.js'));
  const outputs = new Set(names);
  const cjs = path.join(tmp, 'cjs');
  mkdirSync(cjs);
  for (const f of names) writeFileSync(path.join(cjs, f.replace(/\.js$/, '.cjs')), await toCommonJs(readFileSync(path.join(esm, f), 'utf8'), outputs));
  const cached = train(root, cjs);
  rmSync(out, { recursive: true, force: true });
  renameSync(cjs, out);
  rmSync(tmp, { recursive: true, force: true });
  return [...names.map((f) => path.join(BUNDLE_DIR, f.replace(/\.js$/, '.cjs'))), ...cached.map((f) => path.join(BUNDLE_DIR, path.relative(cjs, f)))].sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleCli().then(
    (files) => console.log(`fpgac: bundled the CLI into ${BUNDLE_DIR}/ (${files.length} files)`),
    (e: Error) => { console.error(`fpgac: bundling failed: ${e.message}`); process.exitCode = 1; },
  );
}
