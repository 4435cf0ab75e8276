/**
 * End to end on real models: `fpgac build`, then the emitted project's `make csim` (g++, host ap_types headers)
 * and `fpgac sim DIR` on the same inputs must write identical arrays; and on dsodenet-digits the fixed-point
 * design keeps top-1 accuracy within 0.5 points of the float model (97.5%).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { expectCsimEqualsSim } from '../support/csim.js';

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, modelPath, testDataSets } from '../support/models.js';
import { officialApInclude } from '../support/harness.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };
let tmp: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-e2e-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function argmax(row: Float64Array): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/** Builds, runs csim and sim on `inputs`, checks identical arrays, returns the sim output. */
async function buildAndCompare(name: string, model: string, inputs: string[], apInclude?: string, buildArgs: string[] = []): Promise<{ data: Float64Array; shape: number[] }> {
  const dir = path.join(tmp, name);
  expect(await main(['node', 'fpgac', 'build', model, '-o', dir, ...buildArgs], quiet)).toBe(0);
  const [b] = await expectCsimEqualsSim(dir, inputs, { work: tmp, name, apInclude });
  return b;
}

describe.skipIf(!HAVE_SHARED)('end to end: build, make csim, fpgac sim', () => {
  it('dsodenet-digits: identical bits on all 360 test images, accuracy within 0.5 points of float', async () => {
    const x = path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy');
    // The default build on the ZCU104 has the axis wrapper: csim drives it with packed words, one batch of 360.
    const out = await buildAndCompare('dsodenet', modelPath('dsodenet-digits'), [x]);
    expect(readFileSync(path.join(tmp, 'dsodenet', 'tb', 'tb.cpp'), 'utf8')).toContain('fpgac_top_axis(');
    const y = readNpy(path.join(SHARED_MODELS, 'dsodenet-digits', 'test_y.npy'));
    const n = y.data.length;
    let correct = 0;
    for (let s = 0; s < n; s++) if (argmax(out.data.subarray(s * 10, s * 10 + 10)) === y.data[s]) correct++;
    const acc = correct / n;
    console.log(`dsodenet-digits fixed-point top-1: ${(100 * acc).toFixed(2)}% (float 97.50%)`);
    expect(Math.abs(acc - 0.975)).toBeLessThanOrEqual(0.005);
  });

  for (const m of ['hls4ml/three_layer_keras', 'hls4ml/conv2d_small_keras', 'qonnx-data/mnist-conv', 'qonnx-zoo/TFC_2W2A', 'derived-hls4ml-keras/KERAS_3layer_70pruned_retrained']) {
    it(`${m}: identical bits, close to the reference outputs`, async () => {
      const ds = testDataSets(m)[0];
      const files = ds.inputs.map((t, i) => {
        const f = path.join(tmp, `${m.replace('/', '_')}-in${i}.npy`);
        writeNpy(f, { shape: [...t.shape], data: t.data });
        return f;
      });
      const out = await buildAndCompare(m.replace('/', '_'), modelPath(m), files);
      // The fixed-point result must also still be the model's answer: same top-1 as the stored float output.
      const want = ds.outputs[0].data;
      expect(argmax(out.data)).toBe(argmax(Float64Array.from(want)));
    });
  }

  it('hls4ml/three_layer_keras pipelined (xcu250, 200 MHz, II = 1): identical bits', async () => {
    const ds = testDataSets('hls4ml/three_layer_keras')[0];
    const f = path.join(tmp, 'tlk-pipe-in.npy');
    writeNpy(f, { shape: [...ds.inputs[0].shape], data: ds.inputs[0].data });
    const args = ['--board', 'u250', '--clock', '200', '--schedule', 'pipelined', '--precision', 'ap_fixed<16,6,AP_TRN,AP_WRAP>'];
    const out = await buildAndCompare('tlk-pipe', modelPath('hls4ml/three_layer_keras'), [f], undefined, args);
    expect(argmax(out.data)).toBe(argmax(Float64Array.from(ds.outputs[0].data)));
  });

  it('KERAS_3layer_70pruned sequential at a frame-rate target: sparse, dense and constant-folded layers, identical bits', async () => {
    const m = 'derived-hls4ml-keras/KERAS_3layer_70pruned_retrained';
    const ds = testDataSets(m)[0];
    const f = path.join(tmp, 'k3p-seq-in.npy');
    writeNpy(f, { shape: [...ds.inputs[0].shape], data: ds.inputs[0].data });
    const args = ['--board', 'zcu104', '--schedule', 'sequential', '--target-fps', '1000000'];
    const out = await buildAndCompare('k3p-seq', modelPath(m), [f], undefined, args);
    expect(argmax(out.data)).toBe(argmax(Float64Array.from(ds.outputs[0].data)));
    // The plan really mixes the three weight storages, and the C++ calls the sparse kernel where it says sparse.
    const report = JSON.parse(readFileSync(path.join(tmp, 'k3p-seq', 'report.json'), 'utf8'));
    const storages = report.plan.layers.filter((l: { weights?: unknown }) => l.weights).map((l: { weights: { storage: string } }) => l.weights.storage);
    expect(new Set(storages)).toEqual(new Set(['constant-folded', 'dense', 'sparse']));
    const top = readFileSync(path.join(tmp, 'k3p-seq', 'firmware', 'top.cpp'), 'utf8');
    expect((top.match(/fpgac::dense_sparse</g) ?? []).length).toBe(storages.filter((s: string) => s === 'sparse').length);
  });

  const official = officialApInclude();
  it.skipIf(!official)(`dsodenet-digits with the official Xilinx ap_types headers (XILINX_AP_INCLUDE${official ? '' : ' not set: skipped'})`, async () => {
    const x = path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy');
    await buildAndCompare('dsodenet-official', modelPath('dsodenet-digits'), [x], official);
  });
});

if (!(HAVE_SHARED)) describe('end to end', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
