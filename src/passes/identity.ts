/**
 * @fileoverview removeIdentity: Identity and inference-mode Dropout pass their input through; readers of the
 * output read the input instead. Kept when the output is a graph output (its name is part of the interface).
 *
 *   x → Identity → y → Relu      becomes      x → Relu
 *
 * Chains resolve through an alias map (x → Identity → a → Identity → b: readers of b read x), built in one pass
 * over the nodes in order, so a chain of any length costs linear time.
 */
import type { Graph, Node } from '../ir/graph.js';
import type { PassResult } from './util.js';

export function removeIdentity(g: Graph): PassResult {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const alias = new Map<string, string>(); // removed output → the value it passes through
  const resolve = (v: string) => alias.get(v) ?? v;
  const removedNodes = new Set<Node>();
  let kept = 0;
  for (const n of g.nodes) {
    if (n.op !== 'Identity' && n.op !== 'Dropout') continue;
    const out = n.outputs[0];
    if (!out || !n.inputs[0]) continue;
    if (outputs.has(out)) { kept++; continue; }
    // Nodes are in topological order: the input's own alias (if any) is already known.
    alias.set(out, resolve(n.inputs[0]));
    removedNodes.add(n);
  }
  const nodes = alias.size === 0 ? [...g.nodes] : g.nodes.filter((n) => !removedNodes.has(n)).map((n) =>
    n.inputs.some((i) => alias.has(i)) ? { ...n, inputs: n.inputs.map(resolve) } : n);
  const removed = removedNodes.size;
  return { graph: { ...g, nodes }, summary: `removeIdentity: ${removed} removed${kept ? `, ${kept} kept (graph outputs)` : ''}` };
}
