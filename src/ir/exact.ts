/**
 * @fileoverview Exactness of a MAC layer's accumulator: the promise every layer kind makes (src/ir/design.ts: sums
 * are exact in the accumulator, only the output cast rounds), checked with the real weights. The conv simulator
 * refuses a layer that breaks it and the sparse planner keeps a layer's serial order unless it holds, so the check
 * lives here, below both.
 */
import { formatToCpp, fracBits, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';

/** The signed range an acc format can hold (AP_SAT_SYM excludes the most negative code, as finishNum does). */
export function accRange(f: FixedFormat): [number, number] {
  const hi = maxRaw(f);
  const lo = f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f);
  return [lo, hi];
}

/**
 * Why a MAC layer's accumulator cannot hold every partial sum exactly, or undefined when it can. A partial sum is
 * the bias plus any subset of an output's `fanIn` products weight · input (padding and sparse kernels skip some, and
 * any order of additions is allowed), so each lies in [bias + Σ min(0, w·x), bias + Σ max(0, w·x)] over the input
 * format's range; that interval must fit the acc format, in units it represents exactly. `what` names an output
 * in the message ('output channel', 'output').
 */
export function macInexact(acc: FixedFormat, inF: FixedFormat, weight: { raw: readonly number[]; format: FixedFormat }, fanIn: number,
  bias: { raw: readonly number[]; format: FixedFormat } | null, what: string): string | undefined {
  const name = formatToCpp(acc);
  if (acc.width > 52) return `accumulator ${name} is wider than 52 bits; the simulator computes in exact JS numbers`;
  const aF = fracBits(acc);
  const pF = fracBits(weight.format) + fracBits(inF);
  if (aF < pF) return `accumulator ${name} has fewer fraction bits than a weight·input product (${pF}): the sum would not be exact`;
  if (bias && aF < fracBits(bias.format)) return `accumulator ${name} cannot hold the bias exactly`;
  const [xLo, xHi] = [minRaw(inF), maxRaw(inF)];
  const [lo, hi] = accRange(acc);
  const pScale = 2 ** (aF - pF);
  for (let o = 0; o * fanIn < weight.raw.length; o++) {
    const b = bias ? bias.raw[o] * 2 ** (aF - fracBits(bias.format)) : 0;
    let down = 0;
    let up = 0;
    for (let t = o * fanIn; t < (o + 1) * fanIn; t++) {
      const w = weight.raw[t];
      down += Math.min(0, w * xLo, w * xHi);
      up += Math.max(0, w * xLo, w * xHi);
    }
    if (b + down * pScale < lo || b + up * pScale > hi) {
      return `accumulator ${name} can overflow for ${what} ${o}: partial sums reach [${(b + down * pScale) * 2 ** -aF}, ${(b + up * pScale) * 2 ** -aF}]`;
    }
  }
  return undefined;
}
