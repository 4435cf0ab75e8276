/**
 * @fileoverview Thresholds after an integer accumulator (issue 14 part 1, FINN's MVTU idea). A dense or conv2d layer
 * whose output is read only by a `unary` cast into a format of at most MAX_THRESHOLD_BITS bits computes
 *   y = unary(finish(acc)),
 * a function of the exact accumulator alone that takes at most 2^bits values. When every step is non-decreasing in
 * its input (activations none, relu, clip or leaky with a non-negative slope; each cast saturating or unable to
 * overflow), y is a staircase: y = level[k] where k counts the thresholds t_1 < … < t_n that acc reaches. The plan
 * then fuses the pair: the MAC kernel compares its accumulator with n constants instead of casting twice, writes y
 * straight into the unary's output, and the intermediate map and the unary's pass disappear (hw/fpgac/common.h
 * finish with a config's `n_thr`). The thresholds are found here by bisection on the simulator's own cast
 * (sim/kernels/common.ts finishAct), so the bits are the unfused layers' by construction; the test compares g++ with
 * the simulator of the unfused design.
 */
import { fracBits, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import { finishAct } from '../../sim/kernels/common.js';
import { shiftedFormat, type Activation, type Conv2dLayer, type DenseLayer, type Design, type UnaryLayer } from '../ir/design.js';

/** The widest output a threshold form is built for: 4 bits, at most 15 comparators per output. */
export const MAX_THRESHOLD_BITS = 4;

export interface ThresholdPair {
  readonly mac: Conv2dLayer | DenseLayer;
  readonly unary: UnaryLayer;
  /** Accumulator raws (in the MAC's acc format): y reaches levels[k] once acc ≥ thresholds[k − 1]. */
  readonly thresholds: readonly number[];
  /** Output raws of the unary's format, one more than the thresholds. */
  readonly levels: readonly number[];
}

const monotoneAct = (a: Activation): boolean => a.kind !== 'leaky' || a.alpha.raw >= 0;

/** A cast from `from` (its whole raw range) to `to` never decreases: saturating, or no value can overflow. */
function monotoneCast(from: FixedFormat, to: FixedFormat): boolean {
  if (to.o === 'AP_SAT' || to.o === 'AP_SAT_SYM') return true;
  // Every input value, rounded up by at most one output step, stays within the output's range.
  const step = 2 ** -fracBits(to);
  const lo = minRaw(from) * 2 ** -fracBits(from);
  const hi = maxRaw(from) * 2 ** -fracBits(from);
  return lo - step >= minRaw(to) * step && hi + step <= maxRaw(to) * step;
}

/** The staircase of f over [lo, hi] (f non-decreasing): its thresholds and levels, by bisection. */
export function staircase(f: (x: number) => number, lo: number, hi: number): { thresholds: number[]; levels: number[] } {
  const levels = [f(lo)];
  const thresholds: number[] = [];
  let at = lo;
  while (levels.length <= 2 ** MAX_THRESHOLD_BITS && f(hi) > levels[levels.length - 1]) {
    // The smallest x in (at, hi] with f(x) above the current level.
    let a = at;
    let b = hi;
    const cur = levels[levels.length - 1];
    while (b - a > 1) {
      const m = a + Math.floor((b - a) / 2);
      if (f(m) > cur) b = m; else a = m;
    }
    thresholds.push(b);
    levels.push(f(b));
    at = b;
  }
  return { thresholds, levels };
}

/** The MAC → unary pairs whose composition is a staircase of at most 2^MAX_THRESHOLD_BITS steps. */
export function thresholdPairs(design: Design): ThresholdPair[] {
  const readers = new Map<string, number>();
  const count = (ls: Design['layers']) => ls.forEach((l) => { l.inputs.forEach((t) => readers.set(t, (readers.get(t) ?? 0) + 1)); if (l.kind === 'loop') count(l.body); });
  count(design.layers);
  const outputs = new Set(design.outputs);
  const out: ThresholdPair[] = [];
  for (const mac of design.layers) {
    if ((mac.kind !== 'dense' && mac.kind !== 'conv2d') || mac.shift || outputs.has(mac.output) || readers.get(mac.output) !== 1) continue;
    const unary = design.layers.find((l) => l.inputs[0] === mac.output);
    if (!unary || unary.kind !== 'unary') continue;
    const mid = design.tensors[mac.output].format;
    const y = design.tensors[unary.output].format;
    const yIn = unary.shift ? shiftedFormat(mid, unary.shift) : mid;
    if (y.width > MAX_THRESHOLD_BITS || !monotoneAct(mac.act) || !monotoneAct(unary.act)) continue;
    if (!monotoneCast(mac.acc, mid) || !monotoneCast(yIn, y) || mac.acc.width > 52) continue;
    const accFrac = fracBits(mac.acc);
    const f = (acc: number) => finishAct(finishAct(acc, accFrac, mid, mac.act), fracBits(yIn), y, unary.act);
    const s = staircase(f, minRaw(mac.acc), maxRaw(mac.acc));
    if (s.levels.length > 2 ** y.width) continue;
    out.push({ mac, unary, ...s });
  }
  return out;
}
