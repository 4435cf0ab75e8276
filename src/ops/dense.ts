/**
 * @fileoverview Gemm, MatMul and the canonical Dense op (x · Wᵀ + b with W stored [nOut][nIn], created by the
 * toDense pass from Gemm/MatMul with a constant weight and an optional constant bias Add). Dense lowers to a
 * `dense` layer; a Gemm/MatMul of two tensors lowers to a `matmul` layer.
 */
import { sourcesOf } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { attrFloat, attrInt } from '../onnx/attrs.js';
import { DiagnosticError } from '../diagnostics.js';
import { earlierParams, type InputInfo, type OpDef } from './types.js';
import { lowerMacNode } from './conv.js';
import { applyFloatAct, lowerAct, type FloatAct } from './act.js';
import { broadcastMap, broadcastShape } from './broadcast.js';
import { productSumFormat } from '../quant/acc.js';

function bad(node: Node, message: string, code: 'FPGAC003' | 'FPGAC004' = 'FPGAC003'): never {
  throw new DiagnosticError([{ code, node: node.name, op: node.op, message }]);
}

/** Batched matrix product A[..., m, k] · B[..., k, n] with broadcast batch dims (float reference). */
function matmulFloat(a: Tensor, b: Tensor, node: Node): Tensor {
  const aS = a.shape.length === 1 ? [1, a.shape[0]] : [...a.shape];
  const bS = b.shape.length === 1 ? [b.shape[0], 1] : [...b.shape];
  const [m, k] = aS.slice(-2);
  const [k2, n] = bS.slice(-2);
  if (k !== k2) bad(node, `inner dimensions ${k} and ${k2} differ`, 'FPGAC004');
  const batch = broadcastShape(aS.slice(0, -2), bS.slice(0, -2));
  if (!batch) bad(node, 'batch dimensions do not broadcast', 'FPGAC004');
  const nb = numel(batch);
  const out = new Float64Array(nb * m * n);
  const aB = numel(aS.slice(0, -2));
  const bB = numel(bS.slice(0, -2));
  // Index of the batch element of each operand for each result batch (broadcasting via strides).
  const pick = (count: number, shape: number[]) =>
    broadcastMap({ shape, data: Float64Array.from({ length: count }, (_, i) => i) }, { shape: [], data: new Float64Array([0]) }, batch, (x) => x);
  const ai = pick(aB, aS.slice(0, -2));
  const bi = pick(bB, bS.slice(0, -2));
  for (let t = 0; t < nb; t++) {
    const ao = ai[t] * m * k;
    const bo = bi[t] * k * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a.data[ao + i * k + q] * b.data[bo + q * n + j];
        out[(t * m + i) * n + j] = s;
      }
  }
  let shape = [...batch, m, n];
  if (a.shape.length === 1) shape = [...batch, n];
  if (b.shape.length === 1) shape = a.shape.length === 1 ? [...batch] : [...batch, m];
  return tensor(shape, out, a.dtype);
}

function matmulShape(node: Node, a: readonly number[], b: readonly number[]): number[] {
  const aS = a.length === 1 ? [1, a[0]] : [...a];
  const bS = b.length === 1 ? [b[0], 1] : [...b];
  if (aS[aS.length - 1] !== bS[bS.length - 2]) bad(node, `inner dimensions of [${a}] and [${b}] differ`, 'FPGAC004');
  const batch = broadcastShape(aS.slice(0, -2), bS.slice(0, -2));
  if (!batch) bad(node, `batch dimensions of [${a}] and [${b}] do not broadcast`, 'FPGAC004');
  const m = aS[aS.length - 2];
  const n = bS[bS.length - 1];
  if (a.length === 1 && b.length === 1) return batch;
  if (a.length === 1) return [...batch, n];
  if (b.length === 1) return [...batch, m];
  return [...batch, m, n];
}

