/**
 * @fileoverview How every array is split into banks, as the kernels' parallel accesses need it. Kernels never
 * partition their array arguments: the plan decides one partition per array (this module) and the emitter writes it
 * where the array is declared (src/emit/block.ts), so an array touched by kernels of different parallelism gets one
 * partition serving all of them.
 */
import type { ComputeLayer, Design, Layer } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { kindOf } from '../kinds/index.js';
import type { Layout, StoredConstant, TensorLayout } from './banks.js';
import type { ComputeEstimate, Parallel } from './estimate.js';

export type { Layout, StoredConstant, TensorLayout } from './banks.js';

const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);

/**
 * One partition serving every kernel that touches an array: the least common multiple of their bank counts (a
 * cyclic or block partition into k·n banks still puts each kernel's parallel accesses in different banks), capped at
 * the array's size. Kernels of the two layouts on one tensor do not occur with fpgac's lowering (a reshape copy
 * sits between convs and dense layers); should they, the larger partition wins and the other kernel's accesses may
 * share banks.
 */
export function mergeLayout(a: TensorLayout | undefined, banks: number, layout: Layout, words: number): TensorLayout | undefined {
  if (banks <= 1) return a;
  if (!a) return { banks: Math.min(banks, words), layout };
  if (a.layout !== layout) return banks > a.banks ? { banks, layout } : a;
  return { banks: Math.min((a.banks * banks) / gcd(a.banks, banks), words), layout };
}

/**
 * The constants a layer's kernel reads as the plan stores them (a sparse layer's encoding instead of its weight
 * array), with the banks its accesses need: 'cyclic' when a cycle reads consecutive elements (the array may then
 * be reshaped into wide words instead), 'block' for one contiguous run per engine. Each kind's rule is in its
 * definition (src/kinds/).
 */
export function storedConstants(l: ComputeLayer, p: Parallel, e: ComputeEstimate): StoredConstant[] {
  return kindOf(l).sequential.stored(l, p, e);
}

/** The parallel factors the emitter renders: with the sparse encoding the estimate chose, if any. */
export function withSparse(p: Parallel, e: ComputeEstimate): Parallel {
  return e.sparse ? { ...p, sparse: e.sparse } : p;
}

/** Lanes of a region's entry copy (fpgac::copy): the state's block banks, one element from each a cycle. */
export function copyLanes(layouts: ReadonlyMap<string, TensorLayout> | undefined, state: string): number {
  const t = layouts?.get(state);
  return t && t.layout === 'block' ? t.banks : 1;
}

/**
 * Every feature map's and constant's partition, given each layer's parallel factors, estimate and stored constants
 * (storedConstants). A region's state
 * buffers take turns as its step function's input and output and its output array is one of them, so all are
 * partitioned alike; its entry copy reads its input with the state's lanes, so that input is split alike too.
 * Merging only grows partitions, so repeating both rules reaches a fixed point (chained regions).
 */
export function planLayouts(design: Design, parOf: (l: ComputeLayer) => Parallel, estOf: (l: ComputeLayer) => ComputeEstimate,
  storedOf: (l: ComputeLayer) => readonly StoredConstant[]): {
  tensors: Map<string, TensorLayout>; constants: Map<string, TensorLayout>;
} {
  const tensors = new Map<string, TensorLayout>();
  const constants = new Map<string, TensorLayout>();
  const need = (m: Map<string, TensorLayout>, name: string, words: number, banks: number, layout: Layout) => {
    const merged = mergeLayout(m.get(name), banks, layout, words);
    if (merged) m.set(name, merged);
  };
  const wordsOf = (t: string) => numel(design.tensors[t].shape);
  for (const l of computeLayers(design.layers)) {
    const b = kindOf(l).sequential.banks(l, parOf(l), estOf(l));
    need(tensors, l.output, wordsOf(l.output), b.output, b.layout);
    for (const t of l.inputs) need(tensors, t, wordsOf(t), b.input, b.layout);
    for (const c of storedOf(l)) need(constants, c.data.name, numel(c.data.shape), c.banks, c.layout);
  }
  const regions = (layers: readonly Layer[]): void => layers.forEach((l) => {
    if (l.kind !== 'loop') return;
    regions(l.body);
    const names = [l.stateIn, l.stateOut, l.output];
    let u: TensorLayout | undefined;
    for (const t of names) { const x = tensors.get(t); if (x) u = mergeLayout(u, x.banks, x.layout, wordsOf(t)); }
    if (u) for (const t of names) tensors.set(t, u);
    need(tensors, l.inputs[0], wordsOf(l.inputs[0]), copyLanes(tensors, l.stateIn), 'block');
  });
  if (!design.layers.some((l) => l.kind === 'loop')) return { tensors, constants };
  for (let before = '', after = '-'; before !== after;) {
    before = JSON.stringify([...tensors]);
    regions(design.layers);
    after = JSON.stringify([...tensors]);
  }
  return { tensors, constants };
}
