/**
 * @fileoverview removeIdentity: Identity and inference-mode Dropout pass their input through; readers of the
 * output read the input instead. Kept when the output is a graph output (its name is part of the interface).
 *
 *   x → Identity → y → Relu      becomes      x → Relu
 */
import type { Graph } from '../ir/graph.js';
import type { PassResult } from './util.js';
import { renameInput } from './util.js';

export function removeIdentity(g: Graph): PassResult {
  let nodes = [...g.nodes];
  let removed = 0;
  let kept = 0;
  for (const n of g.nodes) {
    if (n.op !== 'Identity' && n.op !== 'Dropout') continue;
    if (g.outputs.some((o) => o.name === n.outputs[0])) { kept++; continue; }
    nodes = renameInput(nodes.filter((m) => m !== n), n.outputs[0], n.inputs[0]);
    removed++;
  }
  return { graph: { ...g, nodes }, summary: `removeIdentity: ${removed} removed${kept ? `, ${kept} kept (graph outputs)` : ''}` };
}
