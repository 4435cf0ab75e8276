/**
 * @fileoverview Conv (1-D and 2-D, any group, strides, pads, auto_pad, dilations), with an optional fused
 * activation that the fusion pass attaches (params.act). Lowers to a `conv2d` layer.
 */
import { CHANNELS_LAST_DOMAINS, channelsLastUpgrade } from './channels-last.js';
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrInt, attrInts } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { fixed, type FixedFormat } from '../../sim/fixed.js';
import type { LowerContext } from '../quant/context.js';
import { earlierParams, type InputInfo, type OpDef } from './types.js';
import { as4d, checkOneSample, outShape, resolveWindow, type Window2d } from './window.js';
import { macFormats } from '../quant/acc.js';
import { applyFloatAct, lowerAct, type FloatAct } from './act.js';
import { conv3dShape, depthColumns, evaluateConv3d, parseConv3d, slabPlan, slabRows } from './conv3d.js';
import type { AxisWindow } from './pool3d.js';

export interface ConvParams {
  readonly win: Window2d;
  readonly group: number;
  readonly inRank: number;
  readonly act: FloatAct;
  /** 3-D Conv only: the depth axis (win is then the (H, W) window; lowering in src/ops/conv3d.ts). */
  readonly depth?: AxisWindow;
}

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

export function parseConv(node: Node, ins: readonly (InputInfo | undefined)[], existing?: ConvParams): ConvParams {
  const x = ins[0];
  const w = ins[1];
  if (!x || !w) bad(node, 'Conv needs an input and a weight');
  if (x.shape.length < 3 || x.shape.length > 5) bad(node, `input of rank ${x.shape.length}: only 1-D, 2-D and 3-D convolutions are supported`);
  if (w.shape.length !== x.shape.length) bad(node, `weight rank ${w.shape.length} does not match input rank ${x.shape.length}`);
  const group = attrInt(node, 'group', 1);
  const c = x.shape[1];
  if (c % group !== 0 || w.shape[0] % group !== 0) bad(node, `group ${group} does not divide the channels (${c} in, ${w.shape[0]} out)`);
  if (w.shape[1] * group !== c) bad(node, `weight has ${w.shape[1]} input channels per group, input has ${c} channels in ${group} groups`);
  const b = ins[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[0])) bad(node, `bias of shape [${b.shape}] does not match the ${w.shape[0]} output channels`);
  const kernel = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
  if (kernel.some((k, i) => k !== w.shape[2 + i])) bad(node, `kernel_shape [${kernel}] does not match the weight shape [${w.shape}]`);
  if (x.shape.length === 5) {
    const { depth, win } = parseConv3d(node, x.shape, kernel);
    return { win, group, inRank: 5, act: existing?.act ?? { kind: 'none' }, depth };
  }
  const win = resolveWindow(node, x.shape.slice(2), kernel, false);
  return { win, group, inRank: x.shape.length, act: existing?.act ?? { kind: 'none' } };
}

export function inferConv(_n: Node, p: ConvParams, ins: readonly (InputInfo | undefined)[]) {
  const x = ins[0]!;
  if (p.depth) return [{ shape: conv3dShape(x.shape[0], ins[1]!.shape[0], p.depth, p.win), dtype: x.dtype }];
  return [{ shape: outShape(p.inRank, x.shape[0], ins[1]!.shape[0], p.win), dtype: x.dtype }];
}

