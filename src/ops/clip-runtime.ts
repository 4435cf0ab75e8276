/**
 * @fileoverview Clip whose min or max is a runtime tensor (a scalar computed by the graph, opset ≥ 11): lowered to
 * exact element-wise `max` then `min` layers against those scalars (ONNX order: max(x, min) first, min(·, max)
 * last, so min > max gives max everywhere). The intermediate is in the exact format of both operands, so the only
 * lossy step is the last layer's cast; a constant bound of a partly runtime Clip is an eltwise constant in the
 * bias format. Clips with constant bounds stay fused activations or `unary` layers (src/ops/activation.ts).
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node } from '../ir/graph.js';
import { addFormat, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type DTensor, type Operand } from '../ir/design.js';
import { paramFormat, type LowerContext } from '../quant/context.js';
import { broadcastStrides, padShape } from './broadcast.js';

/** Which of Clip's bounds (inputs 1 and 2) are runtime tensors; absent when both are constants or omitted. */
export type ClipRuntime = readonly [boolean, boolean];

interface Bound { readonly op: Operand; readonly shape: readonly number[]; readonly format: FixedFormat }

function boundOf(ctx: LowerContext, node: Node, k: number): Bound | null {
  const name = node.inputs[k];
  if (!name) return null;
  const c = ctx.constant(name);
  if (c) {
    const f = paramFormat(ctx.opts, 'bias', c.data);
    return { op: { constant: ctx.constData(`${ctx.layerName(node)}_${k === 1 ? 'lo' : 'hi'}`, c.shape, c.data, f) }, shape: c.shape, format: f };
  }
  const t = ctx.input(name);
  return { op: { tensor: t.name }, shape: t.shape, format: t.format };
}

export function lowerRuntimeClip(node: Node, ctx: LowerContext): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const name = ctx.layerName(node);
  const steps = ([[1, 'max'], [2, 'min']] as const).map(([k, op]) => ({ op, bound: boundOf(ctx, node, k) })).filter((s) => s.bound);
  const outShape = padShape(out.shape, ELT_RANK);
  let cur: { tensor: string; shape: readonly number[]; format: FixedFormat } = { tensor: x.name, shape: x.shape, format: x.format };
  steps.forEach(({ op, bound }, i) => {
    const b = bound!;
    const last = i === steps.length - 1;
    const dst: DTensor = last ? out : ctx.temp(`${name}_${op}`, out.shape, addFormat(cur.format, b.format));
    ctx.add({
      kind: 'eltwise', op, name: last ? name : `${name}_${op}`, sources: sourcesOf(node),
      inputs: [...new Set([cur.tensor, ...('tensor' in b.op ? [b.op.tensor] : [])])], output: dst.name,
      a: { tensor: cur.tensor }, b: b.op, outShape,
      aStrides: broadcastStrides(cur.shape, outShape, ELT_RANK), bStrides: broadcastStrides(b.shape, outShape, ELT_RANK),
      act: { kind: 'none' },
    });
    cur = { tensor: dst.name, shape: dst.shape, format: dst.format };
  });
}
