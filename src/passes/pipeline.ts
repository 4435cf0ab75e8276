/**
 * @fileoverview The ordered pass pipeline. Each pass is a pure Graph → Graph function; after each one that changed
 * the graph it is re-inferred (shapes, params) so later passes see consistent value infos. Order matters:
 * - removeIdentity first, so patterns below match across Keras' Identity/Dropout leftovers;
 * - foldPad (zero Pads into Conv/pool padding) before fuseActivation, which would hide the Relu it checks;
 * - toDense before foldBatchNorm/foldBias, which then see Dense as well as Conv;
 * - absorbLayoutTranspose after toDense (it edits Dense weights);
 * - fuseActivation after the folds: folding needs layers without activations;
 * - pruneChannels after fusion (a channel's constant is act(bias), with the fused act);
 * - loopRegions last: step signatures compare the final, fused form of each step.
 */
import type { Graph } from '../ir/graph.js';
import { inferAndFold, type InferOptions, type InferResult } from './infer.js';
import { removeIdentity } from './identity.js';
import { cancelTransposePairs } from './transpose-pairs.js';
import { foldPad } from './padfold.js';
import { divToMul } from './arith.js';
import { toDense, foldBias } from './dense.js';
import { foldBatchNorm } from './batchnorm.js';
import { absorbLayoutTranspose } from './layout.js';
import { fuseActivation } from './activation.js';
import { loopRegions } from './regions.js';
import { pruneChannels } from './prune.js';
import type { Pass } from './util.js';

export const PIPELINE: readonly (readonly [string, Pass])[] = [
  ['removeIdentity', removeIdentity],
  // Before the folds: channels-last ops import wrapped in NHWC ↔ NCHW Transposes; inverse pairs between them go.
  ['cancelTransposePairs', cancelTransposePairs],
  // Before fuseActivation: a MaxPool's fold needs the Relu that makes its input non-negative as a node.
  ['foldPad', foldPad],
  ['divToMul', divToMul],
  ['toDense', toDense],
  ['foldBatchNorm', foldBatchNorm],
  ['foldBias', foldBias],
  ['absorbLayoutTranspose', absorbLayoutTranspose],
  ['fuseActivation', fuseActivation],
  ['pruneChannels', pruneChannels],
  // A Loop body is canonicalized by this same pipeline, handed in (regions.ts does not import this module).
  ['loopRegions', (g) => loopRegions(g, (body, opts) => runPipeline(body, opts).graph)],
];

export interface PipelineResult {
  readonly graph: Graph;
  readonly log: string[];
}

export interface PipelineOptions extends InferOptions {
  /** The import of `g` already done (`inferAndFold(g, opts)`): reused instead of folding the model again. */
  readonly first?: InferResult;
}

/** Import (parse, infer, fold), then every pass in order. */
export function runPipeline(g: Graph, opts: PipelineOptions = {}): PipelineResult {
  const { first: done, ...infer } = opts;
  const first = done ?? inferAndFold(g, infer);
  const log = [`inferAndFold: ${first.folded} nodes constant-folded`];
  let cur = first.graph;
  for (const [, pass] of PIPELINE) {
    const r = pass(cur);
    log.push(r.summary);
    // A pass that changed nothing leaves an inferred graph: inferring it again would give it back.
    cur = unchanged(cur, r.graph) ? r.graph : inferAndFold(r.graph, infer).graph;
  }
  return { graph: cur, log };
}

/** Same nodes (the same objects, in order), constants, inputs, outputs and value infos. */
function unchanged(a: Graph, b: Graph): boolean {
  if (a.nodes.length !== b.nodes.length || a.nodes.some((n, i) => n !== b.nodes[i])) return false;
  return a.inputs === b.inputs && a.outputs === b.outputs && sameEntries(a.values, b.values) && sameEntries(a.constants, b.constants);
}

function sameEntries<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}
