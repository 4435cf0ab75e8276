/**
 * @fileoverview Quantized-model ops: ONNX QuantizeLinear / DequantizeLinear (QDQ format) and the QONNX/FINN/Brevitas
 * custom ops Quant (alias IntQuant) and BipolarQuant.
 *
 * Float references follow each op's definition exactly:
 * - QuantizeLinear: q = saturate(round_half_to_even(x / scale) + zero_point), per tensor or per axis;
 * - DequantizeLinear: y = (q − zero_point) · scale;
 * - Quant (QONNX): y = (round(clip(x / scale + zeropt, min_int, max_int)) − zeropt) · scale, with the rounding mode
 *   of the `rounding_mode` attribute (ROUND is NumPy's round, half to even); a signed 1-bit Quant is bipolar;
 * - BipolarQuant: y = (x ≥ 0 ? 1 : −1) · scale.
 * The arithmetic is done in the precision of the scale as ONNX Runtime (and NumPy for QONNX) does it: with a
 * float32 scale every step (division, product) is rounded to float32, so ties land where the runtime puts them.
 *
 * Quantized weights (int8 + DequantizeLinear, or a QONNX Quant on an initializer) are constant-folded to float
 * weights at import, like any node whose inputs are all constant.
 *
 * Lowering (activations): a quantizer with one power-of-two scale 2^-k and zero point 0 is exactly a fixed-point
 * cast, so it maps onto the design with no approximation:
 * - Quant → one `unary` layer casting to ap_fixed<b, b−k> (ap_ufixed when unsigned) with the rounding mode's
 *   quantization mode (ROUND/HALF_EVEN → AP_RND_CONV, FLOOR → AP_TRN, DOWN/ROUND_TO_ZERO → AP_TRN_ZERO,
 *   HALF_UP → AP_RND_INF, HALF_DOWN → AP_RND_ZERO) and AP_SAT (AP_SAT_SYM for signed narrow; unsigned narrow adds
 *   a clip at 2^b − 2). Clipping before rounding (QONNX) equals rounding then saturating, because the bounds are
 *   integers and every rounding mode is monotone.
 * - QuantizeLinear → a `unary` layer with shift k (x · 2^k: the raw bits read with the binary point moved, no
 *   logic) cast to ap_fixed<b, b, AP_RND_CONV, AP_SAT>: its output is the integer q itself, rounded half to even
 *   and saturated as the definition says; DequantizeLinear → a `unary` with shift −k into ap_fixed<b, b−k>, which
 *   is exact (the integer grid scaled). Chosen over "Q casts to the scaled grid, DQ copies" because a design
 *   tensor must hold the value of its ONNX value (DTensor.onnxName: `fpgac verify` and traces compare them): the
 *   QuantizeLinear output is the integer q, not q·scale. Both layers are exact and neither needs a multiplier.
 * QuantizeLinear/DequantizeLinear with any other per-tensor scale or a zero point use integer requantization
 * (lowerRequantize / lowerDequantize below), and so does a QONNX Quant with any scale (lowerQuantRequant). Anything
 * else (per-axis activation scales, CEIL/UP rounding) is refused with an FPGAC003 diagnostic naming the node: it would need integer
 * requantization, which is not implemented, and is never approximated silently.
 */
import { numel, sourcesOf, tensor } from '../ir/graph.js';
import type { DType, Node, Tensor } from '../ir/graph.js';
import { attrInt, attrString } from '../onnx/attrs.js';
import { dtypeFromOnnx, onnxDtypeName } from '../onnx/tensor.js';
import { DiagnosticError } from '../diagnostics.js';
import type { Activation, ConstData } from '../ir/design.js';
import { fixed, fromDouble, type FixedFormat, type QMode } from '../../sim/fixed.js';
import type { LowerContext } from '../quant/context.js';
import type { InputInfo, OpDef } from './types.js';
import { broadcastMap, broadcastShape } from './broadcast.js';
import { addConstEltwise } from './elementwise.js';

