/**
 * @fileoverview The `curve` layer kind (CurveLayer in src/ir/design.ts): a smooth per-element function (Tanh,
 * Softplus, Softsign, Mish, Gelu, Elu, Selu, Celu, Exp) as an exact linear part plus a linearly interpolated table,
 * pf lanes of one element a cycle each (two table reads and one or two multipliers a lane).
 */
import { simulateCurve } from '../../sim/kernels/curve.js';
import type { CurveLayer, Design } from '../ir/design.js';
import { renderCurve } from '../emit/kernels/curve.js';
import { CONTROL_LUT, dspPerMultiplier } from '../plan/estimate.js';
import { addNs } from '../plan/timing.js';
import { inFormat, lanesText, noMacs, noMacWeight, tableKernelPath, tableLaneRules, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: CurveLayer) => [{ data: l.table, role: 'table' as const }, { data: l.delta, role: 'table' as const }];

function multipliers(l: CurveLayer): number {
  return 1 + (l.slopes && (Math.abs(l.slopes.pos) > 1 || Math.abs(l.slopes.neg) > 1 || l.slopes.format.int !== l.slopes.format.width) ? 1 : 0);
}

function dsp(design: Design, l: CurveLayer): number {
  const x = inFormat(design, l);
  return dspPerMultiplier(l.delta.format, x) + (multipliers(l) > 1 && l.slopes ? dspPerMultiplier(l.slopes.format, x) : 0);
}

export const CURVE: KindDef<CurveLayer> = {
  kind: 'curve',
  doc: 'smooth per-element function: exact linear part plus an interpolated table (Tanh, Softplus, Softsign, Mish, Gelu, Elu, Selu, Celu, Exp)',
  family: 'curve',
  constants,
  macs: noMacs,
  simulate: simulateCurve,
  render: renderCurve,
  // pf lanes (hw/fpgac/curve.h), one or two multipliers a lane.
  sequential: tableLaneRules(constants, (design, l) => ({ multipliers: multipliers(l), dsp: dsp(design, l) })),
  pipelined: {
    resources: (design, l) => unrolled({ multipliers: l.n * multipliers(l), dsp: l.n * dsp(design, l), lut: CONTROL_LUT + l.n * (inFormat(design, l).width + 2) }),
    path: (design, l, d, inBram) => tableKernelPath(design, l, d, inBram(l.table.name),
      { kind: 'logic', ns: addNs(d, inFormat(design, l).width + 2) + d.mux, bits: l.n * (inFormat(design, l).width + 2) }),
    tableReads: (l, c) => (l.table === c || l.delta === c ? l.n : 0),
  },
  report: { label: (l) => `${l.kind}:${l.fn}`, formats: (l) => ({ table: l.table.format }), macWeight: noMacWeight, parallelText: lanesText },
};
