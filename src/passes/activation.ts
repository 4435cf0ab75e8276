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
import { mergedSources, soleConsumer, type PassResult } from './util.js';

const FUSES_INTO = new Set(['Conv', 'Dense', 'Add', 'Sub', 'Mul']);

export function fuseActivation(g: Graph): PassResult {
  let nodes = [...g.nodes];
  let fused = 0;
  const cons = consumers(g);
  for (const n of g.nodes) {
    if (!FUSES_INTO.has(n.op)) continue;
    const act = soleConsumer(g, n.outputs[0], cons);
    if (!act || (act.op !== 'Relu' && act.op !== 'Clip')) continue;
    const current = nodes.find((m) => m.name === n.name)!;
    if ((current.params as { act: FloatAct }).act.kind !== 'none') continue;
    const merged: Node = {
      ...current, outputs: [act.outputs[0]], sources: mergedSources(current, act),
      params: { ...(current.params as object), act: act.params as FloatAct },
    };
    nodes = nodes.filter((m) => m !== act).map((m) => (m === current ? merged : m));
    fused++;
  }
  return { graph: { ...g, nodes }, summary: `fuseActivation: ${fused} Relu/Clip fused` };
}
