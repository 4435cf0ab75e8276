/**
 * External data must stay inside the model's folder (the ONNX rule): a location is a relative path with no '..'
 * component, not absolute, no NUL, that still lies inside the folder once symbolic links are resolved, and names a
 * regular file; offset and length are whole numbers within the file, and only that range is read. A hostile
 * location is FPGAC001 naming the tensor, and `fpgac build` never copies a file from outside into the project.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { loadModel, loadTensorPb, externalDataFiles } from '../../src/onnx/load.js';
import { compileModel } from '../../src/compile.js';
import { buildProject } from '../../src/build.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildModel } from '../support/onnx-builder.js';

const { onnx } = onnxProto;

let root: string;
let modelDir: string;
/** Four float32 values whose bytes spell a marker no build output contains by chance. */
const SECRET = Buffer.from('FPGACSECRET-7f3a9c1e-DO-NOT-COPY', 'latin1');
const WEIGHTS = Buffer.from(new Float32Array([0.5, -0.25]).buffer);

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'fpgac-ext-'));
  modelDir = path.join(root, 'm');
  mkdirSync(path.join(modelDir, 'sub', 'dir'), { recursive: true });
  writeFileSync(path.join(root, 'secret.bin'), SECRET);
  writeFileSync(path.join(modelDir, 'w.bin'), WEIGHTS);
  writeFileSync(path.join(modelDir, 'sub', 'w.bin'), WEIGHTS);
  symlinkSync('../secret.bin', path.join(modelDir, 'link.bin'));
  symlinkSync('w.bin', path.join(modelDir, 'alias.bin'));
  symlinkSync(root, path.join(modelDir, 'up'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A model y = x + b whose b [2] is external data at `location` (offset/length as given). */
function externalModel(name: string, location: string, extra: { offset?: string; length?: string } = {}): string {
  const file = path.join(modelDir, `${name}.onnx`);
  const bytes = buildModel({
    inputs: [{ name: 'x', dims: ['N', 2] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'b', dims: [2], values: [0, 0] }],
    nodes: [{ op: 'Add', inputs: ['x', 'b'], outputs: ['y'], name: 'add' }],
  });
  const m = onnx.ModelProto.decode(bytes);
  const t = m.graph!.initializer![0];
  t.rawData = new Uint8Array(0);
  t.dataLocation = 1;
  t.externalData = [{ key: 'location', value: location }];
  if (extra.offset !== undefined) t.externalData.push({ key: 'offset', value: extra.offset });
  if (extra.length !== undefined) t.externalData.push({ key: 'length', value: extra.length });
  writeFileSync(file, onnx.ModelProto.encode(m).finish());
  return file;
}

function diagnosticsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.code} ${d.message}`);
    throw e;
  }
  return [];
}

/** Every file under `dir` that contains the secret's bytes. */
function filesWithSecret(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (readFileSync(p).includes(SECRET.subarray(0, 16))) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

describe('external data locations', () => {
  const hostile: [string, string, RegExp, { offset?: string; length?: string }?][] = [
    ['parent', '../secret.bin', /FPGAC001 tensor 'b': external data location '\.\.\/secret\.bin' contains a '\.\.' component/],
    ['absolute', '<abs>', /FPGAC001 tensor 'b': external data location '.*secret\.bin' is absolute/],
    ['sub-parent', 'sub/../../secret.bin', /FPGAC001 tensor 'b': .*'sub\/\.\.\/\.\.\/secret\.bin' contains a '\.\.' component/],
    ['inner-parent', 'sub/../w.bin', /FPGAC001 .*contains a '\.\.' component/],
    ['backslash-parent', 'sub\\..\\..\\secret.bin', /FPGAC001 .*contains a '\.\.' component/],
    ['backslash', 'sub\\w.bin', /FPGAC001 tensor 'b': external data location 'sub\\w\.bin' contains a backslash/],
    ['symlink', 'link.bin', /FPGAC001 tensor 'b': external data location 'link\.bin' resolves \(through a symbolic link\) to a file outside the model's folder/],
    ['symlinked-dir', 'up/secret.bin', /FPGAC001 .*'up\/secret\.bin' resolves \(through a symbolic link\) to a file outside/],
    ['directory', 'sub/dir', /FPGAC001 tensor 'b': external data location 'sub\/dir' is not a regular file/],
    ['folder-itself', '.', /FPGAC001 .*names no file/],
    ['nul', 'w.bin\0../../secret.bin', /FPGAC001 .*contains a NUL character/],
    ['missing', 'nope.bin', /FPGAC001 tensor 'b': external data file 'nope\.bin' not found next to the model/],
    ['huge-offset', 'w.bin', /FPGAC001 tensor 'b': external data range 1099511627776\+.* exceeds 'w\.bin' \(8 bytes\)/, { offset: String(2 ** 40) }],
    ['negative-offset', 'w.bin', /FPGAC001 tensor 'b': external data offset '-4' of 'w\.bin' is not a non-negative whole number/, { offset: '-4' }],
    ['unsafe-offset', 'w.bin', /FPGAC001 .*offset '9007199254740993'.*not a non-negative whole number/, { offset: '9007199254740993' }],
    ['fraction-length', 'w.bin', /FPGAC001 .*length '4\.5'.*not a non-negative whole number/, { length: '4.5' }],
    ['long-length', 'w.bin', /FPGAC001 .*external data range 4\+8 exceeds 'w\.bin' \(8 bytes\)/, { offset: '4', length: '8' }],
    ['short-length', 'w.bin', /FPGAC001 tensor 'b': external data holds 4 bytes, 8 needed/, { length: '4' }],
  ];
  for (const [name, location, re, extra] of hostile) {
    it(`refuses a location: ${name}`, () => {
      const loc = location === '<abs>' ? path.join(root, 'secret.bin') : location;
      const file = externalModel(name, loc, extra);
      const d = diagnosticsOf(() => loadModel(file));
      expect(d).toHaveLength(1);
      expect(d[0]).toMatch(re);
      // The same rule guards the list of files a build copies.
      if (!['huge-offset', 'negative-offset', 'unsafe-offset', 'fraction-length', 'long-length', 'short-length', 'directory'].includes(name)) {
        expect(() => externalDataFiles(file)).toThrow(DiagnosticError);
      }
      // A build fails before writing anything, and never copies the secret.
      const out = path.join(root, `out-${name}`);
      expect(() => buildProject(file, out)).toThrow(DiagnosticError);
      expect(existsSync(out)).toBe(false);
      expect(filesWithSecret(out)).toEqual([]);
    });
  }

  it('accepts locations inside the folder (a subfolder, a symlink to a file inside), normalized for the copy', () => {
    for (const loc of ['w.bin', './sub//w.bin', 'alias.bin']) {
      const file = externalModel(`ok-${loc.replace(/\W/g, '')}`, loc);
      expect(Array.from(loadModel(file).graph.constants.get('b')!.data)).toEqual([0.5, -0.25]);
    }
    expect(externalDataFiles(externalModel('norm', './sub//w.bin'))).toEqual(['sub/w.bin']);
  });

  it('a build with valid external data copies it under source/ and nothing from outside the folder', () => {
    const file = externalModel('built', './sub/w.bin', { offset: '0', length: '8' });
    const out = path.join(root, 'out-built');
    buildProject(file, out);
    expect(readFileSync(path.join(out, 'source', 'sub', 'w.bin'))).toEqual(WEIGHTS);
    expect(filesWithSecret(out)).toEqual([]);
  });

  it('reads only the needed range of a huge file (a 3 GB sparse file, tensor at its end)', () => {
    const big = path.join(modelDir, 'big.bin');
    const fd = openSync(big, 'w');
    try {
      ftruncateSync(fd, 3 * 2 ** 30);
      writeSync(fd, WEIGHTS, 0, WEIGHTS.length, 3 * 2 ** 30 - 8);
    } finally {
      closeSync(fd);
    }
    const file = externalModel('big', 'big.bin', { offset: String(3 * 2 ** 30 - 8), length: '8' });
    const t0 = performance.now();
    expect(Array.from(compileModel(file).reference.constants.get('b')?.data ?? loadModel(file).graph.constants.get('b')!.data)).toEqual([0.5, -0.25]);
    expect(performance.now() - t0).toBeLessThan(5000);
    rmSync(big);
  });

  it('a .pb tensor file follows the same rule, relative to its own folder', () => {
    const t = onnx.TensorProto.create({ name: 'pb', dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: '../secret.bin' }] });
    const pb = path.join(modelDir, 'input_0.pb');
    writeFileSync(pb, onnx.TensorProto.encode(t).finish());
    expect(diagnosticsOf(() => loadTensorPb(pb))[0]).toMatch(/FPGAC001 tensor 'pb': external data location '\.\.\/secret\.bin' contains a '\.\.' component/);
    const ok = onnx.TensorProto.create({ name: 'pb', dims: [2], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
    writeFileSync(pb, onnx.TensorProto.encode(ok).finish());
    expect(Array.from(loadTensorPb(pb).data)).toEqual([0.5, -0.25]);
  });
});
