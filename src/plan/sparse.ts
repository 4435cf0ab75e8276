/**
 * @fileoverview Sparse weight storage for MAC layers that time-share their multipliers (reuse > 1): the zero
 * weights of a pruned layer are neither stored nor given a multiply cycle. Fully parallel layers need none of this:
 * their weights are constants that HLS folds into the logic (zero products vanish, ±2^k become shifts).
 *
 * Both encodings keep every cycle's reads on separate memory banks, so they run at II = 1 with the same banks the
 * dense kernels use; only the order of the additions changes, which leaves the exact accumulator's bits alone.
 *
 * Dense (fpgac::dense_sparse, hw/fpgac/dense.h): lane v of pf_in multipliers reads input bank v (inputs i with
 * i mod pf_in = v). Output o takes steps(o) = max(1, max_v nnz(o, v)) cycles; at step k lane v multiplies its k-th
 * non-zero weight of output o by in[idx·pf_in + v], or a zero when it has run out (padding, which balances lanes).
 * All outputs' steps form one flat pipelined loop: a `last` flag ends output o, so no cycles are lost to
 * re-entering a loop per output.
 *
 * Conv, 1×1 with one group (fpgac::conv2d_sparse, gathering): see sparsePointwise, each engine its own list.
 *
 * Other convs (fpgac::conv2d_sparse, hw/fpgac/conv.h): pf_out engines compute channels u·opb + o1 (u < pf_out) side by
 * side and read the same input tap every cycle (the input has one bank). Group o1 steps through the union of its
 * channels' non-zero taps (one zero tap if there is none); an engine whose own weight at that tap is zero
 * multiplies a stored zero. With one engine that union is exactly the channel's non-zero taps.
 */
import { fixed, type FixedFormat } from '../../sim/fixed.js';
import { macInexact } from '../ir/exact.js';
import type { ConstData, Conv2dLayer, DenseLayer } from '../ir/design.js';

export interface SparseCode {
  /** Weight values, padding zeros included: dense [steps][pf_in] (lane-interleaved); conv [pf_out][steps]. */
  readonly values: ConstData;
  /** Dense: input index within the lane's bank, per value. Conv: tap code (ic, ky, kx bit fields), per step. */
  readonly index: ConstData;
  /** Dense: 1 at the last step of each output. Conv: steps of each channel group o1. */
  readonly control: ConstData;
  /** Pipelined loop trips per row (dense) or per output pixel summed over groups (conv). */
  readonly steps: number;
  /** Values stored (steps × lanes), the non-zero weights among them, and the dense layer's weight count. */
  readonly stored: number;
  readonly nonzeros: number;
  readonly denseWeights: number;
  /** Conv 1×1: the input pixel's channels are gathered into registers and each engine has its own list. */
  readonly gather?: boolean;
  /** Conv: bits of the tap code's kx and ky fields. */
  readonly kxBits?: number;
  readonly kyBits?: number;
}

const bitsFor = (n: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(n, 2))));
const uint = (bits: number): FixedFormat => fixed(bits, bits, { signed: false });

/**
 * A constant whose raws are computed when first read: the planner sizes every candidate encoding (its shape is
 * enough) but the emitter reads the raws of the chosen one only.
 */
function lazyConst(name: string, shape: readonly number[], format: FixedFormat, make: () => number[]): ConstData {
  let raw: number[] | undefined;
  return { name, shape, format, get raw() { return (raw ??= make()); } };
}

const denseCache = new WeakMap<ConstData, Map<number, SparseCode>>();
const convCache = new WeakMap<ConstData, Map<string, SparseCode>>();

function memo<K>(cache: WeakMap<ConstData, Map<K, SparseCode>>, c: ConstData, key: K, make: () => SparseCode): SparseCode {
  let m = cache.get(c);
  if (!m) cache.set(c, (m = new Map()));
  let code = m.get(key);
  if (!code) m.set(key, (code = make()));
  return code;
}