function bad(node: Node, message: string, code: 'FPGAC003' | 'FPGAC004' | 'FPGAC007' = 'FPGAC003'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

// ---- arithmetic helpers -------------------------------------------------------------------------------------

/** Rounds to float32 when `f32`, else leaves the double. */
const rounder = (f32: boolean): ((v: number) => number) => (f32 ? Math.fround : (v: number) => v);

/** Round half to even (numpy.round, std::nearbyint in the default mode). */
export function roundHalfEven(v: number): number {
  if (!Number.isFinite(v)) return v;
  const f = Math.floor(v);
  const d = v - f; // exact for every double (f and v share the exponent range)
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Ties of the half-way modes, resolved toward (`awayFromZero` false) or away from zero. */
function roundHalf(v: number, awayFromZero: boolean): number {
  if (!Number.isFinite(v)) return v;
  const a = Math.abs(v);
  const f = Math.floor(a);
  const d = a - f;
  const r = d > 0.5 || (d === 0.5 && awayFromZero) ? f + 1 : f;
  return v < 0 ? -r : r;
}

/** k such that s = 2^-k exactly, or undefined. */
export function powerOfTwoExponent(s: number): number | undefined {
  if (!(s > 0) || !Number.isFinite(s)) return undefined;
  const k = -Math.round(Math.log2(s)) + 0; // + 0: no -0 for s = 1
  return 2 ** -k === s ? k : undefined;
}

/** The shortest decimal that reads back as `v` in float32 when v is a float32 value (0.0123, not 0.012299999594688416). */
function show(v: number): string {
  for (let p = 1; p <= 17; p++) {
    const d = Number(v.toPrecision(p));
    if (d === v || (Math.fround(v) === v && Math.fround(d) === v)) return String(d);
  }
  return String(v);
}

/** `t` (broadcastable to `shape`) expanded to every element of `shape`. */
function expand(t: Tensor, shape: readonly number[]): Float64Array {
  if (t.data.length === numel(shape)) return t.data;
  return broadcastMap(t, { shape: [], data: new Float64Array(1) }, shape, (a) => a);
}

/** The shape a per-axis parameter of length shape[axis] broadcasts from. */
function axisShape(shape: readonly number[], axis: number): number[] {
  return shape.map((d, i) => (i === axis ? d : 1));
}

// ---- QuantizeLinear / DequantizeLinear ----------------------------------------------------------------------

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1],
};

const BITS: Readonly<Record<string, number>> = { int8: 8, uint8: 8, int16: 16, uint16: 16, int32: 32 };

export interface QLinearParams {
  /** The axis of per-axis scale and zero point, normalized; -1 for per-tensor. */
  readonly axis: number;
  /** The integer type of the quantized side (QuantizeLinear's output, DequantizeLinear's input). */
  readonly qtype: DType;
  readonly lo: number;
  readonly hi: number;
  /** The float type of the scale (and of QuantizeLinear's input / DequantizeLinear's output). */
  readonly ftype: DType;
}

function parseQLinear(node: Node, ins: readonly (InputInfo | undefined)[], quantize: boolean): QLinearParams {
  const [x, scale] = ins;
  const zp = node.inputs[2] ? ins[2] : undefined;
  if (!x || !scale) bad(node, 'needs the input and the scale');
  const block = attrInt(node, 'block_size', 0);
  if (block !== 0) bad(node, `blocked quantization (block_size ${block}) is not supported`);
  const precision = attrInt(node, 'precision', 0);
  if (precision !== 0 && precision !== 1) bad(node, `precision ${onnxDtypeName(precision)} is not supported (only float32 arithmetic)`);
  if (scale.dtype !== 'float32' && scale.dtype !== 'float64') bad(node, `a scale of type ${scale.dtype} is not supported (float32 or float64)`, 'FPGAC007');
  let qtype: DType;
  if (quantize) {
    const outAttr = attrInt(node, 'output_dtype', 0);
    const declared = outAttr ? dtypeFromOnnx(outAttr) : undefined;
    if (outAttr && declared === 'other') bad(node, `output type ${onnxDtypeName(outAttr)} is not supported (int8, uint8, int16, uint16)`, 'FPGAC007');
    if (zp && declared && zp.dtype !== declared) bad(node, `output_dtype ${declared} differs from the zero point's type ${zp.dtype}`);
    qtype = zp?.dtype ?? declared ?? 'uint8';
    if (qtype === 'int32' || !INT_RANGES[qtype]) bad(node, `quantized type ${qtype} is not supported (int8, uint8, int16, uint16)`, 'FPGAC007');
  } else {
    const outAttr = attrInt(node, 'output_dtype', 0);
    if (outAttr && dtypeFromOnnx(outAttr) !== scale.dtype) bad(node, `output_dtype ${onnxDtypeName(outAttr)} differs from the scale's type ${scale.dtype}`);
    qtype = x.dtype;
    if (!INT_RANGES[qtype]) bad(node, `quantized type ${qtype} is not supported (int8, uint8, int16, uint16, int32)`, 'FPGAC007');
    if (zp && zp.dtype !== qtype) bad(node, `the zero point's type ${zp.dtype} differs from the input's ${qtype}`, 'FPGAC007');
  }
  const r = x.shape.length;
  const n = numel(scale.shape);
  let axis = -1;
  if (n !== 1 || scale.shape.length > 1) {
    const a = attrInt(node, 'axis', 1);
    axis = a < 0 ? a + r : a;
    if (axis < 0 || axis >= r) bad(node, `axis ${a} out of range for rank ${r}`, 'FPGAC004');
    if (scale.shape.length !== 1 || scale.shape[0] !== x.shape[axis]) {
      bad(node, `a scale of shape [${scale.shape}] is neither per-tensor nor per-axis along axis ${axis} (dimension ${x.shape[axis]})`, 'FPGAC004');
    }
  }
  if (zp && numel(zp.shape) !== n) bad(node, `zero point shape [${zp.shape}] does not match scale shape [${scale.shape}]`, 'FPGAC004');
  const [lo, hi] = INT_RANGES[qtype];
  return { axis, qtype, lo, hi, ftype: scale.dtype };
}

