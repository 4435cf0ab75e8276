/**
 * @fileoverview toDense and foldBias: products with constant weights become the canonical Dense op
 * (W stored [nOut][nIn]), and a following Add of a per-output constant becomes the layer's bias.
 *
 *   MatMul(x, W[k,n]) → Add(b[n])         becomes   Dense(x, Wᵀ, b)
 *   Gemm(x, B, C, alpha, beta, transB)    becomes   Dense(x, alpha·op(B)ᵀ, beta·C)
 *   Conv(x, W) → Add(b[1,C,1,1])          becomes   Conv(x, W, b)          (CNTK and TF exporters)
 */
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { consumers, numel, tensor } from '../ir/graph.js';
import { isOp, paramsOf } from '../ops/registry.js';
import { freshName, mergedSources, NodeEdits, soleConsumer, type PassResult } from './util.js';

function transposed(t: Tensor): Float64Array {
  const [r, c] = t.shape;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return out;
}

/** The per-output vector of a constant that broadcasts along the last axis only (shape [n], [1,n], [1,..,n]). */
function perLastAxis(t: Tensor, n: number): Float64Array | undefined {
  if (numel(t.shape) === 1) return new Float64Array(n).fill(t.data[0]);
  if (t.shape[t.shape.length - 1] === n && numel(t.shape) === n) return t.data;
  return undefined;
}

/** The per-channel vector of a constant broadcast along axis 1 of a rank-r NC... tensor ([C,1,1], [1,C,1,1]). */
function perChannel(t: Tensor, c: number, rank: number): Float64Array | undefined {
  if (numel(t.shape) === 1) return new Float64Array(c).fill(t.data[0]);
  if (numel(t.shape) !== c) return undefined;
  const aligned = [...new Array(rank - t.shape.length).fill(1), ...t.shape];
  return aligned[1] === c ? t.data : undefined;
}

export function toDense(g: Graph): PassResult {
  const constants = new Map(g.constants);
  const values = new Map(g.values);
  const taken = new Set<string>();
  let converted = 0;
  const nodes: Node[] = g.nodes.flatMap((n): Node[] => {
    if (isOp(n, 'Gemm')) {
      const p = n.params;
      const b = constants.get(n.inputs[1]);
      const c = n.inputs[2] ? constants.get(n.inputs[2]) : undefined;
      if (!b || (n.inputs[2] && !c)) return [n];
      const wT = p.transB ? b.data : transposed(b);
      const [nOut, nIn] = p.transB ? b.shape : [b.shape[1], b.shape[0]];
      const wName = freshName(g, `${n.name}_W`, taken);
      constants.set(wName, tensor([nOut, nIn], wT.map((v) => v * p.alpha), b.dtype));
      const out = n.outputs[0];
      const before: Node[] = [];
      let x = n.inputs[0];
      if (p.transA) {
        // op(A) = Aᵀ: an explicit transpose in front of the dense layer.
        const t = freshName(g, `${n.name}_At`, taken);
        const aShape = g.values.get(x)!.shape;
        values.set(t, { name: t, dtype: 'float32', shape: [aShape[1], aShape[0]] });
        before.push({ name: `${n.name}_transA`, op: 'Transpose', domain: '', inputs: [x], outputs: [t], attrs: { perm: { kind: 'ints', value: [1, 0] } }, sources: [n.name] });
        x = t;
      }
      const vec = c && p.beta !== 0 ? perLastAxis(c, nOut) : undefined;
      let bName = '';
      if (vec) {
        bName = freshName(g, `${n.name}_b`, taken);
        constants.set(bName, tensor([nOut], vec.map((v) => v * p.beta), c!.dtype));
      }
      converted++;
      if (!c || p.beta === 0 || vec) return [...before, { ...n, op: 'Dense', domain: 'fpgac', inputs: [x, wName, bName], params: { act: { kind: 'none' } } }];
      // A C that varies per row is not a bias: Dense, then an element-wise Add of beta·C.
      const mid = freshName(g, `${n.name}_xw`, taken);
      values.set(mid, { ...g.values.get(out)!, name: mid });
      const cName = freshName(g, `${n.name}_C`, taken);
      constants.set(cName, tensor(c.shape, c.data.map((v) => v * p.beta), c.dtype));
      return [
        ...before,
        { ...n, op: 'Dense', domain: 'fpgac', inputs: [x, wName, ''], outputs: [mid], params: { act: { kind: 'none' } } },
        { name: `${n.name}_addC`, op: 'Add', domain: '', inputs: [mid, cName], outputs: [out], attrs: {}, sources: [n.name] },
      ];
    }
    if (n.op === 'MatMul') {
      const b = constants.get(n.inputs[1]);
      const aShape = g.values.get(n.inputs[0])?.shape;
      if (!b || b.shape.length !== 2 || !aShape || aShape.length < 2) return [n];
      const wName = freshName(g, `${n.name}_W`, taken);
      constants.set(wName, tensor([b.shape[1], b.shape[0]], transposed(b), b.dtype));
      converted++;
      return [{ ...n, op: 'Dense', domain: 'fpgac', inputs: [n.inputs[0], wName, ''], params: { act: { kind: 'none' } } }];
    }
    return [n];
  });
  return { graph: { ...g, nodes, constants, values }, summary: `toDense: ${converted} Gemm/MatMul with constant weights` };
}

export function foldBias(g: Graph): PassResult {
  const constants = new Map(g.constants);
  const taken = new Set<string>();
  const edits = new NodeEdits();
  let folded = 0;
  const cons = consumers(g);
  for (const n of g.nodes) {
    if (n.op !== 'Dense' && n.op !== 'Conv') continue;
    if (paramsOf(n, 'Dense', 'Conv').act.kind !== 'none') continue;
    const add = soleConsumer(g, n.outputs[0], cons);
    if (!add || add.op !== 'Add' || edits.removed(add)) continue;
    const other = add.inputs[0] === n.outputs[0] ? add.inputs[1] : add.inputs[0];
    const c = constants.get(other);
    const outShape = g.values.get(n.outputs[0])?.shape;
    const addShape = g.values.get(add.outputs[0])?.shape;
    if (!c || !outShape || !addShape || addShape.join() !== outShape.join()) continue;
    const nOut = n.op === 'Dense' ? constants.get(n.inputs[1])!.shape[0] : outShape[1];
    const vec = n.op === 'Dense' ? perLastAxis(c, nOut) : perChannel(c, nOut, outShape.length);
    if (!vec) continue;
    const old = n.inputs[2] ? constants.get(n.inputs[2]) : undefined;
    const bName = freshName(g, `${n.name}_bias`, taken);
    constants.set(bName, tensor([nOut], vec.map((v, i) => v + (old ? old.data[i] : 0)), 'float32'));
    const fused: Node = { ...n, inputs: [n.inputs[0], n.inputs[1], bName], outputs: [add.outputs[0]], sources: mergedSources(n, add) };
    edits.remove(add);
    edits.replace(n, fused);
    folded++;
  }
  return { graph: { ...g, nodes: edits.apply(g.nodes), constants }, summary: `foldBias: ${folded} constant Adds folded into Conv/Dense biases` };
}
