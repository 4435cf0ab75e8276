/**
 * @fileoverview Softmax (opset < 13: over the flattened trailing dims from `axis`; opset ≥ 13: over one axis).
 * Lowers to a `softmax` layer computed with exp and reciprocal in integers (see SoftmaxLayer).
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { OpDef } from './types.js';
import { softmaxTables } from '../quant/tables.js';
import { fracBits } from '../../sim/fixed.js';

export interface SoftmaxParams {
  readonly outer: number;
  readonly len: number;
  readonly inner: number;
}

export function parseSoftmax(node: Node, shape: readonly number[], opset: number): SoftmaxParams {
  const r = shape.length;
  let axis = attrInt(node, 'axis', opset < 13 ? 1 : -1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= Math.max(r, 1)) {
    throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `axis ${attrInt(node, 'axis')} is out of range for rank ${r}` }]);
  }
  const outer = numel(shape.slice(0, axis));
  if (opset < 13) return { outer, len: numel(shape.slice(axis)), inner: 1 };
  return { outer, len: shape[axis] ?? 1, inner: numel(shape.slice(axis + 1)) };
}

function evaluateSoftmax(p: SoftmaxParams, x: Tensor): Tensor {
  const out = new Float64Array(x.data.length);
  for (let o = 0; o < p.outer; o++)
    for (let i = 0; i < p.inner; i++) {
      const at = (j: number) => (o * p.len + j) * p.inner + i;
      let m = -Infinity;
      for (let j = 0; j < p.len; j++) m = Math.max(m, x.data[at(j)]);
      let s = 0;
      for (let j = 0; j < p.len; j++) s += Math.exp(x.data[at(j)] - m);
      for (let j = 0; j < p.len; j++) out[at(j)] = Math.exp(x.data[at(j)] - m) / s;
    }
  return tensor(x.shape, out, x.dtype);
}

export const SoftmaxOp: OpDef<SoftmaxParams, 'Softmax'> = {
  op: 'Softmax',
  family: 'nonlinear',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: (node, ins, opset) => parseSoftmax(node, ins[0]!.shape, opset),
  infer: (_n, _p, ins) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
  evaluate: (_n, p, ins) => [evaluateSoftmax(p, ins[0]!)],
  lower(node, p, ctx) {
    const x = ctx.input(node.inputs[0]);
    const out = ctx.output(node.outputs[0]);
    const name = ctx.layerName(node);
    const t = softmaxTables(x.format, { outFrac: fracBits(out.format) });
    ctx.add({
      kind: 'softmax', name, sources: sourcesOf(node), inputs: [x.name], output: out.name,
      outer: p.outer, len: p.len, inner: p.inner, expShift: t.expShift,
      expTable: ctx.rawData(`${name}_exp`, [t.expTable.length], t.expTable, t.expFormat),
      recipTable: ctx.rawData(`${name}_recip`, [t.recipTable.length], t.recipTable, t.recipFormat),
    });
  },
};