/** Scale and zero point expanded to every element of x. */
function qParams(p: QLinearParams, x: Tensor, scale: Tensor, zp: Tensor | undefined): { s: Float64Array; z: Float64Array | undefined } {
  const pshape = p.axis < 0 ? [] : axisShape(x.shape, p.axis);
  const reshape = (t: Tensor): Tensor => ({ dtype: t.dtype, shape: pshape, data: t.data });
  return { s: expand(reshape(scale), x.shape), z: zp ? expand(reshape(zp), x.shape) : undefined };
}

/**
 * The power-of-two exponent k (scale 2^-k, zero point 0) when an activation quantizer maps exactly onto an
 * ap_fixed grid; undefined when it needs integer requantization. Per-axis activation scales are refused.
 */
function exactExponent(node: Node, ctx: LowerContext, scaleName: string, zpName: string | undefined, perAxis: boolean): number | undefined {
  const scale = ctx.constant(scaleName);
  if (!scale) ctx.fail(node, 'the scale must be a constant');
  if (perAxis || scale.data.length !== 1) {
    ctx.fail(node, `per-axis quantization of a run-time tensor (${scale.data.length} scales) needs per-channel requantization, not supported yet (per-axis weights are fine: they are constant-folded)`);
  }
  if (!(scale.data[0] > 0 && Number.isFinite(scale.data[0]))) ctx.fail(node, `scale ${show(scale.data[0])} must be positive and finite`);
  if (zpName && !ctx.constant(zpName)) ctx.fail(node, 'the zero point must be a constant');
  if (zeroPointOf(ctx, zpName) !== 0) return undefined;
  return powerOfTwoExponent(scale.data[0]);
}

function scalarOf(ctx: LowerContext, name: string): number {
  return ctx.constant(name)!.data[0];
}

function zeroPointOf(ctx: LowerContext, name: string | undefined): number {
  return name ? ctx.constant(name)?.data[0] ?? 0 : 0;
}

