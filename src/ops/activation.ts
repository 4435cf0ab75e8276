/**
 * @fileoverview Relu, Clip (ReLU6 and any bounds, given as attributes before opset 11 and as inputs after) and
 * Sigmoid. Relu and Clip either fuse into the producing Conv/Dense/element-wise layer (fuse pass) or lower to a
 * `unary` layer; Sigmoid lowers to a lookup-table layer.
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { tensor } from '../ir/graph.js';
import { attrFloat } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { InputInfo, OpDef } from './types.js';
import { lowerAct } from './conv.js';
import { sigmoidTable } from '../quant/tables.js';
import { numel } from '../ir/graph.js';

export type FloatAct = { readonly kind: 'none' } | { readonly kind: 'relu' } | { readonly kind: 'clip'; readonly min: number; readonly max: number };

export function applyFloatAct(v: number, act: FloatAct): number {
  if (act.kind === 'relu') return v > 0 ? v : 0;
  if (act.kind === 'clip') return v < act.min ? act.min : v > act.max ? act.max : v;
  return v;
}

const sameShape = (_n: Node, _p: unknown, ins: readonly (InputInfo | undefined)[]) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }];

function mapTensor(t: Tensor, f: (v: number) => number): Tensor {
  return tensor(t.shape, t.data.map(f), t.dtype);
}

function unaryLower(node: Node, act: FloatAct, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: lowerAct(act, out.format) });
}

export const ReluOp: OpDef<FloatAct> = {
  op: 'Relu',
  family: 'activation',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: () => ({ kind: 'relu' }),
  infer: sameShape,
  evaluate: (_n, _p, ins) => [mapTensor(ins[0]!, (v) => (v > 0 ? v : 0))],
  lower: (node, p, ctx) => unaryLower(node, p, ctx),
};

function scalarInput(node: Node, info: InputInfo | undefined, which: string): number | undefined {
  if (!info) return undefined;
  if (!info.value) {
    throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `the ${which} bound must be a constant` }]);
  }
  if (info.value.data.length !== 1) {
    throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `the ${which} bound must be a scalar` }]);
  }
  return info.value.data[0];
}

export const ClipOp: OpDef<FloatAct> = {
  op: 'Clip',
  family: 'activation',
  arity: { inputs: [1, 3], outputs: [1, 1] },
  parse(node, ins, opset) {
    let min: number | undefined;
    let max: number | undefined;
    if (opset < 11) {
      min = attrFloat(node, 'min');
      max = attrFloat(node, 'max');
    } else {
      min = scalarInput(node, node.inputs[1] ? ins[1] : undefined, 'min');
      max = scalarInput(node, node.inputs[2] ? ins[2] : undefined, 'max');
    }
    return { kind: 'clip', min: min ?? -Infinity, max: max ?? Infinity };
  },
  infer: sameShape,
  // ONNX: min > max gives max everywhere (numpy.clip order: max applied last).
  evaluate: (_n, p, ins) => [mapTensor(ins[0]!, (v) => (p.kind === 'clip' ? Math.min(Math.max(v, p.min), p.max) : v))],
  lower: (node, p, ctx) => unaryLower(node, p, ctx),
  constantInputs: [1, 2],
};

export const SigmoidOp: OpDef<Record<string, never>> = {
  op: 'Sigmoid',
  family: 'nonlinear',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: () => ({}),
  infer: sameShape,
  evaluate: (_n, _p, ins) => [mapTensor(ins[0]!, (v) => 1 / (1 + Math.exp(-v)))],
  lower(node, _p, ctx) {
    const x = ctx.input(node.inputs[0]);
    const out = ctx.output(node.outputs[0]);
    const name = ctx.layerName(node);
    const t = sigmoidTable(out.format);
    const table = ctx.rawData(`${name}_table`, [t.table.length], t.table, out.format);
    ctx.add({
      kind: 'lut', fn: 'sigmoid', name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape),
      idxShift: t.idxShift, offset: t.offset, table,
    });
  },
};
