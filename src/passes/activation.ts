/**
 * @fileoverview fuseActivation: a Relu, Clip, LeakyRelu or PRelu with one slope whose input comes from a Conv,
 * ConvTranspose, Dense or element-wise Add/Sub/Mul that nothing else reads is applied inside that layer, before
 * its output is written (one cast, no extra buffer).
 *
 *   Conv → Relu      becomes      Conv{act: relu}
 *   Conv → LeakyRelu becomes      Conv{act: leaky α}   (α·acc on the exact accumulator, then the one cast)
 */
import type { Graph, Node } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';
import { isOp, paramsOf } from '../ops/registry.js';
import type { FloatAct } from '../ops/act.js';
import { mergedSources, NodeEdits, soleConsumer, type PassResult } from './util.js';

/** The ops whose params carry a fused activation (`act`). */
const FUSES_INTO = ['Conv', 'ConvTranspose', 'Dense', 'Add', 'Sub', 'Mul'] as const;

/** The fused form of an activation node, or null when it has none (PRelu with per-channel slopes stays a layer). */
function floatActOf(n: Node): FloatAct | null {
  if (isOp(n, 'Clip')) return n.params.runtime ? null : n.params;
  if (isOp(n, 'Relu')) return n.params;
  if (isOp(n, 'LeakyRelu')) return { kind: 'leaky', alpha: n.params.alpha };
  if (isOp(n, 'PRelu')) {
    const s = n.params.slope.data;
    return s.length > 0 && s.every((v) => v === s[0]) ? { kind: 'leaky', alpha: s[0] } : null;
  }
  return null;
}

export function fuseActivation(g: Graph): PassResult {
  const edits = new NodeEdits();
  let fused = 0;
  const cons = consumers(g);
  for (const n of g.nodes) {
    if (!isOp(n, ...FUSES_INTO)) continue;
    const act = soleConsumer(g, n.outputs[0], cons);
    const floatAct = act && !edits.removed(act) ? floatActOf(act) : null;
    if (!act || !floatAct || act.inputs[0] !== n.outputs[0]) continue;
    const current = edits.current(n);
    if (!current || paramsOf(current, ...FUSES_INTO).act.kind !== 'none') continue;
    const merged: Node = {
      ...current, outputs: [act.outputs[0]], sources: mergedSources(current, act),
      params: { ...paramsOf(current, ...FUSES_INTO), act: floatAct },
    };
    edits.remove(act);
    edits.replace(n, merged);
    fused++;
  }
  return { graph: { ...g, nodes: edits.apply(g.nodes) }, summary: `fuseActivation: ${fused} activations fused` };
}
