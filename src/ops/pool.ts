/**
 * @fileoverview MaxPool, AveragePool (count_include_pad both ways, ceil_mode), GlobalAveragePool,
 * GlobalMaxPool; 1-D and 2-D. Lower to a `pool2d` layer.
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { fixed } from '../../sim/fixed.js';
import type { InputInfo, OpDef } from './types.js';
import { as4d, checkOneSample, outShape, resolveWindow, type Window2d } from './window.js';
import { sumFormat } from '../quant/acc.js';

export interface PoolParams {
  readonly mode: 'max' | 'avg';
  readonly win: Window2d;
  readonly countIncludePad: boolean;
  readonly inRank: number;
}

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

function checkRank(node: Node, x: InputInfo | undefined): InputInfo {
  if (!x) bad(node, 'missing input');
  if (x.shape.length !== 3 && x.shape.length !== 4) bad(node, `input of rank ${x.shape.length}: only 1-D and 2-D pooling is supported`);
  return x;
}

function evaluatePool(p: PoolParams, x: Tensor): Tensor {
  const [n, c, h, w] = as4d(x.shape);
  const { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow } = p.win;
  const out = new Float64Array(n * c * oh * ow);
  for (let i = 0; i < n * c; i++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++) {
        let acc = p.mode === 'max' ? -Infinity : 0;
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
            if (p.mode === 'max') acc = Math.max(acc, v);
            else acc += v;
            count++;
          }
        }
        out[(i * oh + y) * ow + xo] = p.mode === 'max' ? acc : acc / (p.countIncludePad ? padded : count);
      }
  return tensor(outShape(p.inRank, n, c, p.win), out, x.dtype);
}

function lowerPool(node: Node, p: PoolParams, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): void {
  checkOneSample(node, ctx.shape(node.inputs[0]));
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0], p.mode === 'max' ? x.format : undefined);
  const [, c, h, w] = as4d(x.shape);
  const { kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh, ow } = p.win;
  // ceil_mode windows that run past the declared pads would count taps the reference does not: refuse.
  const overrunH = (oh - 1) * sh + (kh - 1) * dh + 1 > h + pt + pb;
  const overrunW = (ow - 1) * sw + (kw - 1) * dw + 1 > w + pl + pr;
  if (p.mode === 'avg' && p.countIncludePad && (overrunH || overrunW)) bad(node, 'count_include_pad with ceil_mode windows past the pads is not supported');
  const taps = kh * kw;
  // 1/count keeps ~17 significant bits: 17 fraction bits plus one per halving of the smallest reciprocal.
  const recipFrac = 17 + Math.ceil(Math.log2(taps));
  ctx.add({
    kind: 'pool2d', mode: p.mode, name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name,
    c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, countIncludePad: p.countIncludePad,
    acc: sumFormat(x.format, taps), recip: fixed(recipFrac + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' }),
  });
}

function windowPool(op: string, mode: 'max' | 'avg'): OpDef<PoolParams> {
  return {
    op,
    family: 'pool',
    arity: { inputs: [1, 1], outputs: [1, 2] },
    parse(node, ins) {
      const x = checkRank(node, ins[0]);
      const kernel = attrInts(node, 'kernel_shape');
      if (!kernel) bad(node, 'kernel_shape is required');
      if (node.outputs.length > 1 && node.outputs[1]) bad(node, 'the Indices output of MaxPool is not supported');
      if (attrInt(node, 'storage_order', 0) !== 0) bad(node, 'storage_order 1 is not supported');
      const win = resolveWindow(node, x.shape.slice(2), kernel, true);
      return { mode, win, countIncludePad: attrInt(node, 'count_include_pad', 0) === 1, inRank: x.shape.length };
    },
    infer: (_n, p, ins) => [{ shape: outShape(p.inRank, ins[0]!.shape[0], ins[0]!.shape[1], p.win), dtype: ins[0]!.dtype }],
    evaluate: (_n, p, ins) => [evaluatePool(p, ins[0]!)],
    foldCost: (p, ins, outs) => numel(ins[0]!.shape) + numel(outs[0].shape) * p.win.kh * p.win.kw,
    lower: lowerPool,
  };
}

function globalPool(op: string, mode: 'max' | 'avg'): OpDef<PoolParams> {
  return {
    op,
    family: 'pool',
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse(node, ins) {
      const x = checkRank(node, ins[0]);
      const [, , h, w] = as4d(x.shape);
      const win: Window2d = { kh: h, kw: w, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0, oh: 1, ow: 1 };
      return { mode, win, countIncludePad: false, inRank: x.shape.length };
    },
    infer: (_n, p, ins) => [{ shape: outShape(p.inRank, ins[0]!.shape[0], ins[0]!.shape[1], p.win), dtype: ins[0]!.dtype }],
    evaluate: (_n, p, ins) => [evaluatePool(p, ins[0]!)],
    foldCost: (p, ins, outs) => numel(ins[0]!.shape) + numel(outs[0].shape) * p.win.kh * p.win.kw,
    lower: lowerPool,
  };
}

export const MaxPoolOp = windowPool('MaxPool', 'max');
export const AveragePoolOp = windowPool('AveragePool', 'avg');
export const GlobalAveragePoolOp = globalPool('GlobalAveragePool', 'avg');
export const GlobalMaxPoolOp = globalPool('GlobalMaxPool', 'max');
