/**
 * @fileoverview The exact piecewise-linear activations: LeakyRelu, PRelu (constant slope, any unidirectional
 * broadcast), ThresholdedRelu, HardSigmoid, HardSwish, Abs, Neg, Sign, Floor, Ceil, Round. Each lowers to one `pwl`
 * layer (src/kinds/pwl.ts) whose only lossy step is the output cast; the constants α, β, slopes are rounded into
 * formats of their own (exactly when a few fraction bits hold them) and the threshold to the input's grid, where
 * x > θ and x > floor(θ · 2^Fx) · 2^-Fx agree for every input code.
 */
import { sourcesOf, numel, tensor } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { attrFloat } from '../onnx/attrs.js';
import { fixed, fracBits, fromDouble, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import type { FixedScalar, PwlFn, PwlLayer } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import { broadcastShape, padShape } from './broadcast.js';
import { opsetProblem } from './opset.js';
import type { InputInfo, OpDef } from './types.js';

const sameShape = (_n: Node, _p: unknown, ins: readonly (InputInfo | undefined)[]) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }];
const mapTensor = (t: Tensor, f: (v: number) => number): Tensor => tensor(t.shape, t.data.map(f), t.dtype);
const bitLength = (v: number): number => (v < 1 ? 0 : Math.floor(Math.log2(v)) + 1);

/** Round half to even (ONNX Round). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The format constants `values` are rounded into: the fewest fraction bits (≤ maxFrac) that hold them all exactly,
 * else maxFrac, with integer bits for the largest and a sign.
 */
export function constFormat(values: readonly number[], maxFrac: number): FixedFormat {
  let frac = 0;
  while (frac < maxFrac && !values.every((v) => Number.isInteger(v * 2 ** frac))) frac++;
  const int = bitLength(Math.ceil(Math.max(0, ...values.map(Math.abs)))) + 1;
  return fixed(int + frac, int, { q: 'AP_RND_CONV', o: 'AP_SAT' });
}

const scalarOf = (v: number, f: FixedFormat): FixedScalar => ({ raw: fromDouble(v, f), format: f });

/** Fraction bits for α, β and slopes: the output's, plus the input's integer bits (|x| scales α's rounding), plus 4. */
const constFrac = (inF: FixedFormat, outF: FixedFormat): number => Math.min(32, Math.max(8, fracBits(outF) + inF.int + 4));

type Extra = Pick<PwlLayer, 'slope' | 'inner' | 'a' | 'b'>;

function addPwl(node: Node, fn: PwlFn, ctx: LowerContext, extra: (inF: FixedFormat, outF: FixedFormat, name: string) => Partial<Extra> = () => ({})): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const name = ctx.layerName(node);
  ctx.add({
    kind: 'pwl', fn, name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape),
    slope: null, inner: 1, a: null, b: null, ...extra(x.format, out.format, name),
  });
}

/** An op computing f per element, lowered to a `pwl` layer of function `fn` (no parameters). */
function simplePwl<Op extends string>(op: Op, fn: PwlFn, f: (v: number) => number, since = 1): OpDef<Record<string, never>, Op> {
  return {
    op, family: 'pwl', since,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse: () => ({}),
    infer: sameShape,
    evaluate: (_n, _p, ins) => [mapTensor(ins[0]!, f)],
    lower: (node, _p, ctx) => addPwl(node, fn, ctx),
  };
}

export const AbsOp = simplePwl('Abs', 'abs', Math.abs);
export const NegOp = simplePwl('Neg', 'neg', (v) => -v);
export const SignOp = simplePwl('Sign', 'sign', (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), 9);
export const FloorOp = simplePwl('Floor', 'floor', Math.floor);
export const CeilOp = simplePwl('Ceil', 'ceil', Math.ceil);
export const RoundOp = simplePwl('Round', 'round', roundHalfEven, 11);

export interface AlphaParams { readonly alpha: number }

export const LeakyReluOp: OpDef<AlphaParams, 'LeakyRelu'> = {
  op: 'LeakyRelu',
  family: 'pwl',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: (node) => ({ alpha: attrFloat(node, 'alpha', 0.01) }),
  infer: sameShape,
  evaluate: (_n, p, ins) => [mapTensor(ins[0]!, (v) => (v >= 0 ? v : p.alpha * v))],
  lower: (node, p, ctx) => addPwl(node, 'leaky', ctx, (inF, outF) => ({ a: scalarOf(p.alpha, constFormat([p.alpha], constFrac(inF, outF))) })),
};

export const ThresholdedReluOp: OpDef<AlphaParams, 'ThresholdedRelu'> = {
  op: 'ThresholdedRelu',
  family: 'pwl',
  since: 10,
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: (node) => ({ alpha: attrFloat(node, 'alpha', 1) }),
  infer: sameShape,
  evaluate: (_n, p, ins) => [mapTensor(ins[0]!, (v) => (v > p.alpha ? v : 0))],
  lower: (node, p, ctx) => addPwl(node, 'thresholded', ctx, (inF) => {
    // x > θ ⇔ raw > floor(θ · 2^Fx) for every input code; clamped just outside the input's range (same answers).
    const fx = fracBits(inF);
    const raw = Math.min(maxRaw(inF), Math.max(minRaw(inF) - 1, Math.floor(p.alpha * 2 ** fx)));
    const int = bitLength(Math.abs(raw) + 1) - fx + 1;
    return { a: { raw, format: fixed(Math.max(int + fx, 2), int) } };
  }),
};