/** Lowers a product of two tensors (no constant weight) to a `matmul` layer. */
function lowerMatMul(node: Node, ctx: Parameters<NonNullable<OpDef['lower']>>[2]): void {
  const a = ctx.input(node.inputs[0]);
  const b = ctx.input(node.inputs[1]);
  const out = ctx.output(node.outputs[0]);
  const aS = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bS = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [m, k] = aS.slice(-2);
  const n = bS[bS.length - 1];
  const aB = numel(aS.slice(0, -2));
  const bB = numel(bS.slice(0, -2));
  const batch = Math.max(aB, bB);
  if ((aB !== batch && aB !== 1) || (bB !== batch && bB !== 1)) bad(node, 'only whole-batch broadcasting is supported for a product of two tensors');
  ctx.add({
    kind: 'matmul', name: ctx.layerName(node), sources: sourcesOf(node), inputs: [a.name, b.name], output: out.name,
    batch, m, k, n, aBatchStride: aB === 1 ? 0 : m * k, bBatchStride: bB === 1 ? 0 : k * n,
    acc: productSumFormat(a.format, b.format, k),
  });
}

export const MatMulOp: OpDef<Record<string, never>, 'MatMul'> = {
  op: 'MatMul',
  family: 'dense',
  arity: { inputs: [2, 2], outputs: [1, 1] },
  parse(node, ins) {
    if (!ins[0] || !ins[1]) bad(node, 'needs two inputs');
    matmulShape(node, ins[0].shape, ins[1].shape);
    return {};
  },
  infer: (node, _p, ins) => [{ shape: matmulShape(node, ins[0]!.shape, ins[1]!.shape), dtype: ins[0]!.dtype }],
  evaluate: (node, _p, ins) => [matmulFloat(ins[0]!, ins[1]!, node)],
  // One multiply-add per output element and term of the shared axis.
  foldCost: (_p, ins, outs) => numel(outs[0].shape) * (ins[0]!.shape[ins[0]!.shape.length - 1] ?? 1),
  lower: (node, _p, ctx) => lowerMatMul(node, ctx),
};

export interface GemmParams {
  readonly alpha: number; readonly beta: number; readonly transA: boolean; readonly transB: boolean;
}

function transpose2d(t: Tensor): Tensor {
  const [r, c] = t.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return tensor([c, r], out, t.dtype);
}

export function evaluateGemm(node: Node, p: GemmParams, ins: readonly (Tensor | undefined)[]): Tensor {
  let [a, b] = ins as [Tensor, Tensor];
  const c = ins[2];
  if (p.transA) a = transpose2d(a);
  if (p.transB) b = transpose2d(b);
  const y = matmulFloat(a, b, node);
  const scaled = y.data.map((v) => v * p.alpha);
  if (!c) return tensor(y.shape, scaled, y.dtype);
  return tensor(y.shape, broadcastMap({ shape: y.shape, data: scaled }, c, y.shape, (u, v) => u + p.beta * v), y.dtype);
}

/** Y's rows M, columns N and the shared K, K2 of A and B (2-D) after their transposes. */
function gemmDims(p: GemmParams, a: readonly number[], b: readonly number[]) {
  return { m: p.transA ? a[1] : a[0], k: p.transA ? a[0] : a[1], k2: p.transB ? b[1] : b[0], n: p.transB ? b[0] : b[1] };
}