/** An unsigned format holding v > 0 with `bits` significant bits (a float32 scale is exact at 24 bits). */
function significantFormat(v: number, bits: number): FixedFormat {
  const int = Math.floor(Math.log2(v)) + 1;
  return fixed(bits, int, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
}

/** A constant operand of an element-wise step; its raw comes from rounding v into `format`. */
/** A scalar constant: v rounded into `format`. */
function scalarConst(ctx: LowerContext, hint: string, v: number, format: FixedFormat): ConstData {
  return ctx.rawData(hint, [], [fromDouble(v, format)], format);
}

/**
 * QuantizeLinear with any scale: integer requantization q = sat(rne(x · m) + zp), m = 1/s rounded to 24
 * significant bits. x · m is an exact product; the cast into an integer format rounds half to even, and with a zero
 * point the sum is saturated into the integer type. Only x/s within 2^-24 (relative) of a rounding tie can round
 * differently from ONNX's float division; simulator and hardware compute the same integers.
 */
function lowerRequantize(node: Node, ctx: LowerContext, s: number, zp: number, qFormat: FixedFormat): void {
  const x = ctx.input(node.inputs[0]);
  const m = scalarConst(ctx, `${ctx.layerName(node)}_m`, 1 / s, significantFormat(1 / s, 24));
  const out = ctx.output(node.outputs[0], qFormat);
  if (zp === 0) return addConstEltwise(ctx, node, 'mul', x, m, out);
  const wide = fixed(40, 40, { signed: true, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const r = ctx.temp(`${node.outputs[0]}_rne`, x.shape, wide);
  addConstEltwise(ctx, node, 'mul', x, m, r);
  addConstEltwise(ctx, node, 'add', r, scalarConst(ctx, `${ctx.layerName(node)}_zp`, zp, fixed(32, 32)), out);
}

/** DequantizeLinear with any scale: y = (q − zp) · s, s exact at 24 significant bits, one cast to y's format. */
function lowerDequantize(node: Node, ctx: LowerContext, s: number, zp: number, bits: number): void {
  let q = ctx.input(node.inputs[0]);
  const sc = scalarConst(ctx, `${ctx.layerName(node)}_s`, s, significantFormat(s, 24));
  const out = ctx.output(node.outputs[0]);
  if (zp !== 0) {
    const d = ctx.temp(`${node.outputs[0]}_centered`, q.shape, fixed(bits + 1, bits + 1, { signed: true }));
    addConstEltwise(ctx, node, 'sub', q, scalarConst(ctx, `${ctx.layerName(node)}_zp`, zp, fixed(32, 32)), d);
    q = d;
  }
  addConstEltwise(ctx, node, 'mul', q, sc, out);
}

/** out = cast(x · 2^e) into `format`: a `unary` layer with shift e (the raw bits read with the binary point moved). */
function lowerScaleBy(node: Node, ctx: LowerContext, e: number, format: FixedFormat): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0], format);
  ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: { kind: 'none' }, shift: e });
}

function checkWidth(node: Node, ctx: LowerContext, bits: number): void {
  if (bits > 52) ctx.fail(node, `${bits}-bit quantized tensors are not supported in hardware (at most 52 bits)`);
}

export const QuantizeLinearOp: OpDef<QLinearParams, 'QuantizeLinear'> = {
  op: 'QuantizeLinear',
  family: 'quantize',
  since: 10,
  unsupported: [{ variant: 'blocked quantization (block_size > 0, opset 21)', reason: 'one scale per block needs a per-block shift the fixed-point grid does not have', diagnostic: /blocked quantization .* is not supported/ }, { variant: 'int4/uint4 tensors (opset 21)', reason: 'the loader reads no 4-bit packed tensor types yet', diagnostic: /data type u?int4, which fpgac does not support/ }],
  arity: { inputs: [2, 3], outputs: [1, 1] },
  parse: (node, ins) => parseQLinear(node, ins, true),
  infer: (_n, p, ins) => [{ shape: ins[0]!.shape, dtype: p.qtype }],
  evaluate(node, p, ins) {
    const [x, scale, zp] = ins as [Tensor, Tensor, Tensor | undefined];
    const { s, z } = qParams(p, x, scale, node.inputs[2] ? zp : undefined);
    const r = rounder(p.ftype === 'float32');
    const out = new Float64Array(x.data.length);
    for (let i = 0; i < out.length; i++) {
      const q = roundHalfEven(r(x.data[i] / s[i])) + (z ? z[i] : 0);
      out[i] = q < p.lo ? p.lo : q > p.hi ? p.hi : q;
    }
    return [tensor(x.shape, out, p.qtype)];
  },
  lower(node, p, ctx) {
    const bits = BITS[p.qtype];
    checkWidth(node, ctx, bits);
    const qFormat = fixed(bits, bits, { signed: p.lo < 0, q: 'AP_RND_CONV', o: 'AP_SAT' });
    const k = exactExponent(node, ctx, node.inputs[1], node.inputs[2] || undefined, p.axis >= 0);
    // q = sat(rne(x · 2^k)): the exact product cast to the integer type, round half to even, saturate.
    if (k !== undefined) return lowerScaleBy(node, ctx, k, qFormat);
    lowerRequantize(node, ctx, scalarOf(ctx, node.inputs[1]), zeroPointOf(ctx, node.inputs[2]), qFormat);
  },
  constantInputs: [1, 2],
};