export interface HardSigmoidParams { readonly alpha: number; readonly beta: number }

const hardSigmoid = (v: number, p: HardSigmoidParams): number => Math.max(0, Math.min(1, p.alpha * v + p.beta));

function hardLower(node: Node, fn: 'hardsigmoid' | 'hardswish', p: HardSigmoidParams, ctx: LowerContext): void {
  addPwl(node, fn, ctx, (inF, outF) => {
    const frac = constFrac(inF, outF);
    return { a: scalarOf(p.alpha, constFormat([p.alpha], frac)), b: scalarOf(p.beta, constFormat([p.beta], frac)) };
  });
}

export const HardSigmoidOp: OpDef<HardSigmoidParams, 'HardSigmoid'> = {
  op: 'HardSigmoid',
  family: 'pwl',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: (node) => ({ alpha: attrFloat(node, 'alpha', 0.2), beta: attrFloat(node, 'beta', 0.5) }),
  infer: sameShape,
  evaluate: (_n, p, ins) => [mapTensor(ins[0]!, (v) => hardSigmoid(v, p))],
  lower: (node, p, ctx) => hardLower(node, 'hardsigmoid', p, ctx),
};

const HARD_SWISH: HardSigmoidParams = { alpha: 1 / 6, beta: 0.5 };

export const HardSwishOp: OpDef<Record<string, never>, 'HardSwish'> = {
  op: 'HardSwish',
  family: 'pwl',
  since: 14,
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: () => ({}),
  infer: sameShape,
  evaluate: (_n, _p, ins) => [mapTensor(ins[0]!, (v) => v * hardSigmoid(v, HARD_SWISH))],
  lower: (node, _p, ctx) => hardLower(node, 'hardswish', HARD_SWISH, ctx),
};

/** PRelu's slope: a constant broadcast (unidirectionally) onto X. */
export interface PReluParams { readonly slope: Tensor }

/**
 * The slopes as the kernel reads them: with the slope padded to X's rank, the axes from its first to its last
 * non-1 axis span a block of X's dims (the slope broadcast over it, materialized), repeated every `inner` elements.
 */
export function preluBlock(xShape: readonly number[], slope: Tensor): { values: number[]; inner: number } {
  const s = padShape(slope.shape, xShape.length);
  const axes = s.map((d, k) => (d !== 1 ? k : -1)).filter((k) => k >= 0);
  if (axes.length === 0) return { values: [slope.data[0]], inner: 1 };
  const a = axes[0];
  const b = axes[axes.length - 1];
  const dims = xShape.slice(a, b + 1);
  const inner = numel(xShape.slice(b + 1));
  const values: number[] = [];
  const idx = new Array<number>(dims.length).fill(0);
  for (let e = 0; e < numel(dims); e++) {
    let off = 0;
    for (let k = 0; k < dims.length; k++) off = off * s[a + k] + (s[a + k] === 1 ? 0 : idx[k]);
    values.push(slope.data[off]);
    for (let k = dims.length - 1; k >= 0; k--) { if (++idx[k] < dims[k]) break; idx[k] = 0; }
  }
  return { values, inner };
}

export const PReluOp: OpDef<PReluParams, 'PRelu'> = {
  op: 'PRelu',
  family: 'pwl',
  arity: { inputs: [2, 2], outputs: [1, 1] },
  constantInputs: [1],
  parse(node, ins, opset) {
    const slope = ins[1]?.value;
    if (!slope) return opsetProblem(node, 'the slope must be a constant (a trained parameter)');
    const x = ins[0]!.shape;
    const out = broadcastShape(x, slope.shape);
    if (!out || out.join() !== x.join()) return opsetProblem(node, `the slope's shape [${slope.shape}] does not broadcast onto X's [${x}]`);
    if (opset < 7 && slope.data.length > 1 && slope.shape.join() !== x.join()) {
      return opsetProblem(node, `before opset 7 (the model imports ${opset}) a slope of shape [${slope.shape}] has no NumPy broadcasting; give it X's shape or one value`);
    }
    return { slope };
  },
  infer: sameShape,
  evaluate(_n, p, ins) {
    const x = ins[0]!;
    const { values, inner } = preluBlock(x.shape, p.slope);
    return [tensor(x.shape, x.data.map((v, i) => (v >= 0 ? v : values[Math.floor(i / inner) % values.length] * v)), x.dtype)];
  },
  lower(node, p, ctx) {
    const { values, inner } = preluBlock(ctx.shape(node.inputs[0]), p.slope);
    addPwl(node, 'leaky', ctx, (inF, outF, name) => {
      const f = constFormat(values, constFrac(inF, outF));
      if (values.every((v) => v === values[0])) return { a: scalarOf(values[0], f) };
      return { slope: ctx.constData(`${name}_slope`, [values.length], values, f), inner };
    });
  },
};
