/**
 * @fileoverview cancelTransposePairs: a Transpose whose only reader is a Transpose with the inverse permutation is
 * removed with it; readers of the second read the first's input. Channels-last models (QONNX's channels_last
 * domain, src/ops/channels-last.ts) import as standard ops wrapped in NHWC ↔ NCHW Transposes, so consecutive ops
 * meet through such pairs: removing them early lets foldBatchNorm, foldBias and fuseActivation see Conv → BN → Relu
 * as in a channels-first model. (absorbLayoutTranspose removes pairs too, later; this is the early, pair-only form.)
 *
 *   Conv → Transpose(0,2,3,1) → Transpose(0,3,1,2) → BN      becomes      Conv → BN
 */
import type { Graph } from '../ir/graph.js';
import { consumers } from '../ir/graph.js';
import { isOp } from '../ops/registry.js';
import { NodeEdits, soleConsumer, type PassResult } from './util.js';

export function cancelTransposePairs(g: Graph): PassResult {
  const edits = new NodeEdits();
  const outputs = new Set(g.outputs.map((o) => o.name));
  const cons = consumers(g);
  let cancelled = 0;
  for (const t of g.nodes) {
    if (!isOp(t, 'Transpose') || edits.removed(t)) continue;
    const next = soleConsumer(g, t.outputs[0], cons);
    if (!next || !isOp(next, 'Transpose') || edits.removed(next) || outputs.has(next.outputs[0])) continue;
    const [p1, p2] = [t.params.perm, next.params.perm];
    if (p1.length !== p2.length || !p2.every((p, i) => p1[p] === i)) continue;
    edits.remove(t);
    edits.remove(next);
    edits.rename(next.outputs[0], t.inputs[0]);
    cancelled++;
  }
  return { graph: { ...g, nodes: edits.apply(g.nodes) }, summary: `cancelTransposePairs: ${cancelled} removed` };
}
