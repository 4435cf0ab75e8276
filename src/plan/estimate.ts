/**
 * @fileoverview Per-layer resource and latency estimate for the kernels fpgac emits (hw/fpgac/*.h). The model:
 * - every kernel runs one multiply-accumulate (or one element) per cycle in a pipelined inner loop (II = 1), so a
 *   MAC layer has one multiplier (reuse factor = its fan-in: each multiplier does all the products of an output);
 * - latency of a pipelined loop of T iterations and depth D is T + D - 1; a layer re-enters its inner loop for
 *   every output, so latency = outputs × (fan-in + D);
 * - a multiplier takes ceil(wa/27)·ceil(wb/18) DSP48E2 slices (1 for ≤ 27×18 operands), its adder and pipeline
 *   registers ~acc-width LUTs and ~D·acc-width FFs; each layer adds ~60 LUT / ~80 FF of loop control;
 * - layers run one after another (no dataflow overlap), so the design's II equals its latency.
 */
import { fracBits, type FixedFormat } from '../../sim/fixed.js';
import type { ComputeLayer, Design } from '../ir/design.js';
import { numel } from '../ir/graph.js';

export const PIPELINE_DEPTH = 5;
const CONTROL_LUT = 60;
const CONTROL_FF = 80;

export interface ComputeEstimate {
  readonly multipliers: number;
  readonly reuse: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly latency: number;
}

export function dspPerMultiplier(a: FixedFormat, b: FixedFormat): number {
  const [wa, wb] = a.width >= b.width ? [a.width, b.width] : [b.width, a.width];
  return Math.ceil(wa / 27) * Math.ceil(wb / 18);
}

function mac(outputs: number, fanIn: number, x: FixedFormat, w: FixedFormat, acc: FixedFormat): ComputeEstimate {
  return {
    multipliers: 1, reuse: fanIn, dsp: dspPerMultiplier(x, w),
    lut: CONTROL_LUT + acc.width, ff: CONTROL_FF + PIPELINE_DEPTH * acc.width,
    latency: outputs * (fanIn + PIPELINE_DEPTH),
  };
}

function stream(n: number, perElement: number, width: number): ComputeEstimate {
  return { multipliers: 0, reuse: 1, dsp: 0, lut: CONTROL_LUT + width, ff: CONTROL_FF + width, latency: n * perElement + PIPELINE_DEPTH };
}

export function estimateLayer(design: Design, l: ComputeLayer): ComputeEstimate {
  const fmt = (t: string) => design.tensors[t].format;
  const out = fmt(l.output);
  switch (l.kind) {
    case 'conv2d':
      return mac(l.oc * l.oh * l.ow, (l.c / l.group) * l.kh * l.kw, fmt(l.inputs[0]), l.weight.format, l.acc);
    case 'dense':
      return mac(l.rows * l.nOut, l.nIn, fmt(l.inputs[0]), l.weight.format, l.acc);
    case 'matmul':
      return mac(l.batch * l.m * l.n, l.k, fmt(l.inputs[0]), fmt(l.inputs[1]), l.acc);
    case 'eltwise': {
      const e = stream(numel(l.outShape), 1, out.width);
      const mul = l.op === 'mul';
      const fa = 'tensor' in l.a ? fmt(l.a.tensor) : l.a.constant.format;
      const fb = 'tensor' in l.b ? fmt(l.b.tensor) : l.b.constant.format;
      return { ...e, multipliers: mul ? 1 : 0, dsp: mul ? dspPerMultiplier(fa, fb) : 0 };
    }
    case 'unary':
    case 'transpose':
      return stream(numel(design.tensors[l.output].shape), 1, out.width);
    case 'lut':
      return stream(l.n, 1, out.width);
    case 'pool2d': {
      const e = stream(l.c * l.oh * l.ow, l.kh * l.kw + PIPELINE_DEPTH, l.acc.width);
      return l.mode === 'avg' ? { ...e, multipliers: 1, dsp: dspPerMultiplier(l.acc, l.recip) } : e;
    }
    case 'softmax': {
      // Three passes over each vector (max, sum, scale) and one integer division (~1 cycle per quotient bit).
      const div = fracBits(l.expTable.format) + fracBits(l.invFormat);
      const e = stream(l.outer * l.inner, 3 * l.len + 3 * PIPELINE_DEPTH + div, l.invFormat.width);
      return { ...e, multipliers: 1, dsp: dspPerMultiplier(l.expTable.format, l.invFormat), lut: e.lut + 2 * div };
    }
  }
}
