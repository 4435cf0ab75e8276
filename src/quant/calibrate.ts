/**
 * @fileoverview Ranges from calibration data: the float reference runs on the samples and records the largest
 * magnitude of values the fixed-point design must hold. Today this sizes the carried state of loop regions (the
 * range over every step, so one format serves all steps without saturating); per-tensor formats for the whole
 * design build on the same data.
 */
import { fixed, fracBits, type FixedFormat } from '../../sim/fixed.js';
import type { Graph, Tensor } from '../ir/graph.js';
import { runFloat } from '../reference.js';
import type { RegionParams } from '../ops/loop.js';

/** Largest |state| over all steps and samples, per LoopRegion node name. */
export function regionStateRanges(g: Graph, samples: readonly (readonly Float64Array[])[]): Map<string, number> {
  const regions = g.nodes.filter((n) => n.op === 'LoopRegion');
  const ranges = new Map<string, number>(regions.map((r) => [r.name, 0]));
  if (!regions.length) return ranges;
  for (const s of samples) {
    const env = runFloat(g, s, { trace: true }).values!;
    for (const r of regions) {
      const p = r.params as RegionParams;
      let x: Tensor = env.get(r.inputs[0])!;
      let m = ranges.get(r.name)!;
      for (const v of x.data) m = Math.max(m, Math.abs(v));
      for (let t = 0; t < p.trips; t++) {
        x = runFloat(p.body, [x.data]).outputs[0];
        for (const v of x.data) m = Math.max(m, Math.abs(v));
      }
      ranges.set(r.name, m);
    }
  }
  return ranges;
}

/**
 * `f` with enough integer bits for |v| ≤ maxAbs (never fewer than f has), fraction bits unchanged: the format
 * grows rather than saturating.
 */
export function widenFor(f: FixedFormat, maxAbs: number): FixedFormat {
  const frac = fracBits(f);
  let int = f.int;
  const top = (i: number) => (f.signed ? 2 ** (i - 1) : 2 ** i) - 2 ** -frac;
  while (top(int) < maxAbs) int++;
  return int === f.int ? f : fixed(frac + int, int, { signed: f.signed, q: f.q, o: f.o, n: f.n });
}