export const DequantizeLinearOp: OpDef<QLinearParams, 'DequantizeLinear'> = {
  op: 'DequantizeLinear',
  family: 'quantize',
  since: 10,
  unsupported: [{ variant: 'blocked quantization (block_size > 0, opset 21)', reason: 'one scale per block needs a per-block shift the fixed-point grid does not have', diagnostic: /blocked quantization .* is not supported/ }, { variant: 'int4/uint4 tensors (opset 21)', reason: 'the loader reads no 4-bit packed tensor types yet', diagnostic: /data type u?int4, which fpgac does not support/ }],
  arity: { inputs: [2, 3], outputs: [1, 1] },
  parse: (node, ins) => parseQLinear(node, ins, false),
  infer: (_n, p, ins) => [{ shape: ins[0]!.shape, dtype: p.ftype }],
  evaluate(node, p, ins) {
    const [x, scale, zp] = ins as [Tensor, Tensor, Tensor | undefined];
    const { s, z } = qParams(p, x, scale, node.inputs[2] ? zp : undefined);
    const r = rounder(p.ftype === 'float32');
    const out = new Float64Array(x.data.length);
    // ONNX Runtime: float(q − zp) · scale, both steps in the scale's type.
    for (let i = 0; i < out.length; i++) out[i] = r(r(x.data[i] - (z ? z[i] : 0)) * s[i]);
    return [tensor(x.shape, out, p.ftype)];
  },
  lower(node, p, ctx) {
    const bits = BITS[p.qtype];
    checkWidth(node, ctx, bits);
    const k = exactExponent(node, ctx, node.inputs[1], node.inputs[2] || undefined, p.axis >= 0);
    // y = q · 2^-k: exact in ap_fixed<b, b−k> (the integer grid scaled).
    if (k !== undefined) return lowerScaleBy(node, ctx, -k, fixed(bits, bits - k, { signed: p.lo < 0, q: 'AP_RND_CONV', o: 'AP_SAT' }));
    lowerDequantize(node, ctx, scalarOf(ctx, node.inputs[1]), zeroPointOf(ctx, node.inputs[2]), bits);
  },
  constantInputs: [1, 2],
};

// ---- QONNX Quant / BipolarQuant -----------------------------------------------------------------------------

export const QONNX_DOMAINS = ['qonnx.custom_op.general', 'onnx.brevitas', 'finn.custom_op.general'] as const;

export type RoundingMode = 'ROUND' | 'HALF_EVEN' | 'CEIL' | 'FLOOR' | 'UP' | 'DOWN' | 'ROUND_TO_ZERO' | 'HALF_UP' | 'HALF_DOWN';

const ROUNDING: Readonly<Record<RoundingMode, { fn: (v: number) => number; q?: QMode }>> = {
  ROUND: { fn: roundHalfEven, q: 'AP_RND_CONV' },
  HALF_EVEN: { fn: roundHalfEven, q: 'AP_RND_CONV' },
  FLOOR: { fn: Math.floor, q: 'AP_TRN' },
  CEIL: { fn: Math.ceil },
  UP: { fn: (v) => (v < 0 ? -Math.ceil(-v) : Math.ceil(v)) },
  DOWN: { fn: Math.trunc, q: 'AP_TRN_ZERO' },
  ROUND_TO_ZERO: { fn: Math.trunc, q: 'AP_TRN_ZERO' },
  HALF_UP: { fn: (v) => roundHalf(v, true), q: 'AP_RND_INF' },
  HALF_DOWN: { fn: (v) => roundHalf(v, false), q: 'AP_RND_ZERO' },
};

export interface QuantParams {
  readonly signed: boolean;
  readonly narrow: boolean;
  readonly rounding: RoundingMode;
  readonly bits: number;
  /** Signed 1-bit: QONNX treats it as bipolar (±1), not as a clip to [-1, 0]. */
  readonly bipolar: boolean;
  readonly lo: number;
  readonly hi: number;
}

function flag(node: Node, name: string, dflt: number): boolean {
  const v = attrInt(node, name, dflt);
  if (v !== 0 && v !== 1) bad(node, `attribute '${name}' must be 0 or 1, found ${v}`);
  return v === 1;
}

