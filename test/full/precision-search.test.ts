/**
 * `--precision auto`: the chosen width keeps the asked top-1 agreement on the calibration data and one bit less
 * does not (checked by re-running both designs here), and the search refuses to run without calibration data.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { runFloat } from '../../src/reference.js';
import { readNpy } from '../../src/npy.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON } from '../support/models.js';
import { REPO } from '../support/harness.js';

const EXAMPLE = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');

function argmax(v: ArrayLike<number>): number {
  let b = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[b]) b = k;
  return b;
}

describe.skipIf(!HAVE_SHARED)('precision search', () => {
  it('finds the narrowest calibrated width with ≥ 99% top-1 agreement on dsodenet', () => {
    const calib = path.join(SHARED_MODELS, 'dsodenet-digits', 'calib.npy');
    const c = compileModel(EXAMPLE, { precision: 'auto', calibrate: [calib] });
    const w = c.search!.chosen.width;
    const x = readNpy(calib);
    const n = x.shape[0];
    const per = x.data.length / n;
    const agreement = (precision: string) => {
      const d = compileModel(EXAMPLE, { precision, calibrate: [calib] }).design;
      let same = 0;
      for (let s = 0; s < n; s++) {
        const xs = x.data.subarray(s * per, (s + 1) * per);
        if (argmax(simulateSample(d, [xs]).outputs[0]) === argmax(runFloat(c.reference, [xs]).outputs[0].data)) same++;
      }
      return same / n;
    };
    const ints = (bits: number) => Math.ceil(bits / 2);
    expect(agreement(`ap_fixed<${w},${ints(w)}>`)).toBeGreaterThanOrEqual(0.99);
    expect(agreement(`ap_fixed<${w - 1},${ints(w - 1)}>`)).toBeLessThan(0.99);
    expect(w).toBeLessThan(16);
  });

  it('needs calibration data', () => {
    expect(() => compileModel(EXAMPLE, { precision: 'auto' })).toThrow(DiagnosticError);
  });
});

if (!(HAVE_SHARED)) describe('precision search', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
