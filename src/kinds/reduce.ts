/**
 * @fileoverview The `reduce` layer kind (ReduceLayer in src/ir/design.ts): sum, mean, max, min, L1, L2, sum of
 * squares, argmax, argmin over the middle axis of [outer][len][inner]; one input read per cycle (serial).
 */
import { simulateReduce } from '../../sim/kernels/reduce.js';
import type { ReduceLayer } from '../ir/design.js';
import { renderReduce } from '../emit/kernels/reduce.js';
import { ONE_BANK } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, PIPELINE_DEPTH, SERIAL, stream } from '../plan/estimate.js';
import { castOps, MUL, tree } from '../plan/timing.js';
import { inFormat, lanesText, noConstants, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const squares = (l: ReduceLayer) => l.mode === 'l2' || l.mode === 'sumsq';
const isCompare = (l: ReduceLayer) => l.mode === 'max' || l.mode === 'min' || l.mode === 'argmax' || l.mode === 'argmin';

export const REDUCE: KindDef<ReduceLayer> = {
  kind: 'reduce',
  doc: 'sum, mean, max, min, L1, L2 (exact integer root), sum of squares, argmax or argmin over one axis',
  family: 'reduce',
  constants: noConstants,
  macs: (l) => (squares(l) ? l.outer * l.inner * l.len : 0),
  simulate: simulateReduce,
  render: renderReduce,
  sequential: {
    parallelChoices: () => SERIAL,
    estimate(design, l) {
      const e = stream(l.outer * l.inner, l.len + PIPELINE_DEPTH, l.acc.width);
      const mults = (squares(l) ? 1 : 0) + (l.mode === 'mean' ? 1 : 0);
      const x = inFormat(design, l);
      return { ...e, multipliers: mults, dsp: squares(l) ? dspPerMultiplier(x, x) : l.mode === 'mean' ? dspPerMultiplier(l.acc, l.recip ?? l.acc) : 0 };
    },
    banks: () => ONE_BANK,
    stored: () => [],
  },
  pipelined: {
    resources(design, l) {
      const outs = outElements(design, l);
      const mults = (squares(l) ? outs * l.len : 0) + (l.mode === 'mean' ? outs : 0);
      return unrolled({ multipliers: mults, dsp: mults * dspPerMultiplier(inFormat(design, l), inFormat(design, l)), lut: CONTROL_LUT + outs * l.len * l.acc.width });
    },
    path(design, l, d) {
      const outs = outElements(design, l);
      const ops = squares(l) ? [MUL(d, outs * l.len * l.acc.width)] : [];
      ops.push(...tree(d, l.len, l.acc.width, outs, isCompare(l) ? 'max' : 'add'));
      if (l.mode === 'mean') ops.push(MUL(d, outs * l.acc.width));
      return [...ops, ...castOps(d, outFormat(design, l), outBits(design, l))];
    },
    tableReads: noTables,
  },
  report: {
    label: (l) => `reduce:${l.mode}`,
    formats: (l) => ({ accumulator: l.acc }),
    macWeight: noMacWeight,
    parallelText: lanesText,
  },
};
