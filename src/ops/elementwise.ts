/**
 * @fileoverview Add, Sub, Mul, Div and Pow with multidirectional broadcasting, between two
 * tensors or a tensor and a constant. Lowers to an `eltwise` layer whose exact result is cast once. Before opset 7
 * these ops broadcast B onto A only, along `axis` (ops/opset.ts turns that into NumPy broadcasting).
 */
import { sourcesOf } from '../ir/graph.js';
import type { DType, Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';
import { ELT_RANK, type Activation, type ConstData, type DTensor, type Operand } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import { earlierParams, type InputInfo, type OpDef } from './types.js';
import { broadcastMap, broadcastShape, broadcastStrides, padShape } from './broadcast.js';
import { applyFloatAct, lowerAct, type FloatAct } from './act.js';
import { paramFormat } from '../quant/context.js';
import { checkBroadcastForm, upgradeLegacyBroadcast } from './opset.js';
import { fixed, fracBits, mulFormat } from '../../sim/fixed.js';
import { addOctave, lowerReciprocal } from './arith-curve.js';

export interface EltParams {
  readonly act: FloatAct;
}

type Fn = (a: number, b: number) => number;

function intDiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

function makeBinary<Op extends 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow'>(op: Op, f: Fn, lowered: 'add' | 'sub' | 'mul' | null): OpDef<EltParams, Op> {
  const def: OpDef<EltParams, Op> = {
    op,
    family: 'elementwise',
    arity: { inputs: [2, 2], outputs: [1, 1] },
    upgrade: upgradeLegacyBroadcast,
    parse(node, ins, opset) {
      const [a, b] = ins;
      if (!a || !b) throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op, message: 'needs two inputs' }]);
      const out = broadcastShape(a.shape, b.shape);
      checkBroadcastForm(node, a.shape, out, opset);
      if (!out) {
        throw new DiagnosticError([{ code: 'FPGAC004', node: node.name, op, message: `shapes [${a.shape}] and [${b.shape}] do not broadcast` }]);
      }
      if (a.shape.length > ELT_RANK || b.shape.length > ELT_RANK) {
        throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op, message: `rank above ${ELT_RANK} is not supported` }]);
      }
      return { act: earlierParams(node, def)?.act ?? { kind: 'none' } };
    },
    infer: (_n, _p, ins: readonly (InputInfo | undefined)[]) => [{ shape: broadcastShape(ins[0]!.shape, ins[1]!.shape)!, dtype: ins[0]!.dtype }],
    evaluate(_n, p, ins) {
      const [a, b] = ins as [Tensor, Tensor];
      const shape = broadcastShape(a.shape, b.shape)!;
      const isInt = (t: DType) => t !== 'float32' && t !== 'float64' && t !== 'float16' && t !== 'bfloat16';
      const fn = op === 'Div' && isInt(a.dtype) ? intDiv : f;
      return [tensor(shape, broadcastMap(a, b, shape, (x, y) => applyFloatAct(fn(x, y), p.act)), a.dtype)];
    },
    lower: lowered
      ? (node, p, ctx) => {
          if (lowered === 'mul' && lowerPowerOfTwo(node, p, ctx)) return;
          const name = ctx.layerName(node);
          // An addend's fraction is capped relative to the tensor it is added to (see paramFormat).
          const other = node.inputs.slice(0, 2).find((i) => !ctx.constant(i));
          const addendFrac = (width: number) => (other ? fracBits(ctx.input(other).format) + width : undefined);
          const operand = (i: number): { op: Operand; shape: readonly number[] } => {
            const c = ctx.constant(node.inputs[i]);
            if (c) {
              // A multiplier is a weight; an addend is a bias: each takes that format.
              const f = lowered === 'mul' ? paramFormat(ctx.opts, 'weight', c.data) : paramFormat(ctx.opts, 'bias', c.data, addendFrac(ctx.opts.bias.width));
              return { op: { constant: ctx.constData(`${name}_${i === 0 ? 'a' : 'b'}`, c.shape, c.data, f) }, shape: c.shape };
            }
            const t = ctx.input(node.inputs[i]);
            return { op: { tensor: t.name }, shape: t.shape };
          };
          const a = operand(0);
          const b = operand(1);
          const out = ctx.output(node.outputs[0]);
          const outShape = padShape(out.shape, ELT_RANK);
          ctx.add({
            kind: 'eltwise', op: lowered, name, sources: sourcesOf(node),
            inputs: [a.op, b.op].flatMap((o) => ('tensor' in o ? [o.tensor] : [])), output: out.name,
            a: a.op, b: b.op, outShape,
            aStrides: broadcastStrides(a.shape, outShape, ELT_RANK), bStrides: broadcastStrides(b.shape, outShape, ELT_RANK),
            act: lowerAct(p.act, out.format),
          });
        }
      : undefined,
  };
  return def;
}

