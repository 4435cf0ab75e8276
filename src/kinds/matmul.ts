/**
 * @fileoverview The `matmul` layer kind (MatMulLayer in src/ir/design.ts): a product of two tensors, one
 * multiplier re-entering its inner loop for every output.
 */
import { simulateMatMul } from '../../sim/kernels/dense.js';
import type { MatMulLayer } from '../ir/design.js';
import { renderMatMul } from '../emit/kernels/dense.js';
import { ONE_BANK } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, mac, SERIAL } from '../plan/estimate.js';
import { castOps, MUL, tree } from '../plan/timing.js';
import { inFormat, lanesText, noConstants, noMacWeight, noTables, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

export const MATMUL: KindDef<MatMulLayer> = {
  kind: 'matmul',
  doc: 'product of two tensors [batch][m][k] × [batch][k][n], either broadcast over the batch',
  family: 'dense',
  constants: noConstants,
  macs: (l) => l.batch * l.m * l.k * l.n,
  simulate: simulateMatMul,
  render: renderMatMul,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate: (design, l) => mac(l.batch * l.m * l.n * l.k, l.batch * l.m * l.n, 1, l.k, inFormat(design, l, 0), inFormat(design, l, 1), l.acc),
    banks: () => ONE_BANK,
    stored: () => [],
  },
  pipelined: {
    resources(design, l) {
      const p = l.batch * l.m * l.n * l.k;
      return unrolled({ multipliers: p, dsp: p * dspPerMultiplier(inFormat(design, l, 0), inFormat(design, l, 1)), lut: CONTROL_LUT + l.batch * l.m * l.n * (l.k - 1) * l.acc.width });
    },
    path: (design, l, d) => [
      MUL(d, l.batch * l.m * l.n * l.k * (inFormat(design, l, 0).width + inFormat(design, l, 1).width)),
      ...tree(d, l.k, l.acc.width, l.batch * l.m * l.n, 'add'),
      ...castOps(d, outFormat(design, l), outBits(design, l)),
    ],
    tableReads: noTables,
  },
  report: { label: (l) => l.kind, formats: (l) => ({ accumulator: l.acc }), macWeight: noMacWeight, parallelText: lanesText },
};
