/**
 * @fileoverview The `eltwise` layer kind (EltwiseLayer in src/ir/design.ts): add, sub or mul of two operands with
 * broadcasting, one element per lane per cycle; operands flat in C order (or scalars) take pf_out lanes.
 */
import { simulateEltwise } from '../../sim/kernels/eltwise.js';
import { eltwiseIsFlat, type Design, type EltwiseLayer, type Operand } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { renderEltwise } from '../emit/kernels/eltwise.js';
import { laneBanks, storedAs } from '../plan/banks.js';
import { CONTROL_LUT, constantWeightCounts, dspPerMultiplier, laneChoices, lanesOf, SERIAL, stream } from '../plan/estimate.js';
import { activationOps, addNs, castOps, MUL, type TimedOp } from '../plan/timing.js';
import { lanesText, noMacs, noMacWeight, noTables, outBits, outElements, outFormat, unrolled } from './common.js';
import type { KindDef } from './types.js';

const operandFormat = (design: Design, o: Operand) => ('tensor' in o ? design.tensors[o.tensor].format : o.constant.format);
const constants = (l: EltwiseLayer) => [l.a, l.b].flatMap((o) => ('constant' in o ? [{ data: o.constant, role: 'weight' as const }] : []));
/** A constant operand whose every value is 0 or ±2^k: a product with it is a shift, no multiplier. */
const shiftsOnly = (o: Operand) => 'constant' in o && constantWeightCounts(o.constant.raw).general === 0;

export const ELTWISE: KindDef<EltwiseLayer> = {
  kind: 'eltwise',
  doc: 'add, sub, mul, max or min of two tensors (or a tensor and a constant) with NumPy broadcasting, fused activation',
  family: 'eltwise',
  constants,
  macs: noMacs,
  simulate: simulateEltwise,
  render: renderEltwise,
  sequential: {
    // Lanes take contiguous blocks of elements; a broadcast along some axes keeps the one-element kernel.
    parallelChoices: (l) => (eltwiseIsFlat(l) ? laneChoices(numel(l.outShape)) : SERIAL),
    estimate(design, l, par) {
      const lanes = par.pfOut;
      const w = outFormat(design, l).width;
      const e = lanesOf(stream(numel(l.outShape) / lanes, 1, w), lanes, w);
      const mul = l.op === 'mul';
      return { ...e, multipliers: mul ? lanes : 0, dsp: mul ? lanes * dspPerMultiplier(operandFormat(design, l.a), operandFormat(design, l.b)) : 0 };
    },
    banks: (_l, p) => laneBanks(p),
    stored: (l, p) => storedAs(constants(l), p.pfOut, 'block'),
  },
  pipelined: {
    resources(design, l) {
      const n = outElements(design, l);
      const mul = l.op === 'mul' && !shiftsOnly(l.a) && !shiftsOnly(l.b);
      const dsp = mul ? n * dspPerMultiplier(operandFormat(design, l.a), operandFormat(design, l.b)) : 0;
      return unrolled({ multipliers: mul ? n : 0, dsp, lut: CONTROL_LUT + (mul ? 0 : n * outFormat(design, l).width) });
    },
    path(design, l, d) {
      const bits = outBits(design, l);
      const mul = l.op === 'mul' && !shiftsOnly(l.a) && !shiftsOnly(l.b);
      const core: TimedOp = mul ? MUL(d, bits * 2) : { kind: 'logic', ns: l.op === 'mul' ? 0 : addNs(d, outFormat(design, l).width + 2), bits: bits * 2 };
      return [core, ...activationOps(d, l.act, bits), ...castOps(d, outFormat(design, l), bits)];
    },
    tableReads: noTables,
  },
  report: {
    label: (l) => `eltwise:${l.op}`,
    formats: () => ({}),
    macWeight: noMacWeight,
    parallelText: lanesText,
  },
};