function checkBroadcastsTo(node: Node, what: string, info: InputInfo | undefined, x: InputInfo): void {
  if (!info) bad(node, `needs the ${what} input`);
  const b = broadcastShape(info.shape, x.shape);
  if (!b || b.join() !== x.shape.join()) bad(node, `the ${what} of shape [${info.shape}] does not broadcast to the input [${x.shape}]`, 'FPGAC004');
}

/** min_int / max_int of QONNX: narrow drops the lowest code when signed, the highest when unsigned. */
export function quantRange(signed: boolean, narrow: boolean, bits: number): [number, number] {
  if (signed) return [-(2 ** (bits - 1)) + (narrow ? 1 : 0), 2 ** (bits - 1) - 1];
  return [0, 2 ** bits - 1 - (narrow ? 1 : 0)];
}

function parseQuant(node: Node, ins: readonly (InputInfo | undefined)[]): QuantParams {
  const x = ins[0];
  if (!x) bad(node, 'needs an input');
  checkBroadcastsTo(node, 'scale', ins[1], x);
  checkBroadcastsTo(node, 'zero point', ins[2], x);
  const bw = ins[3];
  if (!bw?.value) bad(node, 'the bit width must be a constant');
  if (bw.value.data.length !== 1) bad(node, `the bit width must be a scalar, found shape [${bw.shape}]`);
  const bits = bw.value.data[0];
  if (!Number.isInteger(bits) || bits < 1 || bits > 52) bad(node, `bit width ${bits} is not a whole number from 1 to 52`);
  const signed = flag(node, 'signed', 1);
  const narrow = flag(node, 'narrow', 0);
  const mode = attrString(node, 'rounding_mode', 'ROUND').toUpperCase();
  if (!(mode in ROUNDING)) bad(node, `rounding_mode '${mode}' is not supported (${Object.keys(ROUNDING).join(', ')})`);
  const [lo, hi] = quantRange(signed, narrow, bits);
  return { signed, narrow, rounding: mode as RoundingMode, bits, bipolar: signed && bits === 1, lo, hi };
}

function quantLowerFormat(node: Node, p: QuantParams, k: number, ctx: LowerContext): { format: FixedFormat; act: Activation } {
  if (p.bipolar) ctx.fail(node, 'internal: bipolar Quant lowers through lowerBipolar');
  const q = ROUNDING[p.rounding].q;
  if (!q) ctx.fail(node, `rounding_mode ${p.rounding} has no ap_fixed quantization mode (ROUND, HALF_EVEN, FLOOR, DOWN, ROUND_TO_ZERO, HALF_UP and HALF_DOWN do)`);
  const format = fixed(p.bits, p.bits - k, { signed: p.signed, q, o: p.signed && p.narrow ? 'AP_SAT_SYM' : 'AP_SAT' });
  // Unsigned narrow range stops one code below the format's maximum: a clip between raws after the cast.
  const act: Activation = !p.signed && p.narrow ? { kind: 'clip', lo: 0, hi: p.hi } : { kind: 'none' };
  return { format, act };
}

/**
 * A QONNX Quant on activations with any scale s and zero point z: q = clip(round(x · (1/s)) + z, lo, hi) in
 * integers (the reciprocal to 24 significant bits, the Quant's own rounding mode), then y = (q − z) · s with s exact.
 * Same integer recipe as QuantizeLinear's requantization.
 */
function lowerQuantRequant(node: Node, p: QuantParams, ctx: LowerContext, s: number, z: number): void {
  const { format: qFormat, act } = quantLowerFormat(node, p, 0, ctx);
  const x = ctx.input(node.inputs[0]);
  const m = scalarConst(ctx, `${ctx.layerName(node)}_m`, 1 / s, significantFormat(1 / s, 24));
  const q = ctx.temp(`${node.outputs[0]}_q`, x.shape, qFormat);
  if (z === 0) {
    addConstEltwise(ctx, node, 'mul', x, m, q, act);
  } else {
    const r = ctx.temp(`${node.outputs[0]}_rounded`, x.shape, fixed(40, 40, { signed: true, q: qFormat.q, o: 'AP_SAT' }));
    addConstEltwise(ctx, node, 'mul', x, m, r);
    addConstEltwise(ctx, node, 'add', r, scalarConst(ctx, `${ctx.layerName(node)}_zp`, z, fixed(32, 32)), q, act);
  }
  let d = q;
  if (z !== 0) {
    d = ctx.temp(`${node.outputs[0]}_centred`, x.shape, fixed(p.bits + 1, p.bits + 1, { signed: true }));
    addConstEltwise(ctx, node, 'sub', q, scalarConst(ctx, `${ctx.layerName(node)}_zp2`, z, fixed(32, 32)), d);
  }
  addConstEltwise(ctx, node, 'mul', d, scalarConst(ctx, `${ctx.layerName(node)}_s`, s, significantFormat(s, 24)), ctx.output(node.outputs[0]));
}

