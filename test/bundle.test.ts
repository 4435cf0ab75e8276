// The bundled CLI (src/bundle.ts, dist/bundle/), its V8 code cache (bin/code-cache.cjs) and the launcher's choice
// between the bundle and the compiled modules (bin/fpgac.js): which one runs for a fresh, stale, missing or
// disabled bundle (on a copy of the launcher in a made-up package); that the bundle writes the same bytes as the
// modules for `fpgac build` and for `fpgac sim` on two worker threads (the workers' script must be found beside
// the bundle's chunks); that `fpgac sim` compiles every bundle file it loads from the cache the build made, that
// caches V8 refuses (other flags) change no byte, and that a file changed after its cache runs its new code; and
// that the files `npm pack` ships (package.json "files") run the CLI and its cache on their own, with the single
// file date npm gives every packed file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleIsFresh } from '../src/bundle.js';
import { writeNpy } from '../src/npy.js';
import { listFiles, REPO } from './support/harness.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bundle-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(bin: string, args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const e = { ...process.env, ...env };
  if (!env.FPGAC_NO_BUNDLE) delete e.FPGAC_NO_BUNDLE;
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: e });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('bin/fpgac.js chooses the bundle or the modules', () => {
  it('the bundle when it is as new as or newer than dist/src/cli.js; the modules when it is older, missing, or FPGAC_NO_BUNDLE is set', () => {
    const pkg = path.join(dir, 'pkg');
    for (const d of ['bin', 'dist/src', 'dist/bundle']) mkdirSync(path.join(pkg, d), { recursive: true });
    writeFileSync(path.join(pkg, 'package.json'), '{"type": "module"}\n');
    for (const f of ['fpgac.js', 'package.json', 'code-cache.cjs']) copyFileSync(path.join(REPO, 'bin', f), path.join(pkg, 'bin', f));
    const modules = path.join(pkg, 'dist', 'src', 'cli.js');
    const bundle = path.join(pkg, 'dist', 'bundle', 'cli.cjs');
    writeFileSync(modules, "export async function main() { console.log('modules'); return 0; }\n");
    writeFileSync(bundle, "exports.main = async () => { console.log('bundle'); return 0; };\n");
    const bin = path.join(pkg, 'bin', 'fpgac.js');
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    const which = (env: Record<string, string> = {}) => { const r = run(bin, ['--version'], env); return r.out.trim() || r.err; };

    at(modules, 1_000_000); at(bundle, 1_000_010);
    expect(which()).toBe('bundle');
    at(bundle, 1_000_000);
    expect(which(), 'same time').toBe('bundle');
    at(bundle, 999_990);
    expect(which(), 'bundle older than the modules').toBe('modules');
    at(bundle, 1_000_010);
    expect(which({ FPGAC_NO_BUNDLE: '1' })).toBe('modules');
    rmSync(bundle);
    expect(which(), 'no bundle').toBe('modules');
  });
});

describe('the bundled CLI = the compiled modules', () => {
  it('is fresh after the test set-up (npm run build or test/global-setup.ts)', () => {
    expect(bundleIsFresh()).toBe(true);
  });

  it('fpgac build writes the same files, byte for byte', () => {
    const bin = path.join(REPO, 'bin', 'fpgac.js');
    const a = path.join(dir, 'from-bundle');
    const b = path.join(dir, 'from-modules');
    const ra = run(bin, ['build', '-o', a]);
    expect(ra.code, ra.err).toBe(0);
    const rb = run(bin, ['build', '-o', b], { FPGAC_NO_BUNDLE: '1' });
    expect(rb.code, rb.err).toBe(0);
    // The same report but for the folder's name and the time taken.
    const same = (o: string, folder: string) => o.replaceAll(path.relative(process.cwd(), folder), 'OUT').replace(/ in [\d.]+ s$/m, '');
    expect(same(ra.out, a)).toBe(same(rb.out, b));
    const list = listFiles(a);
    expect(list).toEqual(listFiles(b));
    expect(list).toContain('firmware/top.cpp');
    for (const f of list) expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f).toBe(true);
  });

  it('fpgac sim on two worker threads writes the same output file and warnings', () => {
    const bin = path.join(REPO, 'bin', 'fpgac.js');
    const prj = path.join(dir, 'from-bundle');
    if (!statSync(prj, { throwIfNoEntry: false })) expect(run(bin, ['build', '-o', prj]).code).toBe(0);
    const n = 600;
    const x = path.join(dir, 'digits.npy');
    writeNpy(x, { shape: [n, 1, 16, 16], data: Float64Array.from({ length: n * 256 }, (_, i) => (Math.sin(i * 0.61) + 1) / 2) }, 'float32');
    const out = (name: string, env: Record<string, string>) => {
      const y = path.join(dir, name);
      const r = run(bin, ['sim', prj, '--input', x, '-o', y, '--threads', '2'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out, name).toMatch(/of 600 sample\(s\) .* on 2 threads\)$/m);
      return { bytes: readFileSync(y), err: r.err };
    };
    const viaBundle = out('y-bundle.npy', {});
    const viaModules = out('y-modules.npy', { FPGAC_NO_BUNDLE: '1' });
    expect(viaBundle.bytes.equals(viaModules.bytes)).toBe(true);
    expect(viaBundle.err).toBe(viaModules.err);
  });
});

