/**
 * @fileoverview ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceL1, ReduceL2, ReduceSumSquare (lowered to a
 * `reduce` layer), ReduceLogSumExp and ReduceProd (float reference and constant folding only: an exponential or a
 * product of a whole axis has no exact fixed-point form here), ArgMax and ArgMin.
 *
 * Every opset form: `axes` is an attribute before opset 13 (ReduceSum) / 18 (the others) and an optional constant
 * input from then on; keepdims (default 1); noop_with_empty_axes (input form only: empty axes then reduce over no
 * axis — the element-wise part, |x| or x², still applies — instead of over all). Lowering views the input as [outer][len][inner]: reduced axes that are adjacent
 * once size-1 axes are dropped reduce in place, others are first moved last by a `transpose` layer.
 */
import { sourcesOf, numel, tensor, stridesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { fixed, fracBits, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type ReduceLayer } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import { maxAbsRaw, sumFormat, MAX_ACC_WIDTH } from '../quant/acc.js';
import type { InputInfo, OpDef } from './types.js';
import { padShape } from './broadcast.js';
import { recipFracBits } from './pool.js';

export type ReduceKind = 'sum' | 'mean' | 'max' | 'min' | 'l1' | 'l2' | 'sumsq' | 'logsumexp' | 'prod';

export interface ReduceParams {
  /** Reduced axes, normalized and sorted; empty with `noop` (each element reduced alone: |x| for L1/L2, x² ...). */
  readonly axes: readonly number[];
  readonly keepdims: boolean;
  readonly noop: boolean;
}

export interface ArgParams {
  readonly axis: number;
  readonly keepdims: boolean;
  readonly selectLast: boolean;
}

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

function normAxis(node: Node, a: number, rank: number): number {
  if (!Number.isInteger(a) || a < -rank || a >= rank) bad(node, `axis ${a} is out of range for rank ${rank}`);
  return a < 0 ? a + rank : a;
}

/** The reduced shape: reduced axes become 1 (keepdims) or vanish. */
function reducedShape(shape: readonly number[], axes: readonly number[], keep: boolean): number[] {
  return shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
}

function parseReduce(node: Node, ins: readonly (InputInfo | undefined)[], opset: number, inputSince: number): ReduceParams {
  const x = ins[0];
  if (!x) bad(node, 'missing input');
  const rank = x.shape.length;
  let list: readonly number[] | undefined;
  let noop = false;
  if (opset < inputSince) {
    if (node.inputs.length > 1 && node.inputs[1]) bad(node, `axes is an attribute before opset ${inputSince}, not an input`);
    list = attrInts(node, 'axes');
  } else {
    if (attrInts(node, 'axes')) bad(node, `axes is an input from opset ${inputSince}, not an attribute`);
    noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
    const a = ins[1];
    if (node.inputs[1]) {
      if (!a?.value) bad(node, 'the axes input must be a constant');
      list = [...a.value.data];
    }
  }
  const empty = !list || list.length === 0;
  const axes = empty ? (noop ? [] : x.shape.map((_, i) => i)) : [...new Set(list!.map((v) => normAxis(node, v, rank)))].sort((p, q) => p - q);
  if (x.shape.some((d) => d === 0)) bad(node, 'empty tensors are not supported');
  return { axes, keepdims: attrInt(node, 'keepdims', 1) !== 0, noop: empty && noop };
}

/** Float reference of one reduction kind over `axes`. */
function evaluateReduce(kind: ReduceKind, p: ReduceParams, x: Tensor): Tensor {
  // noop (empty axes with noop_with_empty_axes): a reduction over no axis, so the element-wise part still applies
  // (the spec: ReduceSumSquare then squares, ReduceL2 takes |x|, as ONNX Runtime does).
  const outShape = reducedShape(x.shape, p.axes, true);
  const n = numel(outShape);
  const inStr = stridesOf(x.shape);
  const outStr = stridesOf(outShape);
  const init = kind === 'max' ? -Infinity : kind === 'min' ? Infinity : kind === 'prod' ? 1 : 0;
  const acc = new Float64Array(n).fill(init);
  const lse = kind === 'logsumexp' ? new Float64Array(n).fill(-Infinity) : null;
  if (lse) for (let i = 0; i < x.data.length; i++) lse[outIndex(i)] = Math.max(lse[outIndex(i)], x.data[i]);
  function outIndex(i: number): number {
    let o = 0;
    for (let d = 0; d < x.shape.length; d++) {
      const c = Math.floor(i / inStr[d]) % x.shape[d];
      if (!p.axes.includes(d)) o += c * outStr[d];
    }
    return o;
  }
  for (let i = 0; i < x.data.length; i++) {
    const o = outIndex(i);
    const v = x.data[i];
    if (kind === 'max') acc[o] = Math.max(acc[o], v);
    else if (kind === 'min') acc[o] = Math.min(acc[o], v);
    else if (kind === 'prod') acc[o] *= v;
    else if (kind === 'l1') acc[o] += Math.abs(v);
    else if (kind === 'l2' || kind === 'sumsq') acc[o] += v * v;
    else if (kind === 'logsumexp') acc[o] += Math.exp(v - lse![o]);
    else acc[o] += v;
  }
  const count = p.axes.reduce((c, a) => c * x.shape[a], 1);
  for (let o = 0; o < n; o++) {
    if (kind === 'mean') acc[o] /= count;
    else if (kind === 'l2') acc[o] = Math.sqrt(acc[o]);
    else if (kind === 'logsumexp') acc[o] = Math.log(acc[o]) + lse![o];
  }
  return tensor(reducedShape(x.shape, p.axes, p.keepdims), acc, x.dtype);
}

/**
 * [outer][len][inner] view of `x` reducing `axes`: size-1 axes are dropped first; when the rest are not adjacent,
 * a transpose layer moves them last (returns the tensor to read).
 */
function viewFor(node: Node, ctx: LowerContext, name: string, xName: string, axes: readonly number[]): { input: string; outer: number; len: number; inner: number } {
  const x = ctx.input(xName);
  const keep = x.shape.map((d, i) => ({ d, i })).filter((a) => a.d !== 1);
  const red = keep.filter((a) => axes.includes(a.i)).map((a) => keep.indexOf(a));
  const dims = keep.map((a) => a.d);
  const prod = (ds: readonly number[]) => ds.reduce((p, d) => p * d, 1);
  if (red.length === 0) return { input: x.name, outer: prod(dims), len: 1, inner: 1 };
  if (red[red.length - 1] - red[0] + 1 === red.length) {
    return { input: x.name, outer: prod(dims.slice(0, red[0])), len: prod(red.map((k) => dims[k])), inner: prod(dims.slice(red[red.length - 1] + 1)) };
  }
  if (dims.length > ELT_RANK) ctx.fail(node, `reducing non-adjacent axes of a rank-${dims.length} tensor (transpose supports rank ${ELT_RANK})`);
  const kept = dims.map((_, k) => k).filter((k) => !red.includes(k));
  const perm = [...kept, ...red];
  const t = ctx.temp(`${name}_t`, perm.map((k) => dims[k]), x.format);
  const pad = ELT_RANK - dims.length;
  ctx.add({
    kind: 'transpose', name: `${name}_t`, sources: sourcesOf(node), inputs: [x.name], output: t.name,
    inShape: padShape(dims, ELT_RANK), perm: [...Array.from({ length: pad }, (_, i) => i), ...perm.map((a) => a + pad)],
  });
  return { input: t.name, outer: prod(kept.map((k) => dims[k])), len: prod(red.map((k) => dims[k])), inner: 1 };
}

/** An unsigned format holding raws up to `bound` at `frac` fraction bits. */
function unsignedFor(bound: number, frac: number): FixedFormat {
  const bits = Math.max(1, Math.ceil(Math.log2(bound + 1)));
  return fixed(bits, bits - frac, { signed: false });
}

/** The exact accumulator of a lowered kind, or undefined when it would pass the simulator's 52 bits. */
function accFor(kind: ReduceLayer['mode'], x: FixedFormat, len: number): FixedFormat {
  const m = maxAbsRaw(x);
  if (kind === 'sum' || kind === 'mean') return sumFormat(x, len);
  if (kind === 'l1') return unsignedFor(m * len, fracBits(x));
  if (kind === 'l2' || kind === 'sumsq') return unsignedFor(m * m * len, 2 * fracBits(x));
  return x;
}

export function lowerReduceLayer(node: Node, ctx: LowerContext, mode: ReduceLayer['mode'], xName: string, axes: readonly number[], selectLast = false): void {
  const x = ctx.input(xName);
  const name = ctx.layerName(node);
  const v = viewFor(node, ctx, name, xName, axes);
  const acc = accFor(mode, x.format, v.len);
  if (acc.width > MAX_ACC_WIDTH) ctx.fail(node, `the exact ${mode} of ${v.len} values needs a ${acc.width}-bit accumulator (at most ${MAX_ACC_WIDTH})`);
  const isArg = mode === 'argmax' || mode === 'argmin';
  const idxBits = Math.max(1, Math.ceil(Math.log2(v.len)));
  const outFormat = isArg ? fixed(idxBits, idxBits, { signed: false }) : mode === 'max' || mode === 'min' ? x.format : undefined;
  const out = ctx.output(node.outputs[0], outFormat);
  const layer: ReduceLayer = {
    kind: 'reduce', mode, name, sources: sourcesOf(node), inputs: [v.input], output: out.name,
    outer: v.outer, len: v.len, inner: v.inner, acc,
    ...(mode === 'mean' ? { recip: fixed(recipFracBits(x.format.width, v.len) + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' }) } : {}),
    ...(isArg ? { selectLast } : {}),
  };
  ctx.add(layer);
}

function reduceOp<Op extends string>(op: Op, kind: ReduceKind, inputSince: number): OpDef<ReduceParams, Op> {
  const lowered = kind === 'logsumexp' || kind === 'prod' ? null : kind;
  return {
    op,
    family: 'reduce',
    arity: { inputs: [1, 2], outputs: [1, 1] },
    constantInputs: [1],
    parse: (node, ins, opset) => parseReduce(node, ins, opset, inputSince),
    infer: (_n, p, ins) => [{ shape: reducedShape(ins[0]!.shape, p.axes, p.keepdims), dtype: ins[0]!.dtype }],
    evaluate: (_n, p, ins) => [evaluateReduce(kind, p, ins[0]!)],
    lower: lowered
      ? (node, p, ctx) => lowerReduceLayer(node, ctx, lowered, node.inputs[0], p.axes)
      : undefined,
  };
}

export const ReduceSumOp = reduceOp('ReduceSum', 'sum', 13);
export const ReduceMeanOp = reduceOp('ReduceMean', 'mean', 18);
export const ReduceMaxOp = reduceOp('ReduceMax', 'max', 18);
export const ReduceMinOp = reduceOp('ReduceMin', 'min', 18);
export const ReduceL1Op = reduceOp('ReduceL1', 'l1', 18);
export const ReduceL2Op = reduceOp('ReduceL2', 'l2', 18);
export const ReduceSumSquareOp = reduceOp('ReduceSumSquare', 'sumsq', 18);
/** Float reference and constant folding only: exp/log and whole-axis products have no exact fixed-point lowering. */
export const ReduceLogSumExpOp = reduceOp('ReduceLogSumExp', 'logsumexp', 18);
export const ReduceProdOp = reduceOp('ReduceProd', 'prod', 18);

function argOp<Op extends string>(op: Op, isMax: boolean): OpDef<ArgParams, Op> {
  return {
    op,
    family: 'reduce',
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse(node, ins) {
      const x = ins[0];
      if (!x) bad(node, 'missing input');
      if (x.shape.some((d) => d === 0)) bad(node, 'empty tensors are not supported');
      return { axis: normAxis(node, attrInt(node, 'axis', 0), x.shape.length), keepdims: attrInt(node, 'keepdims', 1) !== 0, selectLast: attrInt(node, 'select_last_index', 0) === 1 };
    },
    infer: (_n, p, ins) => [{ shape: reducedShape(ins[0]!.shape, [p.axis], p.keepdims), dtype: 'int64' }],
    evaluate(_n, p, ins) {
      const x = ins[0]!;
      const len = x.shape[p.axis];
      const inner = x.shape.slice(p.axis + 1).reduce((a, d) => a * d, 1);
      const outer = x.data.length / (len * inner);
      const out = new Float64Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          let best = 0;
          for (let k = 1; k < len; k++) {
            const v = x.data[(o * len + k) * inner + i];
            const b = x.data[(o * len + best) * inner + i];
            if (isMax ? v > b || (p.selectLast && v === b) : v < b || (p.selectLast && v === b)) best = k;
          }
          out[o * inner + i] = best;
        }
      }
      return [tensor(reducedShape(x.shape, [p.axis], p.keepdims), out, 'int64')];
    },
    lower: (node, p, ctx) => lowerReduceLayer(node, ctx, isMax ? 'argmax' : 'argmin', node.inputs[0], [p.axis], p.selectLast),
  };
}

export const ArgMaxOp = argOp('ArgMax', true);
export const ArgMinOp = argOp('ArgMin', false);
