/**
 * @fileoverview QLinearConv and QLinearMatMul (ONNX Runtime's integer operators). Float reference as ONNX Runtime
 * computes it: acc = Σ (x − x_zp)(w − w_zp) + B exactly, y = sat(rne(acc · m) + y_zp) with the float32
 * multiplier m = x_scale · w_scale / y_scale (per output channel when w_scale is). In hardware the integer grid is
 * kept exactly: the centred input and weights are integers, the convolution or product accumulates exactly, and a
 * requantization multiplies by m (24 significant bits) and rounds half to even into the output integer type.
 *
 *   QLinearConv(x, …, w, …, y_s, y_zp, B)  →  [x − x_zp] → conv2d(w − w_zp, B) → × m → [+ y_zp] → sat
 */
import type { Node, Tensor } from '../ir/graph.js';
import { numel, sourcesOf, tensor } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';
import type { DTensor } from '../ir/design.js';
import { fixed, fromDouble } from '../../sim/fixed.js';
import type { LowerContext } from '../quant/context.js';
import type { InputInfo, OpDef } from './types.js';
import { as4d, checkOneSample, type Window2d } from './window.js';
import { evaluateConv, inferConv, parseConv, type ConvParams } from './conv.js';
import { addConstEltwise } from './elementwise.js';
import { macAccFormat } from '../quant/acc.js';
import { roundHalfEven } from './quantize.js';

function bad(node: Node, message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message }]);
}

