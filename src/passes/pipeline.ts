/**
 * @fileoverview The ordered pass pipeline. Each pass is a pure Graph → Graph function; after each one the
 * graph is re-inferred (shapes, params) so later passes see consistent value infos. Order matters:
 * - removeIdentity first, so patterns below match across Keras' Identity/Dropout leftovers;
 * - toDense before foldBatchNorm/foldBias, which then see Dense as well as Conv;
 * - absorbLayoutTranspose after toDense (it edits Dense weights);
 * - fuseActivation after the folds: folding needs layers without activations;
 * - pruneChannels after fusion (a channel's constant is act(bias), with the fused act);
 * - loopRegions last: step signatures compare the final, fused form of each step.
 */
import type { Graph } from '../ir/graph.js';
import { inferAndFold } from './infer.js';
import { removeIdentity } from './identity.js';
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
  ['divToMul', divToMul],
  ['toDense', toDense],
  ['foldBatchNorm', foldBatchNorm],
  ['foldBias', foldBias],
  ['absorbLayoutTranspose', absorbLayoutTranspose],
  ['fuseActivation', fuseActivation],
  ['pruneChannels', pruneChannels],
  ['loopRegions', loopRegions],
];

export interface PipelineResult {
  readonly graph: Graph;
  readonly log: string[];
}

/** Import (parse, infer, fold), then every pass in order. */
export function runPipeline(g: Graph): PipelineResult {
  const first = inferAndFold(g);
  const log = [`inferAndFold: ${first.folded} nodes constant-folded`];
  let cur = first.graph;
  for (const [, pass] of PIPELINE) {
    const r = pass(cur);
    log.push(r.summary);
    cur = inferAndFold(r.graph).graph;
  }
  return { graph: cur, log };
}
