/**
 * @fileoverview The `pwl` layer kind (PwlLayer in src/ir/design.ts): exact piecewise-linear per-element functions
 * (LeakyRelu, PRelu, ThresholdedRelu, HardSigmoid, HardSwish, Abs, Neg, Sign, Floor, Ceil, Round). Lanes of
 * contiguous elements, except PRelu with a slope per channel (one element a cycle, the slope read by counters).
 */
import { simulatePwl } from '../../sim/kernels/pwl.js';
import type { Design, PwlLayer } from '../ir/design.js';
import { renderPwl } from '../emit/kernels/pwl.js';
import { laneBanks, ONE_BANK, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, dspPerMultiplier, laneChoices, lanesOf, SERIAL, stream } from '../plan/estimate.js';
import { addNs, castOps, MUL, type TimedOp } from '../plan/timing.js';
import { inFormat, lanesText, noFormats, noMacs, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const constants = (l: PwlLayer) => (l.slope ? [{ data: l.slope, role: 'weight' as const }] : []);

/** The functions with a multiplier (a non-power-of-two slope or α). */
const multiplies = (l: PwlLayer) => l.fn === 'leaky' || l.fn === 'hardsigmoid' || l.fn === 'hardswish';
const multFormat = (l: PwlLayer) => l.slope?.format ?? l.a?.format;

function dsp(design: Design, l: PwlLayer): number {
  const f = multFormat(l);
  if (!multiplies(l) || !f) return 0;
  return dspPerMultiplier(inFormat(design, l), f) * (l.fn === 'hardswish' ? 2 : 1);
}

export const PWL: KindDef<PwlLayer> = {
  kind: 'pwl',
  doc: 'exact piecewise-linear per-element function (LeakyRelu, PRelu, ThresholdedRelu, HardSigmoid, HardSwish, Abs, Neg, Sign, Floor, Ceil, Round)',
  family: 'pwl',
  constants,
  macs: noMacs,
  simulate: simulatePwl,
  render: renderPwl,
  sequential: {
    parallelChoices: (l) => (l.slope ? SERIAL : laneChoices(l.n)),
    estimate(design, l, par) {
      const w = outFormat(design, l).width;
      const e = lanesOf(stream(l.n / par.pfOut, 1, w), par.pfOut, w);
      const m = multiplies(l) ? par.pfOut * (l.fn === 'hardswish' ? 2 : 1) : 0;
      return { ...e, multipliers: m, dsp: par.pfOut * dsp(design, l) };
    },
    banks: (l, p) => (l.slope ? ONE_BANK : laneBanks(p)),
    stored: (l) => storedAs(constants(l), 1, 'cyclic'),
  },
  pipelined: {
    resources: (design, l) => {
      const n = outElements(design, l);
      const m = multiplies(l) ? n * (l.fn === 'hardswish' ? 2 : 1) : 0;
      return unrolled({ multipliers: m, dsp: n * dsp(design, l), lut: CONTROL_LUT + n * outFormat(design, l).width });
    },
    path(design, l, d) {
      const bits = outBits(design, l);
      const ops: TimedOp[] = [];
      if (multiplies(l)) ops.push(MUL(d, bits));
      if (l.fn === 'hardswish') ops.push(MUL(d, bits));
      ops.push({ kind: 'logic', ns: addNs(d, inFormat(design, l).width + 2) + d.mux, bits });
      return [...ops, ...castOps(d, outFormat(design, l), bits)];
    },
    tableReads: noTables,
  },
  report: { label: (l) => `${l.kind}:${l.fn}`, formats: noFormats, macWeight: noMacWeight, parallelText: lanesText },
};
