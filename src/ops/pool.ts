/**
 * @fileoverview MaxPool, AveragePool (count_include_pad both ways, ceil_mode), GlobalAveragePool,
 * GlobalMaxPool; 1-D and 2-D lower to a `pool2d` layer, 3-D to two (ops/pool3d.ts).
 */
import { CHANNELS_LAST_DOMAINS, channelsLastUpgrade } from './channels-last.js';
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { fixed } from '../../sim/fixed.js';
import type { InputInfo, OpDef } from './types.js';
import { as4d, checkOneSample, outShape, resolveWindow, type Window2d } from './window.js';
import { sumFormat } from '../quant/acc.js';
import type { DTensor } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import { evaluatePool3d, globalDepth, resolveWindow3d, type AxisWindow } from './pool3d.js';

export interface PoolParams {
  readonly mode: 'max' | 'avg';
  readonly win: Window2d;
  readonly countIncludePad: boolean;
  readonly inRank: number;
  /** 3-D pools (rank-5 input): the depth axis' window; `win` is then the (H, W) window. */
  readonly depth?: AxisWindow;
  /**
   * MaxPool's Indices output (1-D and 2-D; lowered to a pool2d argmax layer): flat input index of each window's
   * first largest tap, row-major (storageOrder 0) or with H and W swapped (1).
   */
  readonly indices?: { readonly storageOrder: 0 | 1 };
}

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

function checkRank(node: Node, x: InputInfo | undefined): InputInfo {
  if (!x) bad(node, 'missing input');
  if (x.shape.length < 3 || x.shape.length > 5) bad(node, `input of rank ${x.shape.length}: only 1-D, 2-D and 3-D pooling is supported`);
  return x;
}

function evaluatePool(p: PoolParams, x: Tensor): Tensor[] {
  const [n, c, h, w] = as4d(x.shape);
  const { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow } = p.win;
  const out = new Float64Array(n * c * oh * ow);
  const idx = p.indices ? new Float64Array(n * c * oh * ow) : null;
  for (let i = 0; i < n * c; i++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        let acc = p.mode === 'max' ? -Infinity : 0;
        let arg = -1;
        let count = 0;
        let padded = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - pt + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pl + kx * dw;
            // Taps in the declared pads count for count_include_pad; taps past them (ceil_mode) never do.
            if (iy >= -pt && iy < h + pb && ix >= -pl && ix < w + pr) padded++;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const v = x.data[(i * h + iy) * w + ix];
            if (p.mode === 'max') {
              if (v > acc || arg < 0) arg = p.indices?.storageOrder === 1 ? (i * w + ix) * h + iy : (i * h + iy) * w + ix;
              acc = Math.max(acc, v);
            } else acc += v;
            count++;
          }
        }
        out[(i * oh + y) * ow + xo] = p.mode === 'max' ? acc : acc / (p.countIncludePad ? padded : count);
        if (idx) idx[(i * oh + y) * ow + xo] = arg;
      }
  return [tensor(outShape(p.inRank, n, c, p.win), out, x.dtype), ...(idx ? [tensor(outShape(p.inRank, n, c, p.win), idx, 'int64')] : [])];
}

/**
 * Fraction bits of 1/count for an average over at most `taps` inputs of width `inWidth`. With r = 1/n rounded to
 * F = max(17, inWidth + 1) + ceil(log2 taps) fraction bits (|r − 1/n| ≤ 2^-(F+1)) and |x| ≤ 2^(I−1) for an input of
 * I integer bits, the product's error is |Σx|·|r − 1/n| ≤ n·2^(I−1)·2^-(F+1) ≤ 2^(I−inWidth−3): at most 1/8 of an
 * input LSB before the output's own rounding (so ≤ 1/2 output LSB + 1/8 input LSB in all). Inputs up to 16 bits keep
 * the historical 17 + ceil(log2 taps). Capped at 52 (a 53-bit recip_t, what a double converts exactly); the
 * product itself may be wider than 53 bits: ap_fixed forms it exactly and the simulator in BigInt.
 */
