/**
 * @fileoverview Dense (weight [nOut][nIn], optional bias, fused act) and tensor × tensor MatMul kernels; each mirrors
 * the function of the same name in hw/fpgac/dense.h, whose loop order it keeps.
 *
 * The C++ accumulates `acc = acc + x·w` in CFG::acc_t. When acc_t holds every product's and the bias's fraction bits
 * and the static range of every partial sum (computed once per layer from the weights and the input formats), each
 * assignment to acc is exact: the simulator then sums raws at one common fraction F in plain doubles (exact below
 * 2^53, which the same bound guarantees) and casts once at the end. Otherwise (a design whose acc is too narrow)
 * it mirrors every assignment to acc with castRaw, in the C++ order, so it still agrees bit for bit.
 */
import { castRaw, fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { DenseLayer, MatMulLayer } from '../../src/ir/design.js';
import { finishAct, type KernelIO } from './common.js';
import { identityRange } from './eltwise.js';

const SAFE = Number.MAX_SAFE_INTEGER;

/** Smallest and largest value of x·y (in raw products) over the raw ranges of two formats. */
function productRange(a: FixedFormat, b: FixedFormat): { lo: number; hi: number } {
  const c = [minRaw(a) * minRaw(b), minRaw(a) * maxRaw(b), maxRaw(a) * minRaw(b), maxRaw(a) * maxRaw(b)];
  return { lo: Math.min(...c) + 0, hi: Math.max(...c) + 0 };
}

/**
 * The slow path's step, acc = cast(acc + p): both aligned to G = max(accFrac, prodFrac) (exact, checked once in
 * slowPath()), then acc_t's quantization and overflow.
 */
function accStep(acc: number, p: number, s: SlowPath): number {
  return castRaw(acc * s.accScale + p * s.prodScale, s.g, s.acc);
}

interface SlowPath { acc: FixedFormat; g: number; accScale: number; prodScale: number }

function slowPath(name: string, acc: FixedFormat, prodFrac: number, maxAbsProd: number): SlowPath {
  if (acc.width > 52) throw new Error(`layer ${name}: accumulator width ${acc.width} > 52 is not simulated exactly`);
  const g = Math.max(fracBits(acc), prodFrac);
  const s = { acc, g, accScale: 2 ** (g - fracBits(acc)), prodScale: 2 ** (g - prodFrac) };
  if (2 ** (acc.width - 1) * s.accScale + maxAbsProd * s.prodScale > SAFE) {
    throw new Error(`layer ${name}: accumulator steps exceed 2^53 and cannot be simulated exactly`);
  }
  return s;
}

/** Per-layer data, built once: weights and bias as typed arrays, plus the path decision. */
interface DensePlan {
  readonly inKey: string;
  /** Fast path: weights scaled to the common fraction F. Slow path: the weight raws. */
  readonly w: Float64Array;
  /** Fast path: bias at fraction F (zeros without bias). Slow path: the bias cast into acc (acc's initial raws). */
  readonly init: Float64Array;
  readonly frac: number; // fraction of the final sum handed to finishAct (F, or acc's in the slow path)
  readonly slow: SlowPath | null;
}

const densePlans = new WeakMap<DenseLayer, DensePlan>();
const formatKey = (f: FixedFormat): string => `${f.width},${f.int},${f.signed}`;

function buildDensePlan(layer: DenseLayer, inF: FixedFormat): DensePlan {
  const { nIn, nOut, weight, bias, acc } = layer;
  const prodFrac = fracBits(inF) + fracBits(weight.format);
  const biasFrac = bias ? fracBits(bias.format) : prodFrac;
  const accFrac = fracBits(acc);
  const f = Math.max(prodFrac, biasFrac);
  const w = Float64Array.from(weight.raw, (r) => r * 2 ** (f - prodFrac));
  const init = new Float64Array(nOut);
  if (bias) for (let o = 0; o < nOut; o++) init[o] = bias.raw[o] * 2 ** (f - biasFrac);
  // Range of every partial sum bias + Σ_{i<j} x_i·w_i: each term spans [min, max] ∋ 0 over the input's raws.
  const xLo = minRaw(inF);
  const xHi = maxRaw(inF);
  const lim = identityRange(acc);
  const accLo = lim.lo * 2 ** (f - accFrac);
  const accHi = lim.hi * 2 ** (f - accFrac);
  let fits = accFrac >= f;
  for (let o = 0; o < nOut && fits; o++) {
    let lo = init[o];
    let hi = init[o];
    for (let i = 0; i < nIn; i++) {
      const a = w[o * nIn + i] * xLo;
      const b = w[o * nIn + i] * xHi;
      lo += Math.min(a, b);
      hi += Math.max(a, b);
    }
    fits = lo >= accLo && hi <= accHi && lo >= -SAFE && hi <= SAFE;
  }
  if (fits) return { inKey: formatKey(inF), w, init, frac: f, slow: null };
  const p = productRange(inF, weight.format);
  const slow = slowPath(layer.name, acc, prodFrac, Math.max(-p.lo, p.hi));
  const initAcc = new Float64Array(nOut);
  if (bias) for (let o = 0; o < nOut; o++) initAcc[o] = castRaw(bias.raw[o], biasFrac, acc);
  return { inKey: formatKey(inF), w: Float64Array.from(weight.raw), init: initAcc, frac: accFrac, slow };
}

export function simulateDense(layer: DenseLayer, io: KernelIO): void {
  const inF = io.inFormats[0];
  let plan = densePlans.get(layer);
  if (!plan || plan.inKey !== formatKey(inF)) densePlans.set(layer, (plan = buildDensePlan(layer, inF)));
  const { rows, nIn, nOut, act } = layer;
  const { w, init, frac, slow } = plan;
  const x = io.inputs[0];
  const out = io.out;
  const outF = io.outFormat;
  for (let r = 0; r < rows; r++) {
    const xo = r * nIn;
    for (let o = 0; o < nOut; o++) {
      const wo = o * nIn;
      let acc = init[o];
      if (slow) {
        for (let i = 0; i < nIn; i++) acc = accStep(acc, x[xo + i] * w[wo + i], slow);
      } else {
        for (let i = 0; i < nIn; i++) acc += x[xo + i] * w[wo + i];
      }
      out[r * nOut + o] = finishAct(acc, frac, outF, act);
    }
  }
}

/** MatMul's plan depends only on formats: products at fraction fa + fb, k of them per output. */
interface MatMulPlan { readonly key: string; readonly prodFrac: number; readonly slow: SlowPath | null }
const matmulPlans = new WeakMap<MatMulLayer, MatMulPlan>();

function buildMatMulPlan(layer: MatMulLayer, fa: FixedFormat, fb: FixedFormat, key: string): MatMulPlan {
  const prodFrac = fracBits(fa) + fracBits(fb);
  const accFrac = fracBits(layer.acc);
  const p = productRange(fa, fb);
  const lim = identityRange(layer.acc);
  const scale = 2 ** (prodFrac - accFrac);
  const lo = layer.k * p.lo;
  const hi = layer.k * p.hi;
  const fits = accFrac >= prodFrac && lo >= lim.lo * scale && hi <= lim.hi * scale && lo >= -SAFE && hi <= SAFE;
  if (fits) return { key, prodFrac, slow: null };
  return { key, prodFrac, slow: slowPath(layer.name, layer.acc, prodFrac, Math.max(-p.lo, p.hi)) };
}

export function simulateMatMul(layer: MatMulLayer, io: KernelIO): void {
  // x @ x may list its one tensor once.
  const ib = io.inputs.length > 1 ? 1 : 0;
  const fa = io.inFormats[0];
  const fb = io.inFormats[ib];
  const key = `${formatKey(fa)};${formatKey(fb)}`;
  let plan = matmulPlans.get(layer);
  if (!plan || plan.key !== key) matmulPlans.set(layer, (plan = buildMatMulPlan(layer, fa, fb, key)));
  const { batch, m, k, n, aBatchStride, bBatchStride } = layer;
  const a = io.inputs[0];
  const b = io.inputs[ib];
  const out = io.out;
  const outF = io.outFormat;
  const slow = plan.slow;
  const frac = slow ? fracBits(layer.acc) : plan.prodFrac;
  for (let t = 0; t < batch; t++) {
    const ab = t * aBatchStride;
    const bb = t * bBatchStride;
    for (let i = 0; i < m; i++) {
      const ar = ab + i * k;
      const orow = (t * m + i) * n;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        if (slow) {
          for (let p = 0; p < k; p++) acc = accStep(acc, a[ar + p] * b[bb + p * n + j], slow);
        } else {
          for (let p = 0; p < k; p++) acc += a[ar + p] * b[bb + p * n + j];
        }
        out[orow + j] = castRaw(acc, frac, outF);
      }
    }
  }
}
