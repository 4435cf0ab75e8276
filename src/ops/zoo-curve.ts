/**
 * @fileoverview The smooth activations: Tanh, Softplus, Softsign, Mish, Gelu (approximate 'none' or 'tanh'), Elu,
 * Selu, Celu and Exp. Each lowers to one `curve` layer (src/kinds/curve.ts): the exact linear part of the function
 * (x for Softplus/Mish/Gelu/Elu/Celu, γx for Selu, none for the bounded ones and Exp) plus an interpolated table of
 * the bounded rest, built by src/quant/curves.ts (its overview states the error bound).
 */
import { sourcesOf, numel, tensor } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { attrFloat, attrString } from '../onnx/attrs.js';
import type { CurveFn } from '../ir/design.js';
import type { LowerContext } from '../quant/context.js';
import { CURVE_FLOAT, curveTable } from '../quant/curves.js';
import { opsetProblem } from './opset.js';
import type { InputInfo, OpDef } from './types.js';

const sameShape = (_n: Node, _p: unknown, ins: readonly (InputInfo | undefined)[]) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }];
const mapTensor = (t: Tensor, f: (v: number) => number): Tensor => tensor(t.shape, t.data.map(f), t.dtype);

/** Parsed params of every curve op: the function and its constants (α, γ; 1 where unused). */
export interface CurveParams { readonly fn: CurveFn; readonly alpha: number; readonly gamma: number }

function lowerCurve(node: Node, p: CurveParams, ctx: LowerContext): void {
  const x = ctx.input(node.inputs[0]);
  const out = ctx.output(node.outputs[0]);
  const name = ctx.layerName(node);
  const t = curveTable(p.fn, x.format, out.format, { alpha: p.alpha, gamma: p.gamma });
  ctx.add({
    kind: 'curve', fn: p.fn, name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape),
    idxShift: t.idxShift, offset: t.offset,
    table: ctx.rawData(`${name}_table`, [t.table.length], t.table, t.format),
    delta: ctx.rawData(`${name}_delta`, [t.delta.length], t.delta, t.format),
    slopes: t.slopes,
  });
}

function curveOp<Op extends string>(op: Op, parse: (node: Node) => CurveParams, since = 1): OpDef<CurveParams, Op> {
  return {
    op, family: 'curve', since,
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse: (node) => parse(node),
    infer: sameShape,
    evaluate: (_n, p, ins) => [mapTensor(ins[0]!, (v) => CURVE_FLOAT[p.fn](v, p.alpha, p.gamma))],
    lower: lowerCurve,
  };
}

const plain = (fn: CurveFn) => (): CurveParams => ({ fn, alpha: 1, gamma: 1 });

export const TanhOp = curveOp('Tanh', plain('tanh'));
export const SoftplusOp = curveOp('Softplus', plain('softplus'));
export const SoftsignOp = curveOp('Softsign', plain('softsign'));
export const MishOp = curveOp('Mish', plain('mish'), 18);
export const ExpOp = curveOp('Exp', plain('exp'));

export const GeluOp = curveOp('Gelu', (node) => {
  const approx = attrString(node, 'approximate', 'none');
  if (approx !== 'none' && approx !== 'tanh') return opsetProblem(node, `approximate='${approx}' is not defined (ONNX: 'none' or 'tanh')`);
  return { fn: approx === 'tanh' ? 'gelu_tanh' : 'gelu', alpha: 1, gamma: 1 };
}, 20);

export const EluOp = curveOp('Elu', (node) => ({ fn: 'elu', alpha: attrFloat(node, 'alpha', 1), gamma: 1 }));

export const SeluOp = curveOp('Selu', (node) => ({
  fn: 'selu', alpha: attrFloat(node, 'alpha', 1.67326319217681884765625), gamma: attrFloat(node, 'gamma', 1.05070102214813232421875),
}));

export const CeluOp = curveOp('Celu', (node) => {
  const alpha = attrFloat(node, 'alpha', 1);
  if (!(alpha > 0)) return opsetProblem(node, `alpha = ${alpha}: Celu divides by alpha, which must be positive`);
  return { fn: 'celu', alpha, gamma: 1 };
}, 12);
