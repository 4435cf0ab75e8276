/**
 * @fileoverview Add, Sub, Mul (and Div, Pow: constant folding only) with multidirectional broadcasting, between two
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
import { fracBits } from '../../sim/fixed.js';

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
export const DivOp = makeBinary('Div', (a, b) => a / b, null);
/** Constant folding only (e.g. Brevitas' BatchNorm export computes sqrt(var + eps) as Pow(·, 0.5)). */
export const PowOp = makeBinary('Pow', (a, b) => a ** b, null);

export type { Node };
