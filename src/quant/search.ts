/**
 * @fileoverview `--precision auto`: the narrowest width whose calibrated design keeps top-1 agreement with the
 * float model at or above a target on the calibration samples. Every candidate width is calibrated (integer bits
 * from the float ranges, fraction bits fill the width) and run bit-exactly by the simulator; agreement is
 * monotone enough in the width for a binary search, and the bounds are checked, not assumed.
 */
import { fixed, formatToCpp, type FixedFormat } from '../../sim/fixed.js';
import type { Design } from '../ir/design.js';
import type { Graph } from '../ir/graph.js';
import { simulateSample } from '../../sim/simulate.js';
import { runFloat } from '../reference.js';
import { fail } from '../diagnostics.js';

export const DEFAULT_MIN_AGREEMENT = 0.99;
export const SEARCH_WIDTHS: readonly [number, number] = [4, 24];

export interface WidthTrial {
  readonly width: number;
  readonly precision: string;
  readonly agreement: number;
}

export interface WidthSearch {
  readonly minAgreement: number;
  readonly chosen: WidthTrial;
  readonly tried: readonly WidthTrial[];
}

function argmax(v: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[from + k] > v[from + best]) best = k;
  return best;
}

/** The class a first-output vector picks, per sample (argmax over the last axis of each sample's output). */
function topClasses(outs: readonly ArrayLike<number>[], classes: number): number[] {
  return outs.map((o) => argmax(o, 0, classes));
}

/** The default format of a candidate width: half integer bits (calibration then sets each tensor's own). */
export function widthFormat(width: number, base: FixedFormat): FixedFormat {
  return fixed(width, Math.ceil(width / 2), { signed: true, q: base.q, o: base.o });
}

export function searchWidth(
  reference: Graph,
  samples: readonly (readonly Float64Array[])[],
  build: (f: FixedFormat) => Design,
  base: FixedFormat,
  minAgreement = DEFAULT_MIN_AGREEMENT,
): WidthSearch {
  if (!(minAgreement > 0 && minAgreement <= 1)) fail('FPGAC005', `--min-agreement ${minAgreement}: expected a fraction in (0, 1]`);
  const out0 = reference.outputs[0];
  const classes = out0.shape[out0.shape.length - 1] ?? 1;
  const want = topClasses(samples.map((s) => runFloat(reference, s).outputs[0].data), classes);
  const cache = new Map<number, WidthTrial>();
  const trial = (width: number): WidthTrial => {
    const hit = cache.get(width);
    if (hit) return hit;
    const f = widthFormat(width, base);
    const d = build(f);
    const got = topClasses(samples.map((s) => simulateSample(d, s).outputs[0]), classes);
    const agree = got.filter((g, i) => g === want[i]).length / Math.max(1, got.length);
    const t = { width, precision: formatToCpp(f), agreement: agree };
    cache.set(width, t);
    return t;
  };
  let [lo, hi] = SEARCH_WIDTHS;
  if (trial(hi).agreement < minAgreement) {
    fail('FPGAC008', `no width up to ${hi} bits keeps top-1 agreement ≥ ${minAgreement} on the calibration data (${(100 * trial(hi).agreement).toFixed(2)}% at ${hi} bits)`, { hint: 'lower --min-agreement or give a precision explicitly' });
  }
  // Smallest passing width in [lo, hi]: hi passes.
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (trial(mid).agreement >= minAgreement) hi = mid;
    else lo = mid + 1;
  }
  return { minAgreement, chosen: trial(hi), tried: [...cache.values()].sort((a, b) => a.width - b.width) };
}
