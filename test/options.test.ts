/**
 * Settings are never ignored and no answer is silently wrong (issue 10, items 4, 12, 13): option values that would
 * reach generated code are validated, unknown configuration keys and design options given to a build folder are
 * errors, and an unmet frame-rate target, a precision whose step exceeds 1, saturation in `sim` and missed
 * `verify` thresholds are said (warnings, exit 3). The CLI runs in-process through `main`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../src/cli.js';
import { writeNpy } from '../src/npy.js';
import { buildModel, values } from './support/onnx-builder.js';

let dir: string;
let model: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-options-'));
  model = path.join(dir, 'm.onnx');
  buildModel({
    inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'W', dims: [8, 4], values: values(32, 5) }, { name: 'b', dims: [4], values: values(4, 6) }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['y'] }],
  }, model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function fpgac(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'fpgac', ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let outs = 0;
const fresh = () => path.join(dir, `o${outs++}`);

describe('option values that reach generated files are validated', () => {
  for (const [top, why] of [
    ['main', /the testbench or the C library uses/], ['int', /C\+\+ keyword/], ['_Top', /reserved to the C\+\+ implementation/],
    ['a__b', /reserved/], ['ap_top', /ap_types/], ['x; system("id")', /not a C identifier/], ['a'.repeat(65), /longer than 64/],
  ] as const) {
    it(`--top '${top.slice(0, 12)}' is refused: ${why.source}`, async () => {
      const r = await fpgac('build', model, '-o', fresh(), '--top', top);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(why);
    });
  }

  it("--part must be a part number: a Tcl command in it is refused before anything is written", async () => {
    const out = fresh();
    const r = await fpgac('build', model, '-o', out, '--part', 'x; exec touch PWNED; #');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error FPGAC005: --part .* is not a Xilinx part number/);
  });

  it('unknown keys in --config are errors, at the top level and per layer', async () => {
    const c1 = path.join(dir, 'c1.json');
    writeFileSync(c1, JSON.stringify({ layers: {}, reuse: 2 }));
    expect((await fpgac('build', model, '-o', fresh(), '--config', c1)).err).toMatch(/unknown key "reuse" \(known: "layers"\)/);
    const c2 = path.join(dir, 'c2.json');
    writeFileSync(c2, JSON.stringify({ layers: { x: { reuse: 2, strategy: 'latency' } } }));
    expect((await fpgac('build', model, '-o', fresh(), '--config', c2)).err).toMatch(/layer 'x': unknown key "strategy" \(known: "reuse"\)/);
  });
});

describe('settings are never ignored', () => {
  it('sim and verify on a build folder refuse design options instead of ignoring them', async () => {
    const out = fresh();
    expect((await fpgac('build', model, '-o', out)).code).toBe(0);
    const x = path.join(dir, 'x.npy');
    writeNpy(x, { shape: [2, 8], data: Float64Array.from(values(16, 3)) });
    for (const flags of [['--precision', 'ap_fixed<8,3>'], ['--calibrate', x], ['--per-tensor-weights'], ['--limit', 'nodes=10']]) {
      const r = await fpgac('sim', out, '--input', x, '-o', path.join(dir, 'y.npy'), ...flags);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err).toMatch(new RegExp(`${flags[0]} cannot change the design in the build folder`));
    }
    const v = await fpgac('verify', out, '--input', x, '--precision', 'ap_fixed<8,3>');
    expect(v.code).toBe(2);
    // The same options on the model itself are fine.
    expect((await fpgac('sim', model, '--input', x, '-o', path.join(dir, 'y.npy'), '--precision', 'ap_fixed<8,3>')).code).toBe(0);
  });

  it('an unreachable --target-fps is a warning giving the throughput reached', async () => {
    const r = await fpgac('build', model, '-o', fresh(), '--target-fps', '1e12');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^fpgac: warning: --target-fps 1000000000000 is not reached: the plan gives [\d.]+ inferences\/s/m);
  });

  it('a precision with more integer bits than bits is explained', async () => {
    const r = await fpgac('build', model, '-o', fresh(), '--precision', 'ap_fixed<6,16>');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/--precision ap_fixed<6,16> has more integer bits than bits: its step is 2\^10 = 1024/);
  });
});

describe('no silent wrong answers', () => {
  it('sim warns, naming the tensors, when values saturate; not when none do', async () => {
    const out = fresh();
    expect((await fpgac('build', model, '-o', out, '--precision', 'ap_fixed<8,2>')).code).toBe(0);
    const big = path.join(dir, 'big.npy');
    writeNpy(big, { shape: [2, 8], data: Float64Array.from({ length: 16 }, (_, i) => (i % 2 ? 100 : -100)) });
    const r = await fpgac('sim', out, '--input', big, '-o', path.join(dir, 'ybig.npy'));
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^fpgac: warning: \d+ value\(s\) saturated .* in \d+ tensor\(s\): 'x' 16 of 16/m);
    const small = path.join(dir, 'small.npy');
    writeNpy(small, { shape: [1, 8], data: new Float64Array(8).fill(0.0625) });
    expect((await fpgac('sim', out, '--input', small, '-o', path.join(dir, 'ysmall.npy'))).err).toBe('');
  });

  it('verify exits 3 with one line per missed threshold, and 0 when they are met', async () => {
    const out = fresh();
    expect((await fpgac('build', model, '-o', out, '--precision', 'ap_fixed<6,3>')).code).toBe(0);
    const x = path.join(dir, 'xv.npy');
    writeNpy(x, { shape: [16, 8], data: Float64Array.from(values(128, 21)) });
    const miss = await fpgac('verify', out, '--input', x, '--min-sqnr', '200');
    expect(miss.code).toBe(3);
    expect(miss.err).toMatch(/^fpgac: verify: output 'y': SQNR [\d.]+ dB is below --min-sqnr 200 dB$/m);
    const met = await fpgac('verify', out, '--input', x, '--min-sqnr', '-100', '--min-agreement', '0');
    expect(met.code).toBe(0);
    const bad = await fpgac('verify', out, '--input', x, '--min-agreement', '2');
    expect(bad.code).toBe(2);
  });
});