/** Float reference: direct convolution in float64. */
export function evaluateConv(_n: Node, p: ConvParams, ins: readonly (Tensor | undefined)[]): Tensor[] {
  const [x, w, b] = ins as [Tensor, Tensor, Tensor | undefined];
  if (p.depth) return [evaluateConv3d(p.depth, p.win, p.group, p.act, x, w, b)];
  const [n, c, h, wd] = as4d(x.shape);
  const oc = w.shape[0];
  const { kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = p.win;
  const cpg = c / p.group;
  const opg = oc / p.group;
  const out = new Float64Array(n * oc * oh * ow);
  for (let b0 = 0; b0 < n; b0++)
    for (let o = 0; o < oc; o++) {
      const g = Math.floor(o / opg);
      for (let y = 0; y < oh; y++)
        for (let xo = 0; xo < ow; xo++) {
          let s = b ? b.data[o] : 0;
          for (let ci = 0; ci < cpg; ci++) {
            const cin = g * cpg + ci;
            for (let ky = 0; ky < kh; ky++) {
              const iy = y * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = xo * sw - pl + kx * dw;
                if (ix < 0 || ix >= wd) continue;
                s += x.data[((b0 * c + cin) * h + iy) * wd + ix] * w.data[((o * cpg + ci) * kh + ky) * kw + kx];
              }
            }
          }
          out[((b0 * oc + o) * oh + y) * ow + xo] = applyFloatAct(s, p.act);
        }
    }
  return [tensor(outShape(p.inRank, n, oc, p.win), out, x.dtype)];
}

export const ConvOp: OpDef<ConvParams, 'Conv'> = {
  op: 'Conv',
  family: 'conv',
  arity: { inputs: [2, 3], outputs: [1, 1] },
  parse: (node, ins) => parseConv(node, ins, earlierParams(node, ConvOp)),
  infer: inferConv,
  evaluate: evaluateConv,
  // One multiply-add per output element and weight of its output channel.
  foldCost: (_p, ins, outs) => numel(outs[0].shape) * (numel(ins[1]!.shape) / Math.max(1, ins[1]!.shape[0])),
  constantInputs: [1, 2],
  // QONNX's channels-last Conv: the standard Conv between Transposes (src/ops/channels-last.ts).
  domains: CHANNELS_LAST_DOMAINS,
  upgrade: channelsLastUpgrade([0, 1]),
  unsupported: [
    { variant: 'channels-last (QONNX) Conv of a 3-D image ([N, D, H, W, C])', reason: 'QONNX defines channels-last Conv for 1-D and 2-D data only', diagnostic: /channels-last Conv takes a 3-D or 4-D input/ },
    { variant: '3-D Conv with output depth × kernel depth above 256', reason: 'a 3-D Conv is one conv2d over depth columns (src/ops/conv3d.ts), whose column tensor holds that many depth slices of the input', diagnostic: /depth taps/ },
  ],
  lower(node, p, ctx) {
    checkOneSample(node, ctx.shape(node.inputs[0]));
    if (p.depth) return lowerConv3d(node, p, p.depth, ctx);
    const { x, out, base, weight, bias, acc, shift } = lowerMacNode(node, ctx, (xs, wT) => [wT.shape[0], as4d(xs)[1] / p.group, p.win.kh, p.win.kw]);
    const [, c, h, w] = as4d(x.shape);
    const oc = weight.shape[0];
    const { kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = p.win;
    ctx.add({
      kind: 'conv2d', name: base, sources: sourcesOf(node), inputs: [x.name], output: out.name,
      c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group: p.group, weight, bias, acc,
      act: lowerAct(p.act, out.format), ...(shift ? { shift } : {}),
    });
  },
};

/**
 * 3-D Conv as one conv2d over depth columns stacked in row slabs, its weights ONNX's own (src/ops/conv3d.ts): one
 * exact accumulation and one cast per output.
 */
function lowerConv3d(node: Node, p: ConvParams, depth: AxisWindow, ctx: LowerContext): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const base = ctx.layerName(node);
  const [, C, , H, W] = x.shape;
  const wT = ctx.constant(node.inputs[1])!;
  const bT = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const oc = wT.shape[0];
  const { kh, kw, sh, sw, dh, dw, pt, pl, ow } = p.win;
  const plan = slabPlan(x.shape, depth, p.win);
  const cols = plan.direct ? x : depthColumns(ctx, node, base, x, depth, p.win, plan.hs);
  const { weight, bias, acc, shift } = lowerMacConstants(ctx, base, [oc, (C / p.group) * depth.k, kh, kw], wT, bT, x.format);
  const y = plan.direct ? out : ctx.temp(`${base}_y`, [1, oc, plan.rows, ow], out.format);
  ctx.add({
    kind: 'conv2d', name: base, sources: sourcesOf(node), inputs: [cols.name], output: y.name,
    c: C * depth.k, h: plan.direct ? H : depth.o * plan.hs, w: W, oc, oh: plan.rows, ow, kh, kw, sh, sw, pt: plan.direct ? pt : 0, pl, dh, dw,
    group: p.group, weight, bias, acc, act: lowerAct(p.act, out.format), ...(shift ? { shift } : {}),
  });
  if (!plan.direct) slabRows(ctx, node, base, y, out, depth, p.win, plan);
}