/**
 * One `eltwise` layer: tensor x op constant c (NumPy-broadcast onto out's shape) → out. The building block of the
 * quantizers' integer requantization steps.
 */
export function addConstEltwise(ctx: LowerContext, node: Node, op: 'mul' | 'add' | 'sub', x: DTensor, c: ConstData, out: DTensor, act: Activation = { kind: 'none' }): void {
  const outShape = padShape(out.shape, ELT_RANK);
  ctx.add({
    kind: 'eltwise', op, name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name,
    a: { tensor: x.name }, b: { constant: c }, outShape,
    aStrides: broadcastStrides(x.shape, outShape, ELT_RANK), bStrides: broadcastStrides(c.shape, outShape, ELT_RANK), act,
  });
}

/** x · 2^k for a positive scalar power-of-two constant: a free shift (`unary` with shift k), no multiplier. */
function lowerPowerOfTwo(node: Node, p: EltParams, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): boolean {
  const side = [0, 1].find((i) => {
    const c = ctx.constant(node.inputs[i]);
    return c && c.data.length === 1 && c.data[0] > 0 && Number.isInteger(Math.log2(c.data[0])) && !ctx.constant(node.inputs[1 - i]);
  });
  if (side === undefined) return false;
  const x = ctx.input(node.inputs[1 - side]);
  if (numel(x.shape) !== numel(ctx.shape(node.outputs[0]))) return false; // the scalar must not broadcast x
  const shift = Math.log2(ctx.constant(node.inputs[side])!.data[0]);
  const out = ctx.output(node.outputs[0]);
  ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: lowerAct(p.act, out.format), shift });
  return true;
}

export const AddOp = makeBinary('Add', (a, b) => a + b, 'add');
export const SubOp = makeBinary('Sub', (a, b) => a - b, 'sub');
export const MulOp = makeBinary('Mul', (a, b) => a * b, 'mul');
/** Division by a constant becomes a Mul (passes/arith.ts); by a run-time tensor, x · reciprocal(y) (lowerDiv). */
export const DivOp: OpDef<EltParams, 'Div'> = {
  ...makeBinary('Div', (a, b) => a / b, null),
  lower: lowerDiv,
  unsupported: [
    { variant: 'integer Div of run-time tensors', reason: 'truncating integer division needs a divider; the reciprocal table gives real quotients', diagnostic: /integer division/ },
  ],
};

/**
 * x / y for a run-time y: an `octave` reciprocal of y (src/ops/arith-curve.ts) into R, then an exact `eltwise`
 * product x · R cast once. R's format holds 1/y for every code of y (Fy + 2 integer bits: up to 2^Fy = 1/LSB) with
 * Fr = Fo + Ix + 3 fraction bits, so R's cast and table rounding cost at most |x|·2^-(Fr+1)·(1 + 1/8) ≤
 * 2^-(Fo+4)·1.125 (below 1/8 output LSB); Fr is capped so that x · R stays within 53 bits (with 16-bit x and y the
 * cap does not bind; with 24-bit x and y it does, and the |x|·2^-(Fr+1) term grows accordingly); the table's interpolation is relative,
 * ≤ 2^-2K/4 of 1/y (src/quant/octave.ts; K = 8 for a 16-bit y), so the error before the output cast is
 * ≤ |x/y|·2^-2K/4 + 0.15 LSB. A zero divisor reads R's maximum: x/0 saturates with x's sign (0/0 = 0), where
 * ONNX gives ±inf and NaN.
 */
function lowerDiv(node: Node, p: EltParams, ctx: LowerContext): void {
  if (ctx.constant(node.inputs[1])) ctx.fail(node, 'division by a constant holding 0 or a non-finite value (any other constant divisor becomes a multiplication)');
  const y = ctx.input(node.inputs[1]);
  const xc = ctx.constant(node.inputs[0]);
  const x = xc ? undefined : ctx.input(node.inputs[0]);
  if (y.dtype || x?.dtype) ctx.fail(node, 'integer division (truncating) of run-time tensors is not supported');
  const name = ctx.layerName(node);
  const out = ctx.output(node.outputs[0]);
  const xf = x ? x.format : paramFormat(ctx.opts, 'weight', xc!.data);
  const int = Math.max(fracBits(y.format) + 2, 2);
  // The exact product x · R must stay within 53 bits (the simulator's exact eltwise limit): Fr is capped there.
  const fr = Math.min(fracBits(out.format) + Math.max(xf.int, 1) + 3, 53 - xf.width - int);
  if (fr < 0) ctx.fail(node, `the reciprocal of a ${y.format.width}-bit divisor with ${fracBits(y.format)} fraction bits times a ${xf.width}-bit dividend exceeds 53 bits`);
  const r = lowerReciprocal(ctx, node, `${name}_recip`, y, fixed(int + fr, int, { q: 'AP_RND_CONV', o: 'AP_SAT' }));
  const a: Operand = xc ? { constant: ctx.constData(`${name}_a`, xc.shape, xc.data, xf) } : { tensor: x!.name };
  const aShape = xc ? xc.shape : x!.shape;
  const outShape = padShape(out.shape, ELT_RANK);
  ctx.add({
    kind: 'eltwise', op: 'mul', name, sources: sourcesOf(node), inputs: [...(x ? [x.name] : []), r.name], output: out.name,
    a, b: { tensor: r.name }, outShape,
    aStrides: broadcastStrides(aShape, outShape, ELT_RANK), bStrides: broadcastStrides(r.shape, outShape, ELT_RANK),
    act: lowerAct(p.act, out.format),
  });
}
/**
 * Pow folds away on constants (Brevitas' BatchNorm export computes sqrt(var + eps) as Pow(·, 0.5)); on a run-time
 * base with a constant scalar exponent it builds as what that exponent means (lowerPow).
 */
