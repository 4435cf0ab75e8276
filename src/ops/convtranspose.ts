/**
 * @fileoverview ConvTranspose (1-D and 2-D, any group, strides, dilations, pads, auto_pad, output_padding,
 * output_shape; opsets 1, 11, 22 share one form), with an optional fused activation that the fusion pass attaches
 * (params.act). Lowers to a `convtranspose2d` layer; 3-D is refused (FPGAC003).
 *
 * Geometry per spatial axis (ONNX): the full output is s·(n − 1) + output_padding + (k − 1)·d + 1 positions;
 * pads crop it. With output_shape (or SAME_*, which asks for n·s) the total padding is full − out, split as ONNX
 * writes it: SAME_UPPER puts floor(total/2) at the start, the other modes put floor(total/2) at the end (floor as
 * in ONNX's Python reference, so a negative total from an output_shape larger than the full output adds positions
 * at the end, as ONNX's node test test_convtranspose_output_shape expects; ONNX Runtime refuses such models).
 * SAME_* asking for more than the full output (kernel extent below the stride) is refused: ONNX's text and ONNX
 * Runtime disagree on its size. A begin pad may be negative in general; the layer kind takes any integer.
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrInt, attrInts, attrString } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { fixed, fracBits, fromDouble, type FixedFormat } from '../../sim/fixed.js';
import type { LowerContext } from '../quant/context.js';
import { paramFormat, type QuantOptions } from '../quant/context.js';
import { macAccFormat, MAX_ACC_WIDTH } from '../quant/acc.js';
import { capFraction } from '../quant/range.js';
import { outputTapGroups } from '../../sim/kernels/convtranspose.js';
import { earlierParams, type InputInfo, type OpDef } from './types.js';
import { as4d, checkOneSample } from './window.js';
import { applyFloatAct, lowerAct, type FloatAct } from './act.js';
import { channelShifts } from './conv.js';

/** The transposed window in 2-D form (1-D: height 1). pt/pl are begin pads (may be negative), oh/ow the output. */
export interface TransposedWindow {
  readonly kh: number; readonly kw: number;
  readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number;
  readonly pt: number; readonly pl: number;
  readonly oh: number; readonly ow: number;
}

export interface ConvTransposeParams {
  readonly win: TransposedWindow;
  readonly group: number;
  readonly inRank: number;
  readonly act: FloatAct;
}

/** Sizes and pads beyond this are refused (no layer is that large). */
const MAX_EXTENT = 2 ** 24;

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

/** An ints attribute of `r` values (default `dflt` each), checked to be whole numbers in [min, MAX_EXTENT). */
function intsAttr(node: Node, name: string, r: number, dflt: number, min: number): number[] {
  const v = attrInts(node, name) ?? new Array(r).fill(dflt);
  if (v.length !== r) bad(node, `${name} has ${v.length} values, ${r} expected`);
  if (v.some((x) => !Number.isSafeInteger(x) || x < min || x >= MAX_EXTENT)) bad(node, `${name} [${v}] must be whole numbers in [${min}, ${MAX_EXTENT})`);
  return v;
}