export const GemmOp: OpDef<GemmParams, 'Gemm'> = {
  op: 'Gemm',
  family: 'dense',
  arity: { inputs: [2, 3], outputs: [1, 1] },
  parse(node, ins, opset) {
    const [a, b, c] = ins;
    if (!a || !b) bad(node, 'needs inputs A and B');
    if (a.shape.length !== 2 || b.shape.length !== 2) bad(node, 'A and B must be 2-D');
    const p = { alpha: attrFloat(node, 'alpha', 1), beta: attrFloat(node, 'beta', 1), transA: attrInt(node, 'transA', 0) === 1, transB: attrInt(node, 'transB', 0) === 1 };
    // Before opset 7, C broadcasts (as NumPy does, from the trailing dims) only with `broadcast` 1; without it C
    // must be [M, N]. From 7 it always broadcasts, so the attribute has no other reading and is ignored.
    if (opset < 7 && c && attrInt(node, 'broadcast', 0) !== 1) {
      const { m, n } = gemmDims(p, a.shape, b.shape);
      if (c.shape.length !== 2 || c.shape[0] !== m || c.shape[1] !== n) bad(node, `C of shape [${c.shape}] must be [${m}, ${n}]: before opset 7 C is broadcast only with attribute broadcast = 1`, 'FPGAC004');
    }
    return p;
  },
  infer(node, p, ins) {
    const { m, k, k2, n } = gemmDims(p, ins[0]!.shape, ins[1]!.shape);
    if (k !== k2) bad(node, `inner dimensions ${k} and ${k2} differ`, 'FPGAC004');
    const c = ins[2];
    // C broadcasts one way: onto Y's [M, N], never widening it.
    const cb = c && broadcastShape(c.shape, [m, n]);
    if (c && (!cb || cb.length !== 2 || cb[0] !== m || cb[1] !== n)) bad(node, `C of shape [${c.shape}] does not broadcast to [${m}, ${n}]`, 'FPGAC004');
    return [{ shape: [m, n], dtype: ins[0]!.dtype }];
  },
  evaluate: (node, p, ins) => [evaluateGemm(node, p, ins)],
  foldCost: (p, ins, outs) => numel(outs[0].shape) * ((p.transA ? ins[0]!.shape[0] : ins[0]!.shape[1]) ?? 1),
  lower(node, p, ctx) {
    // A Gemm with a constant B became Dense in the toDense pass; what remains multiplies two tensors.
    if (p.alpha !== 1 || p.transA || p.transB || (node.inputs[2] && p.beta !== 0)) {
      bad(node, 'a Gemm of two tensors is supported only as a plain product (alpha 1, no transposes, no C)');
    }
    lowerMatMul(node, ctx);
  },
};

export interface DenseParams {
  readonly act: FloatAct;
}

/** Canonical dense: inputs [x (..., nIn), W [nOut, nIn] constant, b [nOut] constant or ''] */
export const DenseOp: OpDef<DenseParams, 'Dense'> = {
  op: 'Dense',
  family: 'dense',
  arity: { inputs: [2, 3], outputs: [1, 1] },
  domains: ['fpgac'],
  parse: (node) => ({ act: earlierParams(node, DenseOp)?.act ?? { kind: 'none' } }),
  infer(node, _p, ins) {
    const x = ins[0]!.shape;
    const w = ins[1]!.shape;
    if (w.length !== 2 || x.length === 0) bad(node, `weight of shape [${w}] for an input of shape [${x}]: a 2-D weight and an input of rank 1 or more are needed`, 'FPGAC004');
    if (x[x.length - 1] !== w[1]) bad(node, `input features ${x[x.length - 1]} != weight columns ${w[1]}`, 'FPGAC004');
    const b = ins[2]?.shape;
    if (b && numel(b) !== w[0]) bad(node, `bias of shape [${b}] does not match the ${w[0]} outputs`, 'FPGAC004');
    return [{ shape: [...x.slice(0, -1), w[0]], dtype: ins[0]!.dtype }];
  },
  evaluate(_node, p, ins) {
    const [x, w, b] = ins as [Tensor, Tensor, Tensor | undefined];
    const [nOut, nIn] = w.shape;
    const rows = x.data.length / nIn;
    const out = new Float64Array(rows * nOut);
    for (let r = 0; r < rows; r++)
      for (let o = 0; o < nOut; o++) {
        let s = b ? b.data[o] : 0;
        for (let i = 0; i < nIn; i++) s += x.data[r * nIn + i] * w.data[o * nIn + i];
        out[r * nOut + o] = applyFloatAct(s, p.act);
      }
    return [tensor([...x.shape.slice(0, -1), nOut], out, x.dtype)];
  },
  constantInputs: [1, 2],
  lower(node, p, ctx) {
    const { x, out, base, weight, bias, acc, shift } = lowerMacNode(node, ctx, (_, wT) => wT.shape);
    const [nOut, nIn] = weight.shape;
    ctx.add({
      kind: 'dense', name: base, sources: sourcesOf(node), inputs: [x.name], output: out.name,
      rows: numel(x.shape) / nIn, nIn, nOut, weight, bias,
      acc,
      act: lowerAct(p.act, out.format), ...(shift ? { shift } : {}),
    });
  },
};

export type { InputInfo };