/** The bank-aligned encoding of a dense layer's [n_out][n_in] weights for pf_in lanes (see the file comment). */
export function sparseDense(l: DenseLayer, pfIn: number): SparseCode {
  return memo(denseCache, l.weight, pfIn, () => {
    const { nIn, nOut, weight } = l;
    const w = weight.raw;
    const depth = nIn / pfIn;
    // Steps per output: the fullest lane's non-zero count (at least one step, which writes the bias).
    const stepsOf: number[] = [];
    const count = new Array<number>(pfIn);
    let nonzeros = 0;
    for (let o = 0; o < nOut; o++) {
      count.fill(0);
      for (let i = 0; i < nIn; i++) if (w[o * nIn + i] !== 0) count[i % pfIn]++;
      let most = 1;
      for (let v = 0; v < pfIn; v++) { nonzeros += count[v]; if (count[v] > most) most = count[v]; }
      stepsOf.push(most);
    }
    const steps = stepsOf.reduce((a, b) => a + b, 0);
    // Values and indices lane-interleaved: step k of output o holds each lane's k-th non-zero (or a padding 0).
    const layout = () => {
      const vals: number[] = [];
      const idx: number[] = [];
      for (let o = 0; o < nOut; o++) {
        const lanes: number[][] = Array.from({ length: pfIn }, () => []);
        for (let i = 0; i < nIn; i++) if (w[o * nIn + i] !== 0) lanes[i % pfIn].push(i);
        for (let k = 0; k < stepsOf[o]; k++) {
          for (let v = 0; v < pfIn; v++) {
            const i = lanes[v][k];
            vals.push(i === undefined ? 0 : w[o * nIn + i]);
            idx.push(i === undefined ? 0 : (i - v) / pfIn);
          }
        }
      }
      return { vals, idx };
    };
    let laid: { vals: number[]; idx: number[] } | undefined;
    const base = `${weight.name}_sp${pfIn}`;
    return {
      values: lazyConst(`${base}_v`, [steps, pfIn], weight.format, () => (laid ??= layout()).vals),
      index: lazyConst(`${base}_i`, [steps, pfIn], uint(bitsFor(depth)), () => (laid ??= layout()).idx),
      control: lazyConst(`${base}_l`, [steps], uint(1), () => stepsOf.flatMap((n) => Array.from({ length: n }, (_, k) => (k === n - 1 ? 1 : 0)))),
      steps, stored: steps * pfIn, nonzeros, denseWeights: nIn * nOut,
    };
  });
}

/** The tap-union encoding of a conv layer's weights for pf_out engines (see the file comment). */
export function sparseConv(l: Conv2dLayer, pfOut: number): SparseCode {
  return memo(convCache, l.weight, `${pfOut}`, () => {
    const { oc, kh, kw, weight } = l;
    const cpg = l.c / l.group;
    const fanIn = cpg * kh * kw;
    const opb = oc / pfOut;
    const kxBits = bitsFor(kw);
    const kyBits = bitsFor(kh);
    const groups: number[][] = [];
    for (let o1 = 0; o1 < opb; o1++) {
      const taps: number[] = [];
      for (let t = 0; t < fanIn; t++) {
        let any = false;
        for (let u = 0; u < pfOut && !any; u++) any = weight.raw[(u * opb + o1) * fanIn + t] !== 0;
        if (any) taps.push(t);
      }
      // A group whose channels are all zero still takes one (zero) step, in which the kernel writes the biases.
      groups.push(taps.length ? taps : [0]);
    }
    const steps = groups.reduce((s, g) => s + g.length, 0);
    // Every non-zero weight lies on its group's tap union, so the stored non-zeros are all of them.
    let nonzeros = 0;
    for (const r of weight.raw) if (r !== 0) nonzeros++;
    const values = () => {
      const vals: number[] = [];
      for (let u = 0; u < pfOut; u++) groups.forEach((taps, o1) => { for (const t of taps) vals.push(weight.raw[(u * opb + o1) * fanIn + t]); });
      return vals;
    };
    const code = (t: number) => {
      const ic = Math.floor(t / (kh * kw));
      const ky = Math.floor(t / kw) % kh;
      const kx = t % kw;
      return ic * 2 ** (kyBits + kxBits) + ky * 2 ** kxBits + kx;
    };
    const base = `${weight.name}_sp${pfOut}`;
    return {
      values: lazyConst(`${base}_v`, [pfOut, steps], weight.format, values),
      index: lazyConst(`${base}_i`, [steps], uint(bitsFor(cpg) + kyBits + kxBits), () => groups.flatMap((g) => g.map(code))),
      control: { name: `${base}_n`, shape: [opb], format: uint(bitsFor(fanIn + 1)), raw: groups.map((g) => g.length) },
      steps, stored: pfOut * steps, nonzeros, denseWeights: oc * fanIn, kxBits, kyBits,
    };
  });
}