/** Begin pad and output size of each spatial axis (see the file comment). */
function resolveTransposed(node: Node, spatial: readonly number[], kernel: readonly number[]): { begin: number[]; out: number[]; strides: number[]; dil: number[] } {
  const r = spatial.length;
  const strides = intsAttr(node, 'strides', r, 1, 1);
  const dil = intsAttr(node, 'dilations', r, 1, 1);
  const outPad = intsAttr(node, 'output_padding', r, 0, 0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) bad(node, `auto_pad '${autoPad}' is not an ONNX value`);
  const full = spatial.map((n, i) => strides[i] * (n - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1);
  const shape = attrInts(node, 'output_shape');
  // ONNX's shape inference (and ONNX Runtime) take the spatial sizes only.
  if (shape && shape.length !== r) bad(node, `output_shape has ${shape.length} values for ${r} spatial dims`);
  if (shape && shape.some((v) => !Number.isSafeInteger(v) || v < 1 || v >= MAX_EXTENT)) bad(node, `output_shape [${shape}] must be positive sizes`);
  let target: number[] | undefined = shape;
  if (!target && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) target = spatial.map((n, i) => n * strides[i]);
  if (!shape && target && target.some((o, i) => o > full[i])) {
    // n·s exceeds the full output when the kernel extent plus output_padding is below the stride: the ONNX text
    // then asks for n·s positions, ONNX Runtime gives the full size; refused rather than picking one.
    bad(node, `${autoPad} asks for [${target}] positions, more than the full transposed output [${full}] (kernel extent below the stride): ONNX and ONNX Runtime disagree on this size`);
  }
  if (target) {
    const begin = target.map((o, i) => {
      const total = full[i] - o;
      const half = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? half : total - half;
    });
    return { begin, out: target, strides, dil };
  }
  if (autoPad === 'VALID') return { begin: new Array(r).fill(0), out: full, strides, dil };
  const pads = intsAttr(node, 'pads', 2 * r, 0, 0);
  const out = full.map((f, i) => f - pads[i] - pads[r + i]);
  if (out.some((o) => o < 1)) bad(node, `pads [${pads}] leave no output (full transposed size [${full}])`);
  return { begin: pads.slice(0, r), out, strides, dil };
}

export function parseConvTranspose(node: Node, ins: readonly (InputInfo | undefined)[], existing?: ConvTransposeParams): ConvTransposeParams {
  const x = ins[0];
  const w = ins[1];
  if (!x || !w) bad(node, 'ConvTranspose needs an input and a weight');
  if (x.shape.length === 5) bad(node, '3-D transposed convolutions are not supported (1-D and 2-D are)');
  if (x.shape.length !== 3 && x.shape.length !== 4) bad(node, `input of rank ${x.shape.length}: only 1-D and 2-D transposed convolutions are supported`);
  if (w.shape.length !== x.shape.length) bad(node, `weight rank ${w.shape.length} does not match input rank ${x.shape.length}`);
  const group = attrInt(node, 'group', 1);
  const c = x.shape[1];
  if (!(Number.isSafeInteger(group) && group >= 1) || c % group !== 0) bad(node, `group ${group} does not divide the ${c} input channels`);
  if (w.shape[0] !== c) bad(node, `weight has ${w.shape[0]} input channels, the input ${c} (ConvTranspose weights are [C_in, C_out/group, k...])`);
  const oc = w.shape[1] * group;
  const b = ins[2];
  if (b && (b.shape.length !== 1 || b.shape[0] !== oc)) bad(node, `bias of shape [${b.shape}] does not match the ${oc} output channels`);
  const kernel = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
  if (kernel.length !== x.shape.length - 2 || kernel.some((k, i) => k !== w.shape[2 + i])) bad(node, `kernel_shape [${kernel}] does not match the weight shape [${w.shape}]`);
  const { begin, out, strides, dil } = resolveTransposed(node, x.shape.slice(2), kernel);
  const win: TransposedWindow = x.shape.length === 3
    ? { kh: 1, kw: kernel[0], sh: 1, sw: strides[0], dh: 1, dw: dil[0], pt: 0, pl: begin[0], oh: 1, ow: out[0] }
    : { kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1], dh: dil[0], dw: dil[1], pt: begin[0], pl: begin[1], oh: out[0], ow: out[1] };
  return { win, group, inRank: x.shape.length, act: existing?.act ?? { kind: 'none' } };
}

function outShapeOf(p: ConvTransposeParams, n: number, oc: number): number[] {
  return p.inRank === 3 ? [n, oc, p.win.ow] : [n, oc, p.win.oh, p.win.ow];
}

/**
 * Float reference, written as ONNX defines the op (scatter): every input pixel times every weight lands on output
 * (iy·sh − pt + ky·dh, ix·sw − pl + kx·dw) when that lies in the output; then bias and the fused activation.
 */