export function recipFracBits(inWidth: number, taps: number): number {
  return Math.min(52, Math.max(17, inWidth + 1) + Math.ceil(Math.log2(Math.max(taps, 1))));
}

/** One pool2d layer reading `x` as [c, h, w] and writing `out` (a view: any tensor of c·h·w values). */
function addPool2d(node: Node, ctx: LowerContext, name: string, mode: 'max' | 'avg' | 'argmax', x: DTensor, out: DTensor, chw: readonly [number, number, number], win: Window2d, countIncludePad: boolean, storageOrder: 0 | 1 = 0): void {
  const [c, h, w] = chw;
  const { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow } = win;
  // ceil_mode windows that run past the declared pads: count_include_pad counts only the taps inside the pads.
  const overrunH = (oh - 1) * sh + (kh - 1) * dh + 1 > h + pt + pb;
  const overrunW = (ow - 1) * sw + (kw - 1) * dw + 1 > w + pl + pr;
  const ends = mode === 'avg' && countIncludePad && (overrunH || overrunW) ? { pb, pr } : {};
  const taps = kh * kw;
  const recipFrac = recipFracBits(x.format.width, taps);
  ctx.add({
    kind: 'pool2d', mode, name, sources: sourcesOf(node), inputs: [x.name], output: out.name,
    c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, countIncludePad, ...ends, ...(mode === 'argmax' ? { storageOrder } : {}),
    acc: sumFormat(x.format, taps), recip: fixed(recipFrac + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' }),
  });
}

/**
 * 3-D: (H, W) over the [C·D, H, W] view into a temporary, then depth over the [C, D, OH·OW] view. Max: the
 * temporary keeps the input format (exact). Average: the temporary mean has 8 more fraction bits than the input and
 * output (whichever has more) and the input's integer bits (a mean stays in the input's range), so the result errs
 * by at most 1/2 output LSB + 1/8 input LSB (each reciprocal, recipFracBits) + 2^-(F+9) (the intermediate rounding).
 */
function lowerPool3d(node: Node, p: PoolParams, ctx: LowerContext, depth: AxisWindow): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0], p.mode === 'max' ? x.format : undefined);
  const [, c, d, h, w] = x.shape;
  const { oh, ow } = p.win;
  const f = x.format;
  const midFrac = Math.max(f.width - f.int, out.format.width - out.format.int) + 8;
  const midF = p.mode === 'max' ? f : fixed(f.int + midFrac, f.int, { signed: f.signed, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const name = ctx.layerName(node);
  const mid = ctx.temp(`${name}_hw`, [1, c * d, oh, ow], midF);
  addPool2d(node, ctx, `${name}_hw`, p.mode, x, mid, [c * d, h, w], p.win, p.countIncludePad);
  const dwin: Window2d = { kh: depth.k, kw: 1, sh: depth.s, sw: 1, dh: depth.d, dw: 1, pt: depth.b, pl: 0, pb: depth.e, pr: 0, oh: depth.o, ow: oh * ow };
  addPool2d(node, ctx, name, p.mode, mid, out, [c, d, oh * ow], dwin, p.countIncludePad);
}

function lowerPool(node: Node, p: PoolParams, ctx: LowerContext): void {
  checkOneSample(node, ctx.shape(node.inputs[0]));
  if (p.depth) return lowerPool3d(node, p, ctx, p.depth);
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0], p.mode === 'max' ? x.format : undefined);
  const [, c, h, w] = as4d(x.shape);
  const name = ctx.layerName(node);
  addPool2d(node, ctx, name, p.mode, x, out, [c, h, w], p.win, p.countIncludePad);
  if (p.indices) {
    // Indices: a second pool2d over the same input, the flat index as an unsigned integer (one sample: no N offset).
    const bits = Math.max(1, Math.ceil(Math.log2(c * h * w)));
    const idx = ctx.output(node.outputs[1], fixed(bits, bits, { signed: false }));
    addPool2d(node, ctx, `${name}_idx`, 'argmax', x, idx, [c, h, w], p.win, false, p.indices.storageOrder);
  }
}

