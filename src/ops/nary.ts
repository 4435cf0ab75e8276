/**
 * @fileoverview Max, Min, Sum, Mean of any number of inputs with multidirectional broadcasting (before opset 8
 * the inputs must have equal shapes; consumed_inputs of opset 1 is legacy and ignored). Lowered as a chain of
 * exact two-input `eltwise` layers (max / min / add), each intermediate in the exact result format, so only the
 * last step rounds; Mean multiplies the exact sum by 1/n (a free shift when n is a power of two, else 1/n rounded
 * to recipFracBits fraction bits: error ≤ 1/8 input LSB before the output cast, see pool.ts).
 */
import { sourcesOf, numel, tensor } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';
import { addFormat, fixed, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type DTensor, type Operand } from '../ir/design.js';
import { paramFormat, type LowerContext } from '../quant/context.js';
import type { OpDef } from './types.js';
import { broadcastMap, broadcastShape, broadcastStrides, padShape } from './broadcast.js';
import { recipFracBits } from './pool.js';

export type NaryParams = Record<string, never>;

type NaryKind = 'max' | 'min' | 'sum' | 'mean';

function bad(node: Node, code: 'FPGAC003' | 'FPGAC004', message: string): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

const FN: Record<NaryKind, (a: number, b: number) => number> = {
  max: Math.max, min: Math.min, sum: (a, b) => a + b, mean: (a, b) => a + b,
};

/** One operand of the chain: a lowered tensor, or a constant input in the bias format. */
function operandOf(ctx: LowerContext, node: Node, name: string, k: number): { op: Operand; shape: readonly number[]; format: FixedFormat } {
  const c = ctx.constant(node.inputs[k]);
  if (c) {
    const f = paramFormat(ctx.opts, 'bias', c.data);
    return { op: { constant: ctx.constData(`${name}_c${k}`, c.shape, c.data, f) }, shape: c.shape, format: f };
  }
  const t = ctx.input(node.inputs[k]);
  return { op: { tensor: t.name }, shape: t.shape, format: t.format };
}

function lowerNary(kind: NaryKind, node: Node, ctx: LowerContext): void {
  const name = ctx.layerName(node);
  const n = node.inputs.length;
  const out = ctx.output(node.outputs[0]);
  const op = kind === 'max' || kind === 'min' ? kind : 'add';
  const pow2 = kind === 'mean' && Number.isInteger(Math.log2(n));
  let acc = operandOf(ctx, node, name, 0);
  if (n === 1 && 'constant' in acc.op) ctx.fail(node, 'a single constant input is folded, not lowered');
  for (let k = 1; k < n; k++) {
    const b = operandOf(ctx, node, name, k);
    const shape = broadcastShape(acc.shape, b.shape)!;
    // The last step writes the output, except for a Mean, whose exact sum is scaled afterwards.
    const last = k === n - 1 && kind !== 'mean';
    const exact = addFormat(acc.format, b.format);
    const dst: DTensor = last ? out : ctx.temp(`${name}_s${k}`, shape, exact);
    const outShape = padShape(shape, ELT_RANK);
    ctx.add({
      kind: 'eltwise', op, name: last ? name : `${name}_s${k}`, sources: sourcesOf(node),
      inputs: [...new Set([acc.op, b.op].flatMap((o) => ('tensor' in o ? [o.tensor] : [])))], output: dst.name,
      a: acc.op, b: b.op, outShape,
      aStrides: broadcastStrides(acc.shape, outShape, ELT_RANK), bStrides: broadcastStrides(b.shape, outShape, ELT_RANK),
      act: { kind: 'none' },
    });
    acc = { op: { tensor: dst.name }, shape, format: dst.format };
  }
  if (n > 1 && kind !== 'mean') return;
  const src = 'tensor' in acc.op ? acc.op.tensor : '';
  if (kind !== 'mean' || pow2) {
    // One input (a cast), or a Mean over 2^k inputs: the sum read with its binary point moved k places.
    ctx.add({ kind: 'unary', name: n > 1 ? `${name}_m` : name, sources: sourcesOf(node), inputs: [src], output: out.name, n: numel(out.shape), act: { kind: 'none' }, ...(kind === 'mean' && n > 1 ? { shift: -Math.log2(n) } : {}) });
    return;
  }
  const recip = fixed(recipFracBits(acc.format.width, n) + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const c = ctx.constData(`${name}_recip`, [1], [1 / n], recip);
  const outShape = padShape(out.shape, ELT_RANK);
  ctx.add({
    kind: 'eltwise', op: 'mul', name: `${name}_m`, sources: sourcesOf(node), inputs: [src], output: out.name,
    a: { tensor: src }, b: { constant: c }, outShape,
    aStrides: broadcastStrides(acc.shape, outShape, ELT_RANK), bStrides: broadcastStrides([1], outShape, ELT_RANK),
    act: { kind: 'none' },
  });
}

function naryOp<Op extends string>(op: Op, kind: NaryKind): OpDef<NaryParams, Op> {
  return {
    op,
    family: 'nary',
    arity: { inputs: [1, Infinity], outputs: [1, 1] },
    parse(node, ins, opset) {
      if (ins.some((i) => !i)) bad(node, 'FPGAC003', 'every input is required');
      let shape: number[] | undefined = [...ins[0]!.shape];
      for (const i of ins.slice(1)) {
        if (opset < 8 && i!.shape.join() !== ins[0]!.shape.join()) bad(node, 'FPGAC003', `before opset 8 ${op} takes inputs of one shape`);
        shape = shape && broadcastShape(shape, i!.shape);
      }
      if (!shape) bad(node, 'FPGAC004', `the input shapes [${ins.map((i) => `[${i!.shape}]`).join(', ')}] do not broadcast`);
      if (shape.length > ELT_RANK) bad(node, 'FPGAC003', `rank above ${ELT_RANK} is not supported`);
      return {};
    },
    infer(_n, _p, ins) {
      let shape: number[] = [...ins[0]!.shape];
      for (const i of ins.slice(1)) shape = broadcastShape(shape, i!.shape)!;
      return [{ shape, dtype: ins[0]!.dtype }];
    },
    evaluate(_n, _p, ins) {
      let acc = ins[0]! as Tensor;
      for (const b of ins.slice(1)) {
        const shape = broadcastShape(acc.shape, b!.shape)!;
        acc = tensor(shape, broadcastMap(acc, b!, shape, FN[kind]), acc.dtype);
      }
      if (kind === 'mean') acc = tensor(acc.shape, acc.data.map((v) => v / ins.length), acc.dtype);
      return [acc];
    },
    lower: (node, _p, ctx) => lowerNary(kind, node, ctx),
  };
}

export const MaxOp = naryOp('Max', 'max');
export const MinOp = naryOp('Min', 'min');
export const SumOp = naryOp('Sum', 'sum');
export const MeanOp = naryOp('Mean', 'mean');