export function evaluateConvTranspose(_n: Node, p: ConvTransposeParams, ins: readonly (Tensor | undefined)[]): Tensor[] {
  const [x, w, b] = ins as [Tensor, Tensor, Tensor | undefined];
  const [n, c, h, wd] = as4d(x.shape);
  const { kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = p.win;
  const cpg = c / p.group;
  const opg = w.shape[1];
  const oc = opg * p.group;
  const out = new Float64Array(n * oc * oh * ow);
  for (let s = 0; s < n; s++) {
    for (let ci = 0; ci < c; ci++) {
      const g = Math.floor(ci / cpg);
      for (let og = 0; og < opg; og++) {
        const o = g * opg + og;
        const ob = (s * oc + o) * oh * ow;
        for (let iy = 0; iy < h; iy++) {
          for (let ix = 0; ix < wd; ix++) {
            const xv = x.data[((s * c + ci) * h + iy) * wd + ix];
            for (let ky = 0; ky < kh; ky++) {
              const y = iy * sh - pt + ky * dh;
              if (y < 0 || y >= oh) continue;
              for (let kx = 0; kx < kw; kx++) {
                const xo = ix * sw - pl + kx * dw;
                if (xo < 0 || xo >= ow) continue;
                out[ob + y * ow + xo] += xv * w.data[((ci * opg + og) * kh + ky) * kw + kx];
              }
            }
          }
        }
      }
    }
    for (let o = 0; o < oc; o++) {
      const ob = (s * oc + o) * oh * ow;
      for (let i = 0; i < oh * ow; i++) out[ob + i] = applyFloatAct(out[ob + i] + (b ? b.data[o] : 0), p.act);
    }
  }
  return [tensor(outShapeOf(p, n, oc), out, x.dtype)];
}

/** ONNX's weight [c][oc/group][kh][kw] as [oc][c/group][kh][kw]: each output channel's weights contiguous. */
export function transposeWeight(w: ArrayLike<number>, c: number, group: number, opg: number, taps: number): number[] {
  const cpg = c / group;
  const out = new Array<number>(c * opg * taps);
  for (let ci = 0; ci < c; ci++) {
    const g = Math.floor(ci / cpg);
    for (let og = 0; og < opg; og++) {
      const o = g * opg + og;
      for (let t = 0; t < taps; t++) out[(o * cpg + (ci - g * cpg)) * taps + t] = w[(ci * opg + og) * taps + t];
    }
  }
  return out;
}

/**
 * Weight and bias formats and the exact accumulator, as macFormats (src/quant/acc.ts) but bounded per output
 * channel and tap phase: one output only meets the taps of its phase (ceil(kh/sh)·ceil(kw/sw)·c/group of them at
 * most), so the accumulator is sized over those groups (`groups`: flat weight indices) rather than over all of a
 * channel's weights, which would cost up to log2(sh·sw) needless bits.
 */
function transposedMacFormats(opts: QuantOptions, w: readonly number[], b: readonly number[] | undefined, x: FixedFormat, oc: number, groups: readonly (readonly number[])[]) {
  let wf = paramFormat(opts, 'weight', w);
  const per = groups.length / oc;
  for (;;) {
    const bf = b ? paramFormat(opts, 'bias', b, fracBits(wf) + fracBits(x)) : null;
    const raws = w.map((v) => fromDouble(v, wf));
    const biasRaws = b && bf ? groups.map((_, i) => fromDouble(b[Math.floor(i / per)], bf)) : null;
    const acc = macAccFormat(groups.map((g) => g.map((i) => raws[i])), wf, x, biasRaws, bf);
    if (acc.width <= MAX_ACC_WIDTH || !opts.constantsFromValues || wf.int > wf.width + 64) return { weight: wf, bias: bf, acc };
    wf = capFraction(wf, fracBits(wf) - (acc.width - MAX_ACC_WIDTH));
  }
}

function lowerConvTranspose(node: Node, p: ConvTransposeParams, ctx: LowerContext): void {
  checkOneSample(node, ctx.shape(node.inputs[0]));
  const x = ctx.input(node.inputs[0]);
  const wT = ctx.constant(node.inputs[1])!;
  const bT = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  const out = ctx.output(node.outputs[0]);
  const base = ctx.layerName(node);
  const [, c, h, w] = as4d(x.shape);
  const { kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = p.win;
  const opg = wT.shape[1];
  const oc = opg * p.group;
  const per = (c / p.group) * kh * kw;
  const wt = transposeWeight(wT.data, c, p.group, opg, kh * kw);
  // Per-output-channel precision (ChannelShift), as Conv: a channel whose weights are 2^k times smaller than the
  // largest is stored scaled by 2^k and its accumulator shifted back exactly.
  const k = ctx.opts.constantsFromValues && ctx.opts.perChannel !== false ? channelShifts(wt, oc, per) : undefined;
  const ws = k ? wt.map((v, i) => v * 2 ** k[Math.floor(i / per)]) : wt;
  const bs = bT ? Array.from(bT.data, (v, o) => v * 2 ** (k ? k[o] : 0)) : undefined;
  const groups = outputTapGroups({ c, oc, group: p.group, kh, kw, sh, sw, dh, dw });
  const f = transposedMacFormats(ctx.opts, ws, bs, x.format, oc, groups);
  const shift = k ? {
    k: ctx.rawData(`${base}_sh`, [oc], k, fixed(6, 6, { signed: false })),
    accs: fixed(f.acc.width + Math.max(...k), f.acc.int, { signed: true }),
  } : undefined;
  const bias = bs && f.bias ? ctx.constData(`${base}_b`, [oc], bs, f.bias) : shift ? ctx.rawData(`${base}_b`, [oc], new Array(oc).fill(0), fixed(2, 2)) : null;
  ctx.add({
    kind: 'convtranspose2d', name: base, sources: sourcesOf(node), inputs: [x.name], output: out.name,
    c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group: p.group,
    weight: ctx.constData(`${base}_w`, [oc, c / p.group, kh, kw], ws, f.weight), bias, acc: f.acc,
    act: lowerAct(p.act, out.format), ...(shift ? { shift } : {}),
  });
}

export const ConvTransposeOp: OpDef<ConvTransposeParams, 'ConvTranspose'> = {
  op: 'ConvTranspose',
  family: 'convtranspose',
  unsupported: [{ variant: '3-D (volumetric) transposed convolution', reason: 'no 3-D convolution kernel yet (1-D and 2-D are built)', diagnostic: /3-D transposed convolutions are not supported/ }],
  arity: { inputs: [2, 3], outputs: [1, 1] },
  parse: (node, ins) => parseConvTranspose(node, ins, earlierParams(node, ConvTransposeOp)),
  infer: (_n, p, ins) => [{ shape: outShapeOf(p, ins[0]!.shape[0], ins[1]!.shape[1] * p.group), dtype: ins[0]!.dtype }],
  evaluate: evaluateConvTranspose,
  // One multiply-add per input element and weight of its group.
  foldCost: (_p, ins) => numel(ins[0]!.shape) * (numel(ins[1]!.shape) / Math.max(1, ins[1]!.shape[0])),
  constantInputs: [1, 2],
  lower: lowerConvTranspose,
};
