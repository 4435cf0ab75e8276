/**
 * @fileoverview The kind table: every compute layer kind's definition, keyed by kind. Its type (KindTable) makes a
 * kind without a definition, or a definition missing a part, a compile error; the planner, the pipelined schedule,
 * the layout and the reports reach each kind's rules through `kindOf` and hold no switch over kinds.
 */
import type { ComputeLayer, Design, LayerConstant } from '../ir/design.js';
import type { ComputeEstimate, Parallel } from '../plan/estimate.js';
import { CONV2D } from './conv2d.js';
import { CONVTRANSPOSE2D } from './convtranspose2d.js';
import { DENSE } from './dense.js';
import { GATHER } from './gather.js';
import { CONCAT } from './concat.js';
import { INTERP } from './interp.js';
import { ELTWISE } from './eltwise.js';
import { LUT } from './lut.js';
import { MATMUL } from './matmul.js';
import { POOL2D } from './pool2d.js';
import { SOFTMAX } from './softmax.js';
import { TRANSPOSE } from './transpose.js';
import { UNARY } from './unary.js';
import { PWL } from './pwl.js';
import { CURVE } from './curve.js';
import { OCTAVE } from './octave.js';
import { REDUCE } from './reduce.js';
import type { KindDef, KindTable } from './types.js';

export const KINDS: KindTable = {
  pwl: PWL, curve: CURVE,
  octave: OCTAVE,
  conv2d: CONV2D, dense: DENSE, matmul: MATMUL, eltwise: ELTWISE, unary: UNARY, lut: LUT, softmax: SOFTMAX, pool2d: POOL2D, transpose: TRANSPOSE,
  convtranspose2d: CONVTRANSPOSE2D,
  gather: GATHER, concat: CONCAT, interp: INTERP,
  reduce: REDUCE,
};

/** The definition of a layer's kind, typed for that layer (the table's entry for `l.kind`). */
export function kindOf<L extends ComputeLayer>(l: L): KindDef<L> {
  return KINDS[l.kind] as unknown as KindDef<L>;
}

/** Every constant a compute layer reads, with its role (its kind's `constants`). */
export const layerConstants = (l: ComputeLayer): LayerConstant[] => kindOf(l).constants(l);

/** The parallel factors a layer's kernel accepts, fewest multipliers first (its kind's rule). */
export function parallelChoices(l: ComputeLayer): readonly Parallel[] {
  // The planner asks at every greedy step; a layer's choices never change.
  let c = choicesOf.get(l);
  if (!c) choicesOf.set(l, (c = kindOf(l).sequential.parallelChoices(l)));
  return c;
}

const choicesOf = new WeakMap<ComputeLayer, readonly Parallel[]>();

/**
 * Resources and latency of a layer at parallel factors `par` in the sequential schedule. Memoized per design, layer
 * and factors: the planner re-evaluates the whole design at every greedy step while only one layer changed.
 */
export function estimateLayer(design: Design, l: ComputeLayer, par: Parallel = { pfIn: 1, pfOut: 1 }): ComputeEstimate {
  let byLayer = estimates.get(design);
  if (!byLayer) estimates.set(design, (byLayer = new WeakMap()));
  let byPar = byLayer.get(l);
  if (!byPar) byLayer.set(l, (byPar = new Map()));
  const key = `${par.pfIn}x${par.pfOut}x${par.pfPx ?? 1}`;
  let e = byPar.get(key);
  if (!e) byPar.set(key, (e = kindOf(l).sequential.estimate(design, l, par)));
  return e;
}

const estimates = new WeakMap<Design, WeakMap<ComputeLayer, Map<string, ComputeEstimate>>>();