/**
 * The gathered encoding of a 1×1 convolution (group 1) for pf_out engines: at each pixel the kernel loads all c
 * input channels into registers (the input is partitioned one bank per channel), so engine u can read any channel
 * and steps through its own channel's non-zero weights: group o1 takes max_u nnz(u·opb + o1) steps, and an engine
 * with fewer non-zeros multiplies padding zeros. Values and channel indices are [pf_out][steps], one bank per engine.
 */
export function sparsePointwise(l: Conv2dLayer, pfOut: number): SparseCode {
  return memo(convCache, l.weight, `pw${pfOut}`, () => {
    const { oc, c, weight } = l;
    const opb = oc / pfOut;
    const nnz = channelNonZeros(weight, oc, c);
    const counts: number[] = [];
    for (let o1 = 0; o1 < opb; o1++) {
      let most = 0;
      for (let u = 0; u < pfOut; u++) most = Math.max(most, nnz[u * opb + o1]);
      counts.push(Math.max(1, most)); // one (zero) step at least: the kernel writes each pixel's outputs there
    }
    const steps = counts.reduce((a, b) => a + b, 0);
    const width = steps;
    let nonzeros = 0;
    for (let o = 0; o < oc; o++) nonzeros += nnz[o];
    // Engine u's list: its channels' non-zero weights (and their input channels), each group padded to its count.
    const layout = () => {
      const vals = new Array<number>(pfOut * width).fill(0);
      const idx = new Array<number>(pfOut * width).fill(0);
      for (let u = 0; u < pfOut; u++) {
        let base = 0;
        counts.forEach((n, o1) => {
          let k = 0;
          for (let ic = 0; ic < c; ic++) {
            const r = weight.raw[(u * opb + o1) * c + ic];
            if (r === 0) continue;
            vals[u * width + base + k] = r;
            idx[u * width + base + k] = ic;
            k++;
          }
          base += n;
        });
      }
      return { vals, idx };
    };
    let laid: { vals: number[]; idx: number[] } | undefined;
    const base = `${weight.name}_pw${pfOut}`;
    return {
      values: lazyConst(`${base}_v`, [pfOut, width], weight.format, () => (laid ??= layout()).vals),
      index: lazyConst(`${base}_i`, [pfOut, width], uint(bitsFor(c)), () => (laid ??= layout()).idx),
      control: { name: `${base}_n`, shape: [opb], format: uint(bitsFor(c + 1)), raw: counts },
      steps, stored: pfOut * steps, nonzeros, denseWeights: oc * c, gather: true,
    };
  });
}

const nnzCache = new WeakMap<ConstData, number[]>();

/** Non-zero weights of each of the `rows` rows of `per` weights (cached: every candidate pf_out reads them). */
function channelNonZeros(weight: ConstData, rows: number, per: number): number[] {
  let n = nnzCache.get(weight);
  if (!n) {
    n = new Array<number>(rows).fill(0);
    for (let o = 0; o < rows; o++) for (let i = o * per; i < (o + 1) * per; i++) if (weight.raw[i] !== 0) n[o]++;
    nnzCache.set(weight, n);
  }
  return n;
}

const exactCache = new WeakMap<DenseLayer, boolean>();

/**
 * Whether every partial sum of a dense layer is exact in its accumulator (macInexact, the check the conv simulator
 * enforces): only then may the additions be reordered and zero products skipped. Lowering sizes accumulators this
 * way; a hand-made narrower one keeps the dense kernel's serial order. Cached: the planner asks once per trial.
 */
export function denseAccExact(l: DenseLayer, inF: FixedFormat): boolean {
  let exact = exactCache.get(l);
  if (exact === undefined) exactCache.set(l, (exact = macInexact(l.acc, inF, l.weight, l.nIn, l.bias, 'output') === undefined));
  return exact;
}
