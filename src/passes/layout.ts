/**
 * @fileoverview absorbLayoutTranspose: Keras exporters wrap channel-first ops in Transposes that only adapt the
 * channel order (NHWC ↔ NCHW). A Transpose whose result is flattened into a Dense layer is absorbed by permuting
 * the Dense weight columns, and two Transposes that undo each other are removed. A Transpose right after a graph
 * input stays a real `transpose` layer: the design's input keeps the model's data order.
 *
 *   x → Transpose(0,2,3,1) → Flatten → Dense(W)      becomes      x → Flatten → Dense(W·P)
 */
import type { Graph, Node } from '../ir/graph.js';
import { consumers, numel, stridesOf, tensor } from '../ir/graph.js';
import { isOp } from '../ops/registry.js';
import { freshName, mergedSources, NodeEdits, soleConsumer, type PassResult } from './util.js';

/** For each position i of the flattened transposed tensor, the flat index it reads in the original tensor. */
function sourceIndex(inShape: readonly number[], perm: readonly number[]): Int32Array {
  const outShape = perm.map((p) => inShape[p]);
  const inStr = stridesOf(inShape);
  const n = numel(inShape);
  const src = new Int32Array(n);
  const idx = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let d = 0; d < idx.length; d++) s += idx[d] * inStr[perm[d]];
    src[k] = s;
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
  return src;
}

export function absorbLayoutTranspose(g: Graph): PassResult {
  const constants = new Map(g.constants);
  const taken = new Set<string>();
  const edits = new NodeEdits();
  const outputs = new Set(g.outputs.map((o) => o.name));
  let absorbed = 0;
  let cancelled = 0;
  const cons = consumers(g);
  for (const t of g.nodes) {
    if (!isOp(t, 'Transpose') || edits.current(t) !== t) continue;
    const perm = t.params.perm;
    const inShape = g.values.get(t.inputs[0])?.shape;
    const next = soleConsumer(g, t.outputs[0], cons);
    if (!inShape || !next || edits.current(next) !== next) continue;
    // Transpose → Transpose that compose to the identity (the second's output keeps its producer if the graph
    // outputs it).
    if (isOp(next, 'Transpose')) {
      const p2 = next.params.perm;
      if (p2.every((p, i) => perm[p] === i) && !outputs.has(next.outputs[0])) {
        edits.remove(t);
        edits.remove(next);
        edits.rename(next.outputs[0], t.inputs[0]);
        cancelled++;
      }
      continue;
    }
    if (next.op !== 'Flatten' && next.op !== 'Reshape') continue;
    const flatShape = g.values.get(next.outputs[0])?.shape;
    const dense = soleConsumer(g, next.outputs[0], cons);
    if (!flatShape || !dense || dense.op !== 'Dense' || dense.inputs[0] !== next.outputs[0] || edits.current(dense) !== dense) continue;
    const n = numel(inShape);
    if (flatShape[flatShape.length - 1] !== n) continue; // must flatten the whole sample into one row
    const w = constants.get(dense.inputs[1]);
    if (!w || w.shape[1] !== n) continue;
    const src = sourceIndex(inShape, perm);
    const nOut = w.shape[0];
    const wNew = new Float64Array(w.data.length);
    for (let o = 0; o < nOut; o++) for (let i = 0; i < n; i++) wNew[o * n + src[i]] = w.data[o * n + i];
    const wName = freshName(g, `${dense.inputs[1]}_perm`, taken);
    constants.set(wName, tensor(w.shape, wNew, w.dtype));
    const flat: Node = { ...next, inputs: [t.inputs[0], ...next.inputs.slice(1)], sources: mergedSources(t, next) };
    const newDense: Node = { ...dense, inputs: [dense.inputs[0], wName, ...dense.inputs.slice(2)] };
    edits.remove(t);
    edits.replace(next, flat);
    edits.replace(dense, newDense);
    absorbed++;
  }
  return {
    graph: { ...g, nodes: edits.apply(g.nodes), constants },
    summary: `absorbLayoutTranspose: ${absorbed} absorbed into Dense weights, ${cancelled} cancelling pairs removed`,
  };
}