/**
 * A bipolar activation y = (x ≥ 0 ? +s : −s) as a two-entry table: with idxShift = −I (I the input's integer bits)
 * floor(x · 2^idxShift) is −1 for x < 0 and 0 otherwise, so with offset 1 the index is the sign. The table holds ±s
 * rounded into the output format.
 */
function lowerBipolar(node: Node, ctx: LowerContext, s: number): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const name = ctx.layerName(node);
  const table = ctx.rawData(`${name}_pm`, [2], [fromDouble(-s, out.format), fromDouble(s, out.format)], out.format);
  ctx.add({ kind: 'lut', fn: 'bipolar', name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), idxShift: -x.format.int, offset: 1, table });
}

function makeQuant<Op extends 'Quant' | 'IntQuant'>(op: Op): OpDef<QuantParams, Op> {
  return {
    op,
    family: 'quantize',
    domains: QONNX_DOMAINS,
    arity: { inputs: [4, 4], outputs: [1, 1] },
    parse: (node, ins) => parseQuant(node, ins),
    infer: (_n, _p, ins) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
    evaluate(_node, p, ins) {
      const [x, scale, zp] = ins as [Tensor, Tensor, Tensor];
      const s = expand(scale, x.shape);
      const z = expand(zp, x.shape);
      const r = rounder(x.dtype === 'float32');
      const round = ROUNDING[p.rounding].fn;
      const out = new Float64Array(x.data.length);
      for (let i = 0; i < out.length; i++) {
        const v = r(r(x.data[i] / s[i]) + z[i]);
        let q: number;
        if (p.bipolar) q = v >= 0 ? 1 : -1;
        else q = round(v > p.hi ? p.hi : v < p.lo ? p.lo : v);
        out[i] = r(r(q - z[i]) * s[i]);
      }
      return [tensor(x.shape, out, x.dtype)];
    },
    lower(node, p, ctx) {
      if (p.bipolar) {
        if (zeroPointOf(ctx, node.inputs[2]) !== 0) return ctx.fail(node, 'a bipolar Quant with a zero point is not supported');
        return lowerBipolar(node, ctx, scalarOf(ctx, node.inputs[1]));
      }
      const k = exactExponent(node, ctx, node.inputs[1], node.inputs[2], false);
      if (k === undefined) return lowerQuantRequant(node, p, ctx, scalarOf(ctx, node.inputs[1]), zeroPointOf(ctx, node.inputs[2]));
      const { format, act } = quantLowerFormat(node, p, k, ctx);
      const x = ctx.input(node.inputs[0]);
      const out = ctx.output(node.outputs[0], format);
      ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act });
    },
    constantInputs: [1, 2, 3],
  };
}

export const QuantOp = makeQuant('Quant');
export const IntQuantOp = makeQuant('IntQuant');

export const BipolarQuantOp: OpDef<Record<string, never>, 'BipolarQuant'> = {
  op: 'BipolarQuant',
  family: 'quantize',
  domains: QONNX_DOMAINS,
  arity: { inputs: [2, 2], outputs: [1, 1] },
  parse(node, ins) {
    const x = ins[0];
    if (!x) bad(node, 'needs an input');
    checkBroadcastsTo(node, 'scale', ins[1], x);
    return {};
  },
  infer: (_n, _p, ins) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
  evaluate(_node, _p, ins) {
    const [x, scale] = ins as [Tensor, Tensor];
    const s = expand(scale, x.shape);
    const r = rounder(x.dtype === 'float32');
    return [tensor(x.shape, x.data.map((v, i) => r((v >= 0 ? 1 : -1) * s[i])), x.dtype)];
  },
  lower(node, _p, ctx) {
    lowerBipolar(node, ctx, scalarOf(ctx, node.inputs[1]));
  },
  constantInputs: [1],
};
