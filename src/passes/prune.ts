/**
 * @fileoverview pruneChannels: an output channel of a Conv (group 1) or Dense layer whose weights are all zero
 * outputs a constant, act(bias). It is removed from the layer and from every reader: a Dense reader adds the
 * constant times the removed column to its bias (exact), a Conv reader only loses channels whose constant is 0
 * (zero padding makes any other constant map non-uniform at the borders). The design then neither stores nor
 * computes those channels.
 *
 *   Dense(W: row o = 0, b_o) → Relu → Dense(V)      becomes      Dense(W without o) → Relu → Dense(V without column o,
 *                                                                                          bias + V[:, o]·relu(b_o))
 */
import type { Graph, Node, Tensor } from '../ir/graph.js';
import { consumers, tensor } from '../ir/graph.js';
import { applyFloatAct } from '../ops/act.js';
import { isOp, paramsOf } from '../ops/registry.js';
import { freshName, NodeEdits, type PassResult } from './util.js';

function isMac(n: Node): boolean {
  return n.op === 'Dense' || (isOp(n, 'Conv') && n.params.group === 1);
}

/** Output channels of `w` ([outputs][...]) whose weights are all zero. */
function zeroRows(w: Tensor): number[] {
  const oc = w.shape[0];
  const per = w.data.length / oc;
  const dead: number[] = [];
  for (let o = 0; o < oc; o++) {
    let zero = true;
    for (let i = o * per; i < (o + 1) * per && zero; i++) zero = w.data[i] === 0;
    if (zero) dead.push(o);
  }
  return dead;
}

/** `w` without the given rows of axis `axis` (0: output channels, 1: input channels). */
function dropAxis(w: Tensor, axis: 0 | 1, drop: ReadonlySet<number>): Tensor {
  const shape = [...w.shape];
  const outer = axis === 0 ? 1 : shape[0];
  const n = shape[axis];
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  shape[axis] = n - drop.size;
  // Copied a row at a time (no spread: a row may exceed the engine's argument limit).
  const data = new Float64Array(outer * shape[axis] * inner);
  let k = 0;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < n; i++) {
      if (drop.has(i)) continue;
      data.set(w.data.subarray((a * n + i) * inner, (a * n + i + 1) * inner), k);
      k += inner;
    }
  }
  return tensor(shape, data, w.dtype);
}

export function pruneChannels(g: Graph): PassResult {
  const constants = new Map(g.constants);
  const taken = new Set<string>();
  const cons = consumers(g);
  const edits = new NodeEdits();
  const notes: string[] = [];
  for (const n of g.nodes) {
    if (!isMac(n) || g.outputs.some((o) => o.name === n.outputs[0])) continue;
    const current = edits.current(n);
    if (!current) continue;
    const w = constants.get(current.inputs[1]);
    if (!w) continue;
    const readers = (cons.get(current.outputs[0]) ?? []).map((r) => edits.current(r)!);
    // Readers must consume the channel axis as their reduction axis: Dense after Dense, Conv (group 1) after Conv.
    if (!readers.length || readers.some((r) => r.op !== n.op || !isMac(r) || r.inputs[0] !== current.outputs[0] || !constants.has(r.inputs[1]))) continue;
    const b = current.inputs[2] ? constants.get(current.inputs[2]) : undefined;
    const act = paramsOf(current, 'Conv', 'Dense').act;
    const value = (o: number) => applyFloatAct(b ? b.data[o] : 0, act);
    const dead = zeroRows(w).filter((o) => n.op === 'Dense' || value(o) === 0);
    if (!dead.length || dead.length === w.shape[0]) continue;
    const drop = new Set(dead);
    const name = (base: string) => freshName(g, base, taken);
    const wName = name(`${current.inputs[1]}_pruned`);
    constants.set(wName, dropAxis(w, 0, drop));
    let bName = '';
    if (b) {
      bName = name(`${current.inputs[2]}_pruned`);
      constants.set(bName, dropAxis(b, 0, drop));
    }
    const original = new Map((cons.get(current.outputs[0]) ?? []).map((r) => [edits.current(r)!, r]));
    edits.replace(n, { ...current, inputs: [current.inputs[0], wName, bName] });
    for (const r of readers) {
      const rw = constants.get(r.inputs[1])!;
      const rwName = name(`${r.inputs[1]}_pruned`);
      constants.set(rwName, dropAxis(rw, 1, drop));
      let rbName = r.inputs[2] ?? '';
      if (n.op === 'Dense') {
        // The removed inputs were constants: their contribution moves into the reader's bias.
        const [nOut, nIn] = rw.shape;
        const rb = rbName ? constants.get(rbName)!.data : new Float64Array(nOut);
        const nb = Float64Array.from({ length: nOut }, (_, j) => rb[j] + dead.reduce((s, o) => s + rw.data[j * nIn + o] * value(o), 0));
        rbName = name(`${r.name}_bias_pruned`);
        constants.set(rbName, tensor([nOut], nb, 'float32'));
      }
      edits.replace(original.get(r)!, { ...r, inputs: [r.inputs[0], rwName, rbName] });
    }
    notes.push(`'${n.name}': ${dead.length} of ${w.shape[0]}`);
  }
  return { graph: { ...g, nodes: edits.apply(g.nodes), constants }, summary: `pruneChannels: ${notes.length ? `removed all-zero output channels (${notes.join(', ')})` : 'no all-zero channels'}` };
}