/**
 * Runs `fpgac sim PRJ --input X -o Y` in a child process on the bundle in `bundleDir` through the code cache
 * (bin/code-cache.cjs in 'read' mode), as the launcher does; returns what it printed and, per bundle file it
 * compiled, whether V8 took the file's cache.
 */
function simThroughCache(bundleDir: string, prj: string, x: string, y: string, nodeFlags: string[] = [], env: Record<string, string> = {}): { code: number; out: string; err: string; files: { name: string; used: boolean }[] } {
  const script = `
    const { useCodeCache } = require(${JSON.stringify(path.join(REPO, 'bin', 'code-cache.cjs'))});
    const dir = ${JSON.stringify(bundleDir)};
    const scripts = useCodeCache(dir, 'read');
    const out = [];
    require(dir + '/cli.cjs').main(['node', 'fpgac', 'sim', ...process.argv.slice(1)], { out: (s) => out.push(s), err: (s) => out.push(s) }).then((code) => {
      process.stdout.write(JSON.stringify({ code, out: out.join('\\n'), files: scripts.map((s) => ({ name: require('node:path').basename(s.file), used: s.used })) }));
    });`;
  const r = spawnSync(process.execPath, [...nodeFlags, '-e', script, '--', prj, '--input', x, '-o', y], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout), err: r.stderr };
}

describe('the code cache `npm run build` makes (bin/code-cache.cjs)', () => {
  const bundleDir = path.join(REPO, 'dist', 'bundle');
  let prj: string;
  let x: string;
  beforeAll(() => {
    prj = path.join(dir, 'cache-prj');
    const b = run(path.join(REPO, 'bin', 'fpgac.js'), ['build', '-o', prj]);
    expect(b.code, b.err).toBe(0);
    x = path.join(prj, 'tb_data', 'input_0.npy');
  });

  it('fpgac sim of the example compiles every bundle file it loads from its cache, with the bytes of the compiled modules', () => {
    const r = simThroughCache(bundleDir, prj, x, path.join(dir, 'y-cache.npy'));
    expect(r.code).toBe(0);
    const names = r.files.map((f) => f.name);
    expect(names).toContain('cli.cjs');
    expect(names.length).toBeGreaterThanOrEqual(3);
    expect(r.files.filter((f) => !f.used).map((f) => f.name), 'files compiled without their cache').toEqual([]);
    const m = run(path.join(REPO, 'bin', 'fpgac.js'), ['sim', prj, '--input', x, '-o', path.join(dir, 'y-modules.npy')], { FPGAC_NO_BUNDLE: '1' });
    expect(m.code, m.err).toBe(0);
    expect(readFileSync(path.join(dir, 'y-cache.npy')).equals(readFileSync(path.join(dir, 'y-modules.npy')))).toBe(true);
  });

  it('under other V8 flags (--no-opt) V8 refuses every cache; the files compile from source and the run writes the same bytes', () => {
    const cached = simThroughCache(bundleDir, prj, x, path.join(dir, 'y-cached.npy'));
    const refused = simThroughCache(bundleDir, prj, x, path.join(dir, 'y-refused.npy'), ['--no-opt']);
    expect(refused.files.map((f) => f.name)).toEqual(cached.files.map((f) => f.name));
    expect(refused.files.filter((f) => f.used)).toEqual([]);
    expect(readFileSync(path.join(dir, 'y-refused.npy')).equals(readFileSync(path.join(dir, 'y-cached.npy')))).toBe(true);
  });

  it('FPGAC_NO_CODE_CACHE=1: no bundle file goes through the cache, and the run writes the same bytes', () => {
    const cached = simThroughCache(bundleDir, prj, x, path.join(dir, 'y-cached2.npy'));
    const off = simThroughCache(bundleDir, prj, x, path.join(dir, 'y-off.npy'), [], { FPGAC_NO_CODE_CACHE: '1' });
    expect(cached.files.length).toBeGreaterThan(0);
    expect(off.files).toEqual([]);
    expect(readFileSync(path.join(dir, 'y-off.npy')).equals(readFileSync(path.join(dir, 'y-cached2.npy')))).toBe(true);
  });

    it('a bundle file edited after its cache was made (same length) runs its new code, not the cached one', () => {
    const copy = path.join(dir, 'bundle-copy');
    cpSync(bundleDir, copy, { recursive: true, preserveTimestamps: true });
    // Copied with their times, the caches still apply: the same run takes every one.
    const before = simThroughCache(copy, prj, x, path.join(dir, 'y-copy.npy'));
    expect(before.files.every((f) => f.used)).toBe(true);
    expect(before.out).toMatch(/fixed-point simulation of/);
    // An edit of the same length (V8's own check compares lengths only): the message the sim command prints.
    const cli = path.join(copy, 'cli.cjs');
    const text = readFileSync(cli, 'utf8');
    expect(text).toContain('fixed-point simulation');
    writeFileSync(cli, text.replace('fixed-point simulation', 'FIXED-POINT SIMULATION'));
    const after = simThroughCache(copy, prj, x, path.join(dir, 'y-copy.npy'));
    expect(after.out).toMatch(/FIXED-POINT SIMULATION of/);
    expect(after.files.find((f) => f.name === 'cli.cjs')?.used).toBe(false);
    expect(after.files.filter((f) => f.name !== 'cli.cjs').every((f) => f.used)).toBe(true);
  });
});

