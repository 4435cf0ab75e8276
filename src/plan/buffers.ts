/**
 * @fileoverview Feature-map buffers of a scope (the top function, or one region's step function) and their
 * sharing: layers run one after another, so a buffer is live from the layer that writes it to the last layer that
 * reads it, and buffers of the same C type whose lifetimes do not overlap can be one array. Reading and writing in
 * the same layer counts as overlapping (a kernel never works in place).
 */
import { formatToCpp } from '../../sim/fixed.js';
import type { Design, Layer } from '../ir/design.js';
import { numel } from '../ir/graph.js';

export interface BufferGroup {
  /** The array name in C++ (the first member's tensor name). */
  readonly name: string;
  readonly members: readonly string[];
  readonly words: number;
  readonly bits: number;
  readonly cpp: string;
}

/** The buffers a scope declares: outputs of its layers that are not function parameters. */
export function scopeBuffers(layers: readonly Layer[], params: ReadonlySet<string>): string[] {
  return layers.map((l) => l.output).filter((t) => !params.has(t));
}

/**
 * `banks` gives each tensor's partition (from the kernels that read or write it): only tensors partitioned alike
 * share an array, since HLS partitions an array one way.
 */
export function shareBuffers(design: Design, layers: readonly Layer[], params: ReadonlySet<string>, banks: ReadonlyMap<string, string> = new Map(),
  alsoReads: ReadonlyMap<string, readonly string[]> = new Map(), writtenEarlier: ReadonlyMap<string, string> = new Map()): BufferGroup[] {
  const start = new Map<string, number>();
  const end = new Map<string, number>();
  const at = new Map(layers.map((l, i) => [l.name, i]));
  layers.forEach((l, i) => {
    // A tensor a fused layer writes earlier (thresholds: the MAC writes the unary's output) lives from that layer.
    const w = writtenEarlier.get(l.output);
    start.set(l.output, w !== undefined && at.has(w) ? at.get(w)! : i);
    end.set(l.output, Math.max(end.get(l.output) ?? i, i));
    // A band reader runs its producer band by band: it reads the producer's inputs too (src/plan/bands.ts).
    for (const t of [...l.inputs, ...(alsoReads.get(l.name) ?? [])]) end.set(t, Math.max(end.get(t) ?? i, i));
  });
  const groups: { name: string; members: string[]; words: number; bits: number; cpp: string; free: number }[] = [];
  for (const t of scopeBuffers(layers, params)) {
    const d = design.tensors[t];
    const cpp = `${formatToCpp(d.format)}|${banks.get(t) ?? ''}`;
    const s = start.get(t)!;
    // Loop regions keep their own output (their second buffer lives inside the region's block).
    const shareable = layers[s].kind !== 'loop';
    const g = shareable ? groups.find((x) => x.cpp === cpp && x.free < s) : undefined;
    if (g) {
      g.members.push(t);
      g.words = Math.max(g.words, numel(d.shape));
      g.free = end.get(t)!;
    } else {
      groups.push({ name: t, members: [t], words: numel(d.shape), bits: d.format.width, cpp, free: shareable ? end.get(t)! : Infinity });
    }
  }
  return groups.map(({ name, members, words, bits, cpp }) => ({ name, members, words, bits, cpp: cpp.split('|')[0] }));
}
