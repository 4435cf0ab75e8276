// The bundled CLI (src/bundle.ts, dist/bundle/) and the launcher's choice between it and the compiled modules
// (bin/fpgac.js): which one runs for a fresh, stale, missing or disabled bundle (on a copy of the launcher in a
// made-up package), and that the bundle writes the same bytes as the modules for `fpgac build` and for `fpgac sim`
// on two worker threads (the workers' script must be found beside the bundle's chunks).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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
    copyFileSync(path.join(REPO, 'bin', 'fpgac.js'), path.join(pkg, 'bin', 'fpgac.js'));
    const stub = (what: string) => `export async function main() { console.log('${what}'); return 0; }\n`;
    const modules = path.join(pkg, 'dist', 'src', 'cli.js');
    const bundle = path.join(pkg, 'dist', 'bundle', 'cli.js');
    writeFileSync(modules, stub('modules'));
    writeFileSync(bundle, stub('bundle'));
    const bin = path.join(pkg, 'bin', 'fpgac.js');
    const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);
    const which = (env: Record<string, string> = {}) => run(bin, ['--version'], env).out.trim();

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