/**
 * A multiply-accumulate node (Conv, Gemm/MatMul with a constant weight: X, W, optional B) lowered up to its layer:
 * the input and output tensors, the layer name, and the constants and accumulator (lowerMacConstants), the weight
 * stored in the shape `weightShape` gives from X's shape and W.
 */
export function lowerMacNode(node: Node, ctx: LowerContext, weightShape: (xShape: readonly number[], wT: Tensor) => readonly number[]) {
  const x = ctx.input(node.inputs[0]);
  const wT = ctx.constant(node.inputs[1])!;
  const bT = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const out = ctx.output(node.outputs[0]);
  const base = ctx.layerName(node);
  return { x, out, base, ...lowerMacConstants(ctx, base, weightShape(x.shape, wT), wT, bT, x.format) };
}

/**
 * Weights and bias of a multiply-accumulate layer (Conv, Dense) as design constants, and the accumulator that holds
 * their exact sum: formats from the options or calibration (macFormats), the weight stored in `shape`.
 */
function lowerMacConstants(ctx: LowerContext, base: string, shape: readonly number[], wT: Tensor, bT: Tensor | undefined, x: FixedFormat) {
  const outputs = shape[0];
  const per = wT.data.length / outputs;
  // Calibrated designs give each output channel its own precision where that helps: a channel whose weights are
  // 2^k times smaller than the largest is stored scaled by 2^k (same format, k more significant bits) and its
  // accumulator shifted back exactly. Without calibration, or when no channel gains a bit, nothing changes.
  const k = ctx.opts.constantsFromValues && ctx.opts.perChannel !== false ? channelShifts(wT.data, outputs, per) : undefined;
  const w = k ? wT.data.map((v, i) => v * 2 ** k[Math.floor(i / per)]) : wT.data;
  const b = k && bT ? bT.data.map((v, o) => v * 2 ** k[o]) : bT?.data;
  const f = macFormats(ctx.opts, w, b, x, per);
  const bias = b ? ctx.constData(`${base}_b`, [outputs], b, f.bias!) : null;
  const shift = k ? {
    k: ctx.rawData(`${base}_sh`, [outputs], k, fixed(6, 6, { signed: false })),
    accs: fixed(f.acc.width + k.reduce((a, b) => Math.max(a, b), 0), f.acc.int, { signed: true }),
  } : undefined;
  return {
    weight: ctx.rawData(`${base}_w`, shape, f.weightRaws, f.weight),
    // A shifted layer always has a bias array (zeros if the model has none): the kernel's shifted form takes one.
    bias: bias ?? (shift ? ctx.rawData(`${base}_b`, [outputs], new Array(outputs).fill(0), fixed(2, 2)) : null),
    acc: f.acc,
    ...(shift ? { shift } : {}),
  };
}

/** Per-channel gains k[o] = floor(log2(max|w| / max|w_o|)) (capped at 16), or undefined when all are 0. */
export function channelShifts(w: ArrayLike<number>, outputs: number, per: number): number[] | undefined {
  const maxOf = (o: number) => { let m = 0; for (let i = o * per; i < (o + 1) * per; i++) m = Math.max(m, Math.abs(w[i])); return m; };
  const maxes = Array.from({ length: outputs }, (_, o) => maxOf(o));
  const top = maxes.reduce((a, b) => Math.max(a, b), -Infinity); // no spread: a layer may have 10^5+ outputs
  if (!(top > 0)) return undefined;
  const k = maxes.map((m) => (m > 0 ? Math.min(16, Math.floor(Math.log2(top / m))) : 0));
  return k.some((v) => v > 0) ? k : undefined;
}
