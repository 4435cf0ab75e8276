/**
 * @fileoverview The `interp` layer kind (InterpLayer in src/ir/design.ts): Resize linear/cubic as separable taps
 * through per-axis index and weight tables, one tap per cycle, the exact sum cast once.
 */
import { simulateInterp } from '../../sim/kernels/movement.js';
import type { Design, InterpLayer } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { renderInterp } from '../emit/kernels/movement.js';
import { ONE_BANK, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, SERIAL, stream } from '../plan/estimate.js';
import { addNs, castOps, MUL } from '../plan/timing.js';
import { inFormat, lanesText, noMacWeight, outBits, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: InterpLayer) => [...l.index, ...l.weight].map((data) => ({ data, role: 'table' as const }));
const tapsPerOutput = (l: InterpLayer) => l.taps.reduce((a, b) => a * b, 1);
/** Multipliers a tap needs: one per interpolated axis' weight (the first times the input). */
const mulsPerTap = (l: InterpLayer) => l.weight.filter((w) => w.format.width > 1).length;
const dsp = (design: Design, l: InterpLayer) => l.weight.filter((w) => w.format.width > 1).reduce((s, w) => s + dspPerMultiplier(w.format, inFormat(design, l)), 0);

export const INTERP: KindDef<InterpLayer> = {
  kind: 'interp',
  doc: 'separable interpolation (Resize linear, cubic): per-axis index and weight tables, exact weighted sum, one cast',
  family: 'movement',
  constants,
  macs: (l) => numel(l.outShape) * tapsPerOutput(l),
  simulate: simulateInterp,
  render: renderInterp,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate: (design, l) => ({
      ...stream(numel(l.outShape), tapsPerOutput(l), outFormat(design, l).width),
      multipliers: mulsPerTap(l), dsp: dsp(design, l), lut: CONTROL_LUT + l.acc.width * 2,
    }),
    banks: () => ONE_BANK,
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    resources: (design, l) => {
      const terms = numel(l.outShape) * tapsPerOutput(l);
      return unrolled({ multipliers: terms * mulsPerTap(l), dsp: terms * dsp(design, l), lut: CONTROL_LUT + terms * l.acc.width });
    },
    path: (design, l, d) => [
      ...l.weight.filter((w) => w.format.width > 1).map(() => MUL(d, outBits(design, l) * 2)),
      { kind: 'logic', ns: addNs(d, l.acc.width) * Math.ceil(Math.log2(tapsPerOutput(l) + 1)), bits: outBits(design, l) * 2 },
      ...castOps(d, outFormat(design, l), outBits(design, l)),
    ],
    // Fully unrolled, every table read has a constant index (the tables become wiring and constant weights).
    tableReads: (l, c) => ([...l.index, ...l.weight].includes(c) ? 1 : 0),
  },
  report: { label: (l) => l.kind, formats: (l) => ({ acc: l.acc }), macWeight: noMacWeight, parallelText: lanesText },
};
