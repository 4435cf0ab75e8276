/**
 * @fileoverview Relu, Clip (ReLU6 and any bounds, given as attributes before opset 11 and as inputs after, constant
 * or runtime scalars: src/ops/clip-runtime.ts) and
 * Sigmoid. Relu and Clip either fuse into the producing Conv/Dense/element-wise layer (fuse pass) or lower to a
 * `unary` layer; Sigmoid lowers to a lookup-table layer.
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { tensor } from '../ir/graph.js';
import { attrFloat } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import type { InputInfo, OpDef } from './types.js';
import { lowerAct, type FloatAct } from './act.js';
import { refuseAttrs, refuseInputs } from './opset.js';
import { sigmoidTable } from '../quant/tables.js';
import { lowerRuntimeClip, type ClipRuntime } from './clip-runtime.js';
import { numel } from '../ir/graph.js';

const sameShape = (_n: Node, _p: unknown, ins: readonly (InputInfo | undefined)[]) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }];

function mapTensor(t: Tensor, f: (v: number) => number): Tensor {
  return tensor(t.shape, t.data.map(f), t.dtype);
}

function unaryLower(node: Node, act: FloatAct, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  ctx.add({ kind: 'unary', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape), act: lowerAct(act, out.format) });
}

export const ReluOp: OpDef<FloatAct, 'Relu'> = {
  op: 'Relu',
  family: 'activation',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  parse: () => ({ kind: 'relu' }),
  infer: sameShape,
  evaluate: (_n, _p, ins) => [mapTensor(ins[0]!, (v) => (v > 0 ? v : 0))],
  lower: (node, p, ctx) => unaryLower(node, p, ctx),
};

/** A bound's value; NaN for a runtime scalar tensor (ClipParams.runtime, lowered by src/ops/clip-runtime.ts). */
function scalarInput(node: Node, info: InputInfo | undefined, which: string): number | undefined {
  if (!info) return undefined;
  if (!info.value) {
    if (info.shape.reduce((a, b) => a * b, 1) === 1) return NaN;
    throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `the ${which} bound must be a scalar (it has shape [${info.shape}])` }]);
  }
  if (info.value.data.length !== 1) {
    throw new DiagnosticError([{ code: 'FPGAC003', node: node.name, op: node.op, message: `the ${which} bound must be a scalar` }]);
  }
  return info.value.data[0];
}

/** Clip's params: its fused form, plus which bounds are runtime tensors (then it never fuses). */
export type ClipParams = FloatAct & { readonly runtime?: ClipRuntime };

export const ClipOp: OpDef<ClipParams, 'Clip'> = {
  op: 'Clip',
  family: 'activation',
  arity: { inputs: [1, 3], outputs: [1, 1] },
  parse(node, ins, opset) {
    let min: number | undefined;
    let max: number | undefined;
    if (opset < 11) {
      refuseInputs(node, 1, `Clip takes its bounds as inputs from opset 11; before (the model imports opset ${opset}) they are the min and max attributes`);
      min = attrFloat(node, 'min');
      max = attrFloat(node, 'max');
    } else {
      refuseAttrs(node, ['min', 'max'], `Clip's bounds are attributes only before opset 11; from 11 (the model imports ${opset}) they are inputs 1 and 2`);
      min = scalarInput(node, node.inputs[1] ? ins[1] : undefined, 'min');
      max = scalarInput(node, node.inputs[2] ? ins[2] : undefined, 'max');
    }
    const runtime: ClipRuntime = [Number.isNaN(min), Number.isNaN(max)];
    return { kind: 'clip', min: min ?? -Infinity, max: max ?? Infinity, ...(runtime[0] || runtime[1] ? { runtime } : {}) };
  },
  infer: sameShape,
  // ONNX: min > max gives max everywhere (numpy.clip order: max applied last). Runtime bounds are read from inputs.
  evaluate: (_n, p, ins) => {
    if (p.kind !== 'clip') return [ins[0]!];
    const lo = p.runtime?.[0] ? ins[1]!.data[0] : p.min;
    const hi = p.runtime?.[1] ? ins[2]!.data[0] : p.max;
    return [mapTensor(ins[0]!, (v) => Math.min(Math.max(v, lo), hi))];
  },
  lower: (node, p, ctx) => (p.kind === 'clip' && p.runtime ? lowerRuntimeClip(node, ctx) : unaryLower(node, p, ctx)),
  unsupported: [{ variant: 'a min or max input with more than one value', reason: 'ONNX defines the bounds as scalars', diagnostic: /bound must be a scalar/ }],
};

export const SigmoidOp: OpDef<Record<string, never>, 'Sigmoid'> = {
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
