/**
 * @fileoverview fuseActivation: a Relu or Clip whose input comes from a Conv, Dense or element-wise Add/Sub/Mul
 * that nothing else reads is applied inside that layer, before its output is written (one cast, no extra
 * buffer).
 *
 *   Conv → Relu      becomes      Conv{act: relu}
 */
import type { Graph, Node } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';
import type { FloatAct } from '../ops/activation.js';
import { mergedSources, NodeEdits, soleConsumer, type PassResult } from './util.js';

const FUSES_INTO = new Set(['Conv', 'Dense', 'Add', 'Sub', 'Mul']);

export function fuseActivation(g: Graph): PassResult {
  const edits = new NodeEdits();
  let fused = 0;
  const cons = consumers(g);
  for (const n of g.nodes) {
    if (!FUSES_INTO.has(n.op)) continue;
    const act = soleConsumer(g, n.outputs[0], cons);
    if (!act || (act.op !== 'Relu' && act.op !== 'Clip') || edits.removed(act)) continue;
    const current = edits.current(n);
    if (!current || (current.params as { act: FloatAct }).act.kind !== 'none') continue;
    const merged: Node = {
      ...current, outputs: [act.outputs[0]], sources: mergedSources(current, act),
      params: { ...(current.params as object), act: act.params as FloatAct },
    };
    edits.remove(act);
    edits.replace(n, merged);
    fused++;
  }
  return { graph: { ...g, nodes: edits.apply(g.nodes) }, summary: `fuseActivation: ${fused} Relu/Clip fused` };
}
