/**
 * The build folder never costs the user a file (issue 10): fpgac replaces only folders it wrote (its manifest),
 * keeps what it did not write inside them (Vitis results, notes), refuses folders that hold the model, the
 * working folder or the user's files, and a build killed at any step loses nothing (see src/outdir.ts). The
 * folder-level rules run in-process on writeOutputDir; test/outdir-signals.test.ts kills real builds.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, chmodSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkOutputDir, MARKER, readManifest, writeOutputDir } from '../src/outdir.js';
import { DiagnosticError } from '../src/diagnostics.js';

let root: string;
beforeEach(() => { root = mkdtempSync(path.join(os.tmpdir(), 'fpgac-outdir-')); });
afterEach(() => { chmodSync(root, 0o755); rmSync(root, { recursive: true, force: true }); });

const files = (n: number, tag = 'a') => new Map<string, string>([
  ['firmware/top.cpp', `// top ${tag}\n`], ['firmware/weights/w.h', `// w ${tag}\n`], ['Makefile', 'all:\n'],
  ...Array.from({ length: n }, (_, i) => [`tb_data/x${i}.npy`, `${tag}${i}`] as [string, string]),
]);

function write(dir: string, f: Map<string, string>, force = false) {
  return writeOutputDir(dir, f, { version: 'test', force, model: path.join(root, 'model.onnx') });
}

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n');
    throw e;
  }
}

/** Every file under dir (relative, sorted), with its contents. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = path.join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('which folders a build may replace', () => {
  it('writes a new folder with a manifest listing every file it wrote and its hash', () => {
    const out = path.join(root, 'out');
    write(out, files(2));
    const m = readManifest(out)!;
    expect(Object.keys(m.files).sort()).toEqual([...files(2).keys()].sort());
    expect(tree(out)['firmware/top.cpp']).toBe('// top a\n');
  });

  it('refuses a folder of the user\'s own files and leaves it untouched; --force replaces it', () => {
    const out = path.join(root, 'mine');
    mkdirSync(out);
    writeFileSync(path.join(out, 'thesis.tex'), 'years of work');
    expect(code(() => write(out, files(1)))).toMatch(/^FPGAC012: the output folder .* was not written by fpgac/);
    expect(tree(out)).toEqual({ 'thesis.tex': 'years of work' });
    write(out, files(1), true);
    expect(existsSync(path.join(out, 'thesis.tex'))).toBe(false);
    expect(readManifest(out)).toBeDefined();
  });

  it('refuses an ordinary file, a symbolic link and an empty name, even with --force', () => {
    const f = path.join(root, 'notes.txt');
    writeFileSync(f, 'mine');
    expect(code(() => write(f, files(1), true))).toMatch(/is an existing file, not a folder/);
    expect(readFileSync(f, 'utf8')).toBe('mine');
    const target = path.join(root, 'real');
    mkdirSync(target);
    symlinkSync(target, path.join(root, 'link'));
    expect(code(() => write(path.join(root, 'link'), files(1), true))).toMatch(/is a symbolic link/);
    expect(code(() => write('', files(1), true))).toMatch(/names no folder/);
  });

  it("refuses the model's folder, the working folder, home, the root and their ancestors, even with --force", () => {
    const model = path.join(root, 'models', 'net.onnx');
    mkdirSync(path.dirname(model));
    writeFileSync(model, 'onnx');
    const check = (dir: string) => code(() => checkOutputDir(dir, { force: true, model, reads: [model] }));
    expect(check(path.dirname(model))).toMatch(/is the model's folder/);
    expect(check(root)).toMatch(/an ancestor of the model's folder/);
    expect(check(process.cwd())).toMatch(/is the working folder/);
    expect(check(path.dirname(process.cwd()))).toMatch(/an ancestor of the working folder/);
    expect(check(os.homedir())).toMatch(/your home folder|the working folder/);
    expect(check('/')).toMatch(/FPGAC012/);
    expect(check(path.join(root, 'models', 'out'))).toBe('ok');
  });

  it('refuses a folder holding a file the build reads (an input, the calibration data)', () => {
    const out = path.join(root, 'data');
    mkdirSync(out);
    writeFileSync(path.join(out, 'x.npy'), 'data');
    expect(code(() => checkOutputDir(out, { force: true, reads: [path.join(out, 'x.npy')] }))).toMatch(/contains .*x\.npy', which this build reads/);
  });
});

describe('rebuilding over an earlier build', () => {
  it('replaces its own files, keeps the Vitis project and the user\'s notes, and removes files it no longer writes', () => {
    const out = path.join(root, 'out');
    write(out, files(3, 'a'));
    mkdirSync(path.join(out, 'fpgac_top_prj', 'solution1'), { recursive: true });
    writeFileSync(path.join(out, 'fpgac_top_prj', 'solution1', 'csynth.rpt'), 'hours of synthesis');
    writeFileSync(path.join(out, 'NOTES.md'), 'my notes');
    writeFileSync(path.join(out, 'tb_data', 'csim_output.npy'), 'csim');
    const r = write(out, files(1, 'b'));
    expect([...r.kept].sort()).toEqual(['NOTES.md', 'fpgac_top_prj', 'tb_data/csim_output.npy']);
    expect(tree(out)).toEqual({
      [MARKER]: readFileSync(path.join(out, MARKER), 'utf8'),
      'Makefile': 'all:\n', 'NOTES.md': 'my notes', 'firmware/top.cpp': '// top b\n', 'firmware/weights/w.h': '// w b\n',
      'fpgac_top_prj/solution1/csynth.rpt': 'hours of synthesis', 'tb_data/csim_output.npy': 'csim', 'tb_data/x0.npy': 'b0',
    });
    expect(readdirSync(root).filter((n) => n.includes('fpgac-'))).toEqual([]);
  });

  it('refuses to replace a file the user edited since fpgac wrote it, until --force', () => {
    const out = path.join(root, 'out');
    write(out, files(1, 'a'));
    writeFileSync(path.join(out, 'firmware', 'top.cpp'), '// my hand-tuned pragmas\n');
    expect(code(() => write(out, files(1, 'b')))).toMatch(/were changed since fpgac wrote them \(firmware\/top\.cpp\)/);
    expect(readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8')).toBe('// my hand-tuned pragmas\n');
    write(out, files(1, 'b'), true);
    expect(readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8')).toBe('// top b\n');
  });

  it('refuses when a file of the user\'s sits where the new build writes one of its own', () => {
    const out = path.join(root, 'out');
    write(out, files(1, 'a'));
    writeFileSync(path.join(out, 'tb_data', 'x1.npy'), 'the user\'s x1');
    expect(code(() => write(out, files(2, 'b')))).toMatch(/holds tb_data\/x1\.npy, not written by fpgac/);
    expect(readFileSync(path.join(out, 'tb_data', 'x1.npy'), 'utf8')).toBe('the user\'s x1');
  });

  it('never lets a forged manifest direct a deletion outside the folder', () => {
    const out = path.join(root, 'out');
    mkdirSync(out);
    writeFileSync(path.join(root, 'victim.txt'), 'keep');
    writeFileSync(path.join(out, MARKER), JSON.stringify({ tool: 'fpgac', version: 'x', files: { '../victim.txt': 'ab' } }));
    expect(readManifest(out)).toBeUndefined();
    expect(code(() => write(out, files(1)))).toMatch(/was not written by fpgac/);
    expect(readFileSync(path.join(root, 'victim.txt'), 'utf8')).toBe('keep');
  });

  it('an unwritable output path is a coded diagnostic naming the reason, and nothing is left behind', () => {
    // A file where a folder of the path should be: an error root cannot bypass as it bypasses permissions.
    writeFileSync(path.join(root, 'plain'), 'x');
    expect(code(() => write(path.join(root, 'plain', 'out'), files(1)))).toMatch(/^FPGAC012: cannot write the output folder .*a component of the path is a file \((ENOTDIR|EEXIST)\)/);
    expect(readdirSync(root)).toEqual(['plain']);
  });
});
