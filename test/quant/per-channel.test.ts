/**
 * Per-output-channel weight precision (ChannelShift): with --calibrate, layers whose channels differ in weight
 * magnitude store small channels scaled by 2^k and shift their exact accumulators back. Checked on dsodenet at
 * 8 bits: the shifts are used, the logits get closer to the float model than with one format per tensor (SQNR
 * computed here from the two runs), and the emitted C++ (g++) equals the simulator.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { runFloat } from '../../src/reference.js';
import { readNpy } from '../../src/npy.js';
import { computeLayers } from '../../src/ir/design.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON } from '../support/models.js';
import { REPO, csimSamples } from '../support/harness.js';

const EXAMPLE = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');

describe.skipIf(!HAVE_SHARED)('per-channel weight precision', () => {
  it('dsodenet at 8 bits: shifts used, logits closer to float than per-tensor formats, g++ = simulator', async () => {
    const calib = path.join(SHARED_MODELS, 'dsodenet-digits', 'calib.npy');
    const opts = { precision: 'ap_fixed<8,3>', calibrate: [calib] };
    const perChannel = compileModel(EXAMPLE, opts);
    const perTensor = compileModel(EXAMPLE, { ...opts, perTensorWeights: true });
    const shifted = (d: typeof perChannel.design) => computeLayers(d.layers).filter((l) => (l.kind === 'conv2d' || l.kind === 'dense') && l.shift);
    expect(shifted(perChannel.design).length).toBeGreaterThan(0);
    expect(shifted(perTensor.design)).toEqual([]);
    const x = readNpy(path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy'));
    const per = x.data.length / x.shape[0];
    let signal = 0;
    const noise = { perChannel: 0, perTensor: 0 };
    const samples: number[][][] = [];
    for (let s = 0; s < 120; s++) {
      const xs = x.data.subarray(s * per, (s + 1) * per);
      if (s < 16) samples.push([Array.from(xs)]);
      const f = runFloat(perChannel.reference, [xs]).outputs[0].data;
      const a = simulateSample(perChannel.design, [xs]).outputs[0];
      const b = simulateSample(perTensor.design, [xs]).outputs[0];
      f.forEach((v, i) => {
        signal += v * v;
        noise.perChannel += (a[i] - v) ** 2;
        noise.perTensor += (b[i] - v) ** 2;
      });
    }
    const sqnr = (n: number) => 10 * Math.log10(signal / n);
    console.log(`dsodenet 8-bit logits SQNR: per-channel ${sqnr(noise.perChannel).toFixed(2)} dB, per-tensor ${sqnr(noise.perTensor).toFixed(2)} dB`);
    expect(sqnr(noise.perChannel)).toBeGreaterThan(sqnr(noise.perTensor));
    const csim = await csimSamples(perChannel.design, samples);
    samples.forEach((s, i) => expect(Array.from(csim[i][0])).toEqual(Array.from(simulateSample(perChannel.design, s).outputs[0])));
  });
});

if (HAVE_SHARED === false) describe('per-channel weight precision', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