const RANGE: Record<string, [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

function rangeOf(node: Node, dtype: string): [number, number] {
  const r = RANGE[dtype];
  if (!r) bad(node, `${dtype} quantized tensors are not supported (int8 and uint8 are)`);
  return r;
}

/** ONNX Runtime's requantization multiplier per output channel, in float32. */
function multipliers(xs: number, ws: Float64Array, ys: number): Float64Array {
  return ws.map((w) => Math.fround(Math.fround(Math.fround(xs) * Math.fround(w)) / Math.fround(ys)));
}

function requantizeFloat(acc: Float64Array, perChannel: number, m: Float64Array, yzp: number, range: [number, number]): Float64Array {
  return acc.map((a, i) => {
    const q = roundHalfEven(Math.fround(a * m[m.length === 1 ? 0 : Math.floor(i / perChannel) % m.length])) + yzp;
    return q < range[0] ? range[0] : q > range[1] ? range[1] : q;
  });
}

const centred = (t: Tensor, zp: Tensor | undefined, axis0 = false): Tensor => {
  if (!zp) return t;
  const per = axis0 && zp.data.length > 1 ? t.data.length / t.shape[0] : t.data.length;
  return tensor(t.shape, t.data.map((v, i) => v - zp.data[zp.data.length > 1 ? Math.floor(i / per) : 0]), 'float64');
};

// ---- lowering helpers ---------------------------------------------------------------------------------------

const intFormat = (bits: number, signed = true, q: 'AP_TRN' | 'AP_RND_CONV' = 'AP_TRN', o: 'AP_WRAP' | 'AP_SAT' = 'AP_WRAP') => fixed(bits, bits, { signed, q, o });

/** The input with its zero point removed, as an exact integer tensor. */
function centredInput(node: Node, ctx: LowerContext, name: string, zp: number): DTensor {
  const x = ctx.input(name);
  if (zp === 0) return x;
  const c = ctx.temp(`${name}_centred`, x.shape, intFormat(x.format.width + 1));
  addConstEltwise(ctx, node, 'sub', x, ctx.rawData(`${ctx.layerName(node)}_xzp`, [], [zp], intFormat(32)), c);
  return c;
}

/** acc (exact integer tensor) × m per channel (axis `axis` of acc, or one m) → rne, + y_zp, saturated into y. */
function requantize(node: Node, ctx: LowerContext, acc: DTensor, m: Float64Array, axis: number, yzp: number, yRange: [number, number]): void {
  const maxM = m.reduce((a, b) => Math.max(a, b), -Infinity); // no spread: one value per output channel
  const mFormat = fixed(32, Math.floor(Math.log2(maxM)) + 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const mShape = m.length === 1 ? [] : acc.shape.map((d, i) => (i === axis ? d : 1));
  const mConst = ctx.rawData(`${ctx.layerName(node)}_m`, mShape, Array.from(m, (v) => fromDouble(v, mFormat)), mFormat);
  const yFormat = intFormat(8, yRange[0] < 0, 'AP_RND_CONV', 'AP_SAT');
  const out = ctx.output(node.outputs[0], yFormat);
  if (yzp === 0) return addConstEltwise(ctx, node, 'mul', acc, mConst, out);
  const wide = ctx.temp(`${node.outputs[0]}_rne`, acc.shape, intFormat(40, true, 'AP_RND_CONV', 'AP_SAT'));
  addConstEltwise(ctx, node, 'mul', acc, mConst, wide);
  addConstEltwise(ctx, node, 'add', wide, ctx.rawData(`${ctx.layerName(node)}_yzp`, [], [yzp], intFormat(32)), out);
}

function scalar(node: Node, ctx: LowerContext, name: string, what: string): number {
  const t = ctx.constant(name);
  if (!t || t.data.length !== 1) bad(node, `${what} must be a constant scalar`);
  return t.data[0];
}

// ---- QLinearConv ----------------------------------------------------------------------------------------------

interface QConvParams {
  readonly conv: ConvParams;
  readonly yRange: [number, number];
}

const convInfos = (ins: readonly (InputInfo | undefined)[]) => [ins[0], ins[3]];

/** Scales and zero points: one value, or (`perChannel`) one per output channel. */
function checkQuantParams(node: Node, ins: readonly (InputInfo | undefined)[], scalars: readonly number[], perChannel: readonly number[], channels: number): void {
  const numel = (i: number) => ins[i]!.shape.reduce((a, b) => a * b, 1);
  for (const i of scalars) if (ins[i] && numel(i) !== 1) bad(node, `input ${i} ('${node.inputs[i]}') must be a scalar, found shape [${ins[i]!.shape}]`);
  for (const i of perChannel) if (ins[i] && numel(i) !== 1 && numel(i) !== channels) bad(node, `input ${i} ('${node.inputs[i]}') must hold one value or one per output channel (${channels}), found shape [${ins[i]!.shape}]`);
}

export const QLinearConvOp: OpDef<QConvParams, 'QLinearConv'> = {
  op: 'QLinearConv',
  family: 'qlinear',
  since: 10,
  arity: { inputs: [8, 9], outputs: [1, 1] },
  parse(node, ins) {
    if (!ins[0] || !ins[3] || !ins[7]) bad(node, 'needs x, w and the output zero point');
    const conv = parseConv(node, convInfos(ins));
    const oc = ins[3].shape[0];
    checkQuantParams(node, ins, [1, 2, 6, 7], [4, 5], oc);
    const b = ins[8];
    if (b && (b.shape.length !== 1 || b.shape[0] !== oc)) bad(node, `bias of shape [${b.shape}] does not match the ${oc} output channels`);
    return { conv, yRange: rangeOf(node, ins[7].dtype) };
  },
  infer: (node, p, ins) => [{ shape: inferConv(node, p.conv, convInfos(ins))[0].shape, dtype: ins[7]!.dtype }],
  evaluate(node, p, ins) {
    const [x, xs, xzp, w, ws, wzp, ys, yzp, b] = ins;
    const acc = evaluateConv(node, { ...p.conv, act: { kind: 'none' } }, [centred(x!, xzp), centred(w!, wzp, true), b])[0];
    const m = multipliers(xs!.data[0], ws!.data, ys!.data[0]);
    const per = numel(acc.shape.slice(2));
    return [tensor(acc.shape, requantizeFloat(acc.data, per, m, yzp ? yzp.data[0] : 0, p.yRange), ins[7]!.dtype)];
  },
  constantInputs: [1, 2, 3, 4, 5, 6, 7, 8],
  lower(node, p, ctx) {
    const [xsN, xzpN, wN, wsN, wzpN, ysN, yzpN, bN] = node.inputs.slice(1);
    checkOneSample(node, ctx.shape(node.inputs[0]));
    const x = centredInput(node, ctx, node.inputs[0], scalar(node, ctx, xzpN, 'x_zero_point'));
    const w = ctx.constant(wN)!;
    const wzp = ctx.constant(wzpN)!;
    const oc = w.shape[0];
    const per = w.data.length / oc;
    const wc = w.data.map((v, i) => v - wzp.data[wzp.data.length > 1 ? Math.floor(i / per) : 0]);
    const wFormat = intFormat(9);
    const { kh, kw, sh, sw, dh, dw, pt, pl, oh, ow }: Window2d = p.conv.win;
    const [, c, h, wd] = as4d(x.shape);
    const name = ctx.layerName(node);
    const weight = ctx.rawData(`${name}_w`, [oc, c / p.conv.group, kh, kw], Array.from(wc), wFormat);
    const bias = bN ? ctx.rawData(`${name}_b`, [oc], Array.from(ctx.constant(bN)!.data), intFormat(32)) : null;
    const groups = Array.from({ length: oc }, (_, o) => weight.raw.slice(o * per, (o + 1) * per));
    const acc = macAccFormat(groups, wFormat, x.format, bias ? bias.raw : null, bias ? bias.format : null);
    const accT = ctx.temp(`${node.outputs[0]}_acc`, ctx.shape(node.outputs[0]), acc);
    ctx.add({
      kind: 'conv2d', name, sources: sourcesOf(node), inputs: [x.name], output: accT.name,
      c, h, w: wd, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group: p.conv.group, weight, bias, acc, act: { kind: 'none' },
    });
    const m = multipliers(scalar(node, ctx, xsN, 'x_scale'), ctx.constant(wsN)!.data, scalar(node, ctx, ysN, 'y_scale'));
    requantize(node, ctx, accT, m, 1, scalar(node, ctx, yzpN, 'y_zero_point'), p.yRange);
  },
};

// ---- QLinearMatMul ---------------------------------------------------------------------------------------------

interface QMatMulParams {
  readonly yRange: [number, number];
}

export const QLinearMatMulOp: OpDef<QMatMulParams, 'QLinearMatMul'> = {
  op: 'QLinearMatMul',
  family: 'qlinear',
  since: 10,
  unsupported: [{ variant: 'a batched (3-D or more) B matrix', reason: 'lowered as an exact integer dense layer, whose weights are one 2-D matrix', diagnostic: /b must be a 2-D matrix/ }],
  arity: { inputs: [8, 8], outputs: [1, 1] },
  parse(node, ins) {
    if (!ins[0] || !ins[3] || !ins[7]) bad(node, 'needs a, b and the output zero point');
    const a = ins[0].shape;
    const b = ins[3].shape;
    if (b.length !== 2 || a.length === 0 || a[a.length - 1] !== b[0]) bad(node, `a [${a}] × b [${b}]: b must be a 2-D matrix matching a's last axis`);
    checkQuantParams(node, ins, [1, 2, 6, 7], [4, 5], b[1]);
    return { yRange: rangeOf(node, ins[7].dtype) };
  },
  infer: (_n, _p, ins) => [{ shape: [...ins[0]!.shape.slice(0, -1), ins[3]!.shape[1]], dtype: ins[7]!.dtype }],
  evaluate(_node, p, ins) {
    const [a, as, azp, b, bs, bzp, ys, yzp] = ins;
    const [k, n] = b!.shape;
    const rows = a!.data.length / k;
    const ac = centred(a!, azp);
    const bzpAt = (j: number) => (bzp ? bzp.data[bzp.data.length > 1 ? j : 0] : 0);
    const acc = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += ac.data[r * k + q] * (b!.data[q * n + j] - bzpAt(j));
        acc[r * n + j] = s;
      }
    const m = multipliers(as!.data[0], bs!.data, ys!.data[0]);
    // Per-column multipliers: channel = column index.
    const y = acc.map((v, i) => {
      const mm = m[m.length === 1 ? 0 : i % n];
      const q = roundHalfEven(Math.fround(v * mm)) + (yzp ? yzp.data[0] : 0);
      return q < p.yRange[0] ? p.yRange[0] : q > p.yRange[1] ? p.yRange[1] : q;
    });
    return [tensor([...a!.shape.slice(0, -1), n], y, ins[7]!.dtype)];
  },
  constantInputs: [1, 2, 3, 4, 5, 6, 7],
  lower(node, p, ctx) {
    const [asN, azpN, bN, bsN, bzpN, ysN, yzpN] = node.inputs.slice(1);
    const a = centredInput(node, ctx, node.inputs[0], scalar(node, ctx, azpN, 'a_zero_point'));
    const b = ctx.constant(bN)!;
    const bzp = ctx.constant(bzpN)!;
    const [k, n] = b.shape;
    // Dense stores W as [n][k]: the transposed, centred integer matrix.
    const wt: number[] = [];
    for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) wt.push(b.data[q * n + j] - bzp.data[bzp.data.length > 1 ? j : 0]);
    const wFormat = intFormat(9);
    const name = ctx.layerName(node);
    const weight = ctx.rawData(`${name}_w`, [n, k], wt, wFormat);
    const groups = Array.from({ length: n }, (_, j) => weight.raw.slice(j * k, (j + 1) * k));
    const acc = macAccFormat(groups, wFormat, a.format, null, null);
    const outShape = ctx.shape(node.outputs[0]);
    const accT = ctx.temp(`${node.outputs[0]}_acc`, outShape, acc);
    ctx.add({ kind: 'dense', name, sources: sourcesOf(node), inputs: [a.name], output: accT.name, rows: numel(a.shape) / k, nIn: k, nOut: n, weight, bias: null, acc, act: { kind: 'none' } });
    const m = multipliers(scalar(node, ctx, asN, 'a_scale'), ctx.constant(bsN)!.data, scalar(node, ctx, ysN, 'y_scale'));
    requantize(node, ctx, accT, m, outShape.length - 1, scalar(node, ctx, yzpN, 'y_zero_point'), p.yRange);
  },
};

