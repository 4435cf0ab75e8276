/**
 * @fileoverview Resources of a layer when the whole design is one pipeline (schedule 'pipelined', II = 1): every
 * loop unrolled, so every product has its own multiplier and every table read its own port.
 * - A product with a constant weight needs a DSP only if the weight is neither 0 (dropped) nor ±2^k (a shift):
 *   the weights are compile-time constants once their arrays are completely partitioned.
 * - Sums are adder trees: one accumulator-width adder (~1 LUT a bit) per non-zero term beyond the first.
 * - Pipeline registers come from the timing schedule (src/plan/timing.ts), not from here.
 * - Tables are read by every lane at once: block-RAM tables are replicated, one copy per two reads (dual-port
 *   ROM, `rom_np` in the emitted pragmas); LUT ROM tables, one copy per read.
 */
import type { ComputeLayer, ConstData, Design } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { CONTROL_LUT, constantWeightCounts, dspPerMultiplier, type ComputeEstimate } from './estimate.js';

/** How many reads of table `c` one inference makes in parallel (0 if the layer does not read it). */
export function tableReads(l: ComputeLayer, c: ConstData): number {
  if (l.kind === 'lut' && l.table === c) return l.n;
  if (l.kind === 'softmax') {
    // The exponentials are looked up in the sum pass and again in the output pass.
    if (l.expTable === c) return 2 * l.outer * l.inner * l.len;
    if (l.recipTable === c) return l.outer * l.inner;
  }
  return 0;
}

function nonZeroTerms(raw: readonly number[]): number {
  let n = 0;
  for (const r of raw) if (r !== 0) n++;
  return n;
}

export function estimatePipelinedLayer(design: Design, l: ComputeLayer): ComputeEstimate {
  const fmt = (t: string) => design.tensors[t].format;
  const outN = numel(design.tensors[l.output].shape);
  const base = { reuse: 1, ff: 0, latency: 0 };
  switch (l.kind) {
    case 'dense':
    case 'conv2d': {
      // Each weight is used once per row (dense) or output position (conv), with its own multiplier.
      const uses = l.kind === 'dense' ? l.rows : l.oh * l.ow;
      const c = constantWeightCounts(l.weight.raw);
      const perOut = l.kind === 'dense' ? l.nOut : l.oc;
      const adders = Math.max(0, nonZeroTerms(l.weight.raw) + (l.bias ? perOut : 0) - perOut);
      const scaled = { zeros: c.zeros * uses, powersOfTwo: c.powersOfTwo * uses, general: c.general * uses };
      return {
        ...base, multipliers: scaled.general, dsp: scaled.general * dspPerMultiplier(fmt(l.inputs[0]), l.weight.format),
        lut: CONTROL_LUT + uses * adders * l.acc.width, constantSavings: scaled,
      };
    }
    case 'matmul': {
      const p = l.batch * l.m * l.n * l.k;
      return { ...base, multipliers: p, dsp: p * dspPerMultiplier(fmt(l.inputs[0]), fmt(l.inputs[1])), lut: CONTROL_LUT + l.batch * l.m * l.n * (l.k - 1) * l.acc.width };
    }
    case 'eltwise': {
      const general = (o: typeof l.a) => ('constant' in o ? constantWeightCounts(o.constant.raw).general > 0 : true);
      const mul = l.op === 'mul' && general(l.a) && general(l.b);
      const fa = 'tensor' in l.a ? fmt(l.a.tensor) : l.a.constant.format;
      const fb = 'tensor' in l.b ? fmt(l.b.tensor) : l.b.constant.format;
      return { ...base, multipliers: mul ? outN : 0, dsp: mul ? outN * dspPerMultiplier(fa, fb) : 0, lut: CONTROL_LUT + (mul ? 0 : outN * fmt(l.output).width) };
    }
    case 'unary':
      return { ...base, multipliers: 0, dsp: 0, lut: l.act.kind === 'none' ? 0 : outN * fmt(l.output).width };
    case 'transpose':
      return { ...base, multipliers: 0, dsp: 0, lut: 0 };
    case 'lut':
      return { ...base, multipliers: 0, dsp: 0, lut: CONTROL_LUT + l.n * (fmt(l.inputs[0]).width + 2) };
    case 'pool2d': {
      const lanes = l.c * l.oh * l.ow;
      const mults = l.mode === 'avg' ? lanes : 0;
      return { ...base, multipliers: mults, dsp: mults * dspPerMultiplier(l.acc, l.recip), lut: CONTROL_LUT + lanes * (l.kh * l.kw - 1) * l.acc.width };
    }
    case 'softmax': {
      const rows = l.outer * l.inner;
      const p = rows * l.len;
      const inW = fmt(l.inputs[0]).width;
      const sumW = l.expTable.format.width + Math.ceil(Math.log2(Math.max(2, l.len)));
      // Max tree, subtract and clamp per element, sum tree, leading one and shifts per row.
      const lut = CONTROL_LUT + p * (3 * inW + sumW) + rows * 4 * sumW;
      return { ...base, multipliers: p, dsp: p * dspPerMultiplier(l.expTable.format, l.recipTable.format), lut };
    }
  }
}