/** Output shape in the input's rank (3-D: with the depth window's size). */
function poolShape(p: PoolParams, x: readonly number[]): number[] {
  return p.depth ? [x[0], x[1], p.depth.o, p.win.oh, p.win.ow] : outShape(p.inRank, x[0], x[1], p.win);
}

function evaluateAny(p: PoolParams, x: Tensor): Tensor[] {
  return p.depth ? [evaluatePool3d(p.mode, p.countIncludePad, p.depth, p.win, x)] : evaluatePool(p, x);
}

const taps = (p: PoolParams) => p.win.kh * p.win.kw * (p.depth?.k ?? 1);

function windowPool<Op extends string>(op: Op, mode: 'max' | 'avg'): OpDef<PoolParams, Op> {
  return {
    op,
    family: 'pool',
    arity: { inputs: [1, 1], outputs: [1, 2] },
    // QONNX's channels-last MaxPool/AveragePool: the standard pool between Transposes (src/ops/channels-last.ts).
    domains: CHANNELS_LAST_DOMAINS,
    upgrade: channelsLastUpgrade([0]),
    parse(node, ins) {
      const x = checkRank(node, ins[0]);
      const kernel = attrInts(node, 'kernel_shape');
      if (!kernel) bad(node, 'kernel_shape is required');
      const storageOrder = attrInt(node, 'storage_order', 0);
      if (storageOrder !== 0 && storageOrder !== 1) bad(node, `storage_order ${storageOrder} is not 0 or 1`);
      const indices = node.outputs.length > 1 && node.outputs[1] ? { indices: { storageOrder: storageOrder as 0 | 1 } } : {};
      if (indices.indices && x.shape.length === 5) bad(node, 'the Indices output of a 3-D MaxPool is not supported');
      const countIncludePad = attrInt(node, 'count_include_pad', 0) === 1;
      if (x.shape.length === 5) return { mode, countIncludePad, inRank: 5, ...resolveWindow3d(node, x.shape.slice(2), kernel) };
      const win = resolveWindow(node, x.shape.slice(2), kernel, true);
      return { mode, win, countIncludePad, inRank: x.shape.length, ...indices };
    },
    infer: (_n, p, ins) => [
      { shape: poolShape(p, ins[0]!.shape), dtype: ins[0]!.dtype },
      ...(p.indices ? [{ shape: poolShape(p, ins[0]!.shape), dtype: 'int64' as const }] : []),
    ],
    evaluate: (_n, p, ins) => evaluateAny(p, ins[0]!),
    foldCost: (p, ins, outs) => numel(ins[0]!.shape) + numel(outs[0].shape) * taps(p),
    lower: lowerPool,
  };
}

function globalPool<Op extends string>(op: Op, mode: 'max' | 'avg'): OpDef<PoolParams, Op> {
  return {
    op,
    family: 'pool',
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse(node, ins) {
      const x = checkRank(node, ins[0]);
      const [, , h, w] = x.shape.length === 5 ? x.shape.slice(1) : as4d(x.shape);
      const win: Window2d = { kh: h, kw: w, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, oh: 1, ow: 1 };
      return { mode, win, countIncludePad: false, inRank: x.shape.length, ...(x.shape.length === 5 ? { depth: globalDepth(x.shape[2]) } : {}) };
    },
    infer: (_n, p, ins) => [{ shape: poolShape(p, ins[0]!.shape), dtype: ins[0]!.dtype }],
    evaluate: (_n, p, ins) => evaluateAny(p, ins[0]!),
    foldCost: (p, ins, outs) => numel(ins[0]!.shape) + numel(outs[0].shape) * taps(p),
    lower: lowerPool,
  };
}

export const MaxPoolOp = windowPool('MaxPool', 'max');
export const AveragePoolOp = windowPool('AveragePool', 'avg');
export const GlobalAveragePoolOp = globalPool('GlobalAveragePool', 'avg');
export const GlobalMaxPoolOp = globalPool('GlobalMaxPool', 'max');
