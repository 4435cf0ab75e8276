/**
 * @fileoverview How every array is split into banks, as the kernels' parallel accesses need it. Kernels never
 * partition their array arguments: the plan decides one partition per array (this module) and the emitter writes it
 * where the array is declared (src/emit/block.ts), so an array touched by kernels of different parallelism gets one
 * partition serving all of them.
 */
import type { ComputeLayer, ConstData, Design, Layer } from '../ir/design.js';
import { computeLayers, layerConstants } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import type { ComputeEstimate, Parallel } from './estimate.js';

/** 'cyclic': element i in bank i mod banks (consecutive lanes); 'block': contiguous runs (one per engine or lane). */
export type Layout = 'cyclic' | 'block';

export interface TensorLayout {
  readonly banks: number;
  readonly layout: Layout;
}

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

/** Banks each kernel's accesses need on its input and output (hw/fpgac/*.h). */
function bankNeeds(l: ComputeLayer, p: Parallel, e: ComputeEstimate): { input: number; output: number; layout: Layout } {
  if (l.kind === 'dense') return { input: p.pfIn, output: p.pfOut, layout: 'cyclic' };
  // A gathered sparse 1×1 conv reads every input channel of a pixel at once: one bank per channel.
  if (l.kind === 'conv2d') return { input: e.sparse?.gather ? l.c : l.group === 1 ? 1 : p.pfOut, output: p.pfOut, layout: 'block' };
  // Element-wise lanes take contiguous blocks (eltwise.h); pool lanes blocks of channels (pool.h).
  if (l.kind === 'unary' || l.kind === 'eltwise' || l.kind === 'pool2d') return { input: p.pfOut, output: p.pfOut, layout: 'block' };
  return { input: 1, output: 1, layout: 'cyclic' };
}

export interface StoredConstant {
  readonly data: ConstData;
  readonly role: 'weight' | 'table';
  readonly banks: number;
  readonly layout: Layout;
}

/**
 * The constants a layer's kernel reads as the plan stores them (a sparse layer's encoding instead of its weight
 * array), with the banks its accesses need: 'cyclic' when a cycle reads consecutive elements (the array may then
 * be reshaped into wide words instead), 'block' for one contiguous run per engine.
 */
export function storedConstants(l: ComputeLayer, p: Parallel, e: ComputeEstimate): StoredConstant[] {
  const weightBanks = l.kind === 'dense' ? p.pfIn * p.pfOut : l.kind === 'conv2d' || l.kind === 'eltwise' ? p.pfOut : 1;
  const layout: Layout = l.kind === 'conv2d' || l.kind === 'eltwise' ? 'block' : 'cyclic';
  const all = layerConstants(l).map(({ data, role }): StoredConstant => ({ data, role: role === 'table' ? 'table' : 'weight', banks: weightBanks, layout }));
  const s = e.sparse;
  if (!s || (l.kind !== 'dense' && l.kind !== 'conv2d')) return all;
  // Values (and dense or gathered indices) one bank per lane; the control array and conv tap codes one bank.
  const lanes = l.kind === 'dense' ? p.pfIn : p.pfOut;
  return [
    { data: s.values, role: 'weight', banks: lanes, layout },
    { data: s.index, role: 'weight', banks: l.kind === 'dense' || s.gather ? lanes : 1, layout },
    { data: s.control, role: 'weight', banks: 1, layout },
    ...all.filter((c) => c.data !== l.weight),
  ];
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
    const b = bankNeeds(l, parOf(l), estOf(l));
    need(tensors, l.output, wordsOf(l.output), b.output, b.layout);
    for (const t of l.inputs) need(tensors, t, wordsOf(t), b.input, b.layout);
    for (const c of storedOf(l)) need(constants, c.data.name, c.data.raw.length, c.banks, c.layout);
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
  for (let before = '', after = '-'; before !== after;) {
    before = JSON.stringify([...tensors]);
    regions(design.layers);
    after = JSON.stringify([...tensors]);
  }
  return { tensors, constants };
}