export const PowOp: OpDef<EltParams, 'Pow'> = {
  ...makeBinary('Pow', (a, b) => a ** b, null),
  lower: lowerPow,
  unsupported: [
    { variant: 'a run-time base with an exponent other than a positive integer, 0.5 or -1, or a run-time exponent', reason: 'x^y in general needs exp and log of run-time values; the exponents exporters write (LayerNorm, RMSNorm, L2 normalization, the tanh form of GELU\'s x^3) are exact products or table-based layers', diagnostic: /exponent .*(only positive integers, 0\.5 and -1 build|is computed at run time)/ },
    { variant: 'an integer exponent n whose exact product x^n needs more than 52 bits (n times the base\'s width)', reason: 'the chain of exact products keeps every bit, and the simulator is exact up to 52 bits; a narrower --precision brings it within', diagnostic: /exact product .* needs \d+ bits/ },
  ],
};

/**
 * x^e for a run-time x and a constant scalar e: e = 2 is the exact product x · x (one eltwise layer, one cast),
 * e = 1 a copy, e = 0.5 and e = -1 the Sqrt and Reciprocal tables (src/ops/arith-curve.ts, bounds there); what
 * exporters write for LayerNorm and RMSNorm spelled out as separate ops. An integer e ≥ 3 (GELU's tanh form writes
 * x^3) is a chain of e − 1 products, each intermediate the exact product (mulFormat), so only the last is cast:
 * e·W bits must stay within 52. Anything else is refused.
 */
function lowerPow(node: Node, p: EltParams, ctx: LowerContext): void {
  const e = ctx.constant(node.inputs[1]);
  if (!e) ctx.fail(node, `the exponent '${node.inputs[1]}' is computed at run time; a run-time base needs a constant exponent (only 2, 1, 0.5 and -1 build)`);
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const v = e.data.length === 1 ? e.data[0] : NaN;
  if (!(Number.isInteger(v) && v >= 1) && v !== 0.5 && v !== -1) ctx.fail(node, `exponent ${e.data.length === 1 ? v : `[${e.shape}]`} on a run-time tensor: only positive integers, 0.5 and -1 build (exact products, a copy, Sqrt, Reciprocal)`);
  if (numel(x.shape) !== numel(out.shape)) ctx.fail(node, 'the exponent must not broadcast the base to a larger shape');
  const name = ctx.layerName(node);
  if (v === 0.5 || v === -1) {
    if (p.act.kind !== 'none') ctx.fail(node, 'an activation fused into a table-based Pow');
    addOctave(ctx, node, name, v === 0.5 ? 'sqrt' : 'reciprocal', x, out);
    return;
  }
  if (v === 1) {
    ctx.add({ kind: 'unary', name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: lowerAct(p.act, out.format) });
    return;
  }
  const outShape = padShape(out.shape, ELT_RANK);
  const strides = broadcastStrides(x.shape, outShape, ELT_RANK);
  if (v * x.format.width > 52) ctx.fail(node, `exponent ${v}: the exact product x^${v} of ${x.format.width}-bit values needs ${v * x.format.width} bits, at most 52 build (a narrower --precision brings it within)`);
  // x^(k+1) = x^k · x, exact for k < v − 1 (a temp of the full product format), the last one cast to the output.
  let prev = x;
  for (let k = 2; k <= v; k++) {
    const last = k === v;
    const to = last ? out : ctx.temp(`${name}_p${k}`, x.shape, mulFormat(prev.format, x.format));
    ctx.add({
      kind: 'eltwise', op: 'mul', name: last ? name : `${name}_p${k}`, sources: sourcesOf(node), inputs: prev === x ? [x.name] : [prev.name, x.name], output: to.name,
      a: { tensor: prev.name }, b: { tensor: x.name }, outShape, aStrides: strides, bStrides: strides, act: last ? lowerAct(p.act, out.format) : { kind: 'none' },
    });
    prev = to;
  }
}

export type { Node };