describe('the package as `npm pack` ships it (package.json "files")', () => {
  it('holds the launcher, the compiled code, the bundle and its cache, templates, hw and the example, and no tests or TypeScript sources', () => {
    const files = packedFiles();
    for (const f of ['bin/fpgac.js', 'bin/package.json', 'bin/code-cache.cjs', 'dist/src/cli.js', 'dist/sim/batch-worker.js', 'dist/bundle/cli.cjs',
      'dist/bundle/batch-worker.cjs', 'dist/bundle/v8-cache/cli.cjs.v8', 'templates/Makefile.hbs', 'examples/dsodenet-digits/model.onnx', 'package.json']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => f.startsWith('hw/include/')), 'hw/include').toBe(true);
    expect(files.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('those files alone build and simulate the example, compiling from the code cache after npm\'s date reset', () => {
    const pkg = path.join(dir, 'packed');
    for (const f of packedFiles()) {
      mkdirSync(path.dirname(path.join(pkg, f)), { recursive: true });
      copyFileSync(path.join(REPO, f), path.join(pkg, f));
      // npm pack writes every file with one date (1985-10-26): the launcher and the cache must still apply.
      utimesSync(path.join(pkg, f), 499162500, 499162500);
    }
    // The dependencies as an install would provide them (the repository's, dev dependencies included).
    symlinkSync(path.join(REPO, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
    const bin = path.join(pkg, 'bin', 'fpgac.js');
    const prj = path.join(dir, 'packed-prj');
    const b = run(bin, ['build', '-o', prj]);
    expect(b.code, b.err).toBe(0);
    const x = path.join(prj, 'tb_data', 'input_0.npy');
    const s = simThroughCache(path.join(pkg, 'dist', 'bundle'), prj, x, path.join(dir, 'y-packed.npy'));
    expect(s.files.length).toBeGreaterThanOrEqual(3);
    expect(s.files.filter((f) => !f.used).map((f) => f.name), 'files compiled without their cache').toEqual([]);
    const viaBin = run(bin, ['sim', prj, '--input', x, '-o', path.join(dir, 'y-packed-bin.npy')]);
    expect(viaBin.code, viaBin.err).toBe(0);
    const m = run(path.join(REPO, 'bin', 'fpgac.js'), ['sim', prj, '--input', x, '-o', path.join(dir, 'y-repo.npy')], { FPGAC_NO_BUNDLE: '1' });
    expect(m.code, m.err).toBe(0);
    for (const y of ['y-packed.npy', 'y-packed-bin.npy']) expect(readFileSync(path.join(dir, y)).equals(readFileSync(path.join(dir, 'y-repo.npy'))), y).toBe(true);
  });
});

/** The files `npm pack` would ship, from the current build (its prepare script is not run). */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', shell: process.platform === 'win32' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path).sort();
}
