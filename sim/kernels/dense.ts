/**
 * @fileoverview Dense (weight [nOut][nIn], optional bias, fused act) and tensor × tensor MatMul kernels; each mirrors
 * the function of the same name in hw/fpgac/dense.h, whose loop order it keeps.
 *
 * The C++ accumulates `acc = acc + x·w` in CFG::acc_t. When acc_t holds every product's and the bias's fraction bits
 * and the static range of every partial sum (computed once per layer from the weights and the input formats), each
 * assignment to acc is exact: the simulator then sums raws at one common fraction F in plain doubles (exact below
 * 2^53, which the same bound guarantees) and casts once at the end. Otherwise (a design whose acc is too narrow)
 * it mirrors every assignment to acc with castRaw, in the C++ order, so it still agrees bit for bit — except for a
 * wrapping acc_t, where summing exactly and reducing once gives those same bits faster (see SlowPath).
 */
import { castRaw, fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { DenseLayer, MatMulLayer } from '../../src/ir/design.js';
import { finishFast, finishRun, fusedOf, makeFinish, runShifted, type Finish, type KernelIO } from './common.js';
import { identityRange } from './eltwise.js';
import { DenseI16, DenseRowsI16 } from './int16.js';

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

/**
 * wrap: acc_t is AP_WRAP (N = 0) and holds every product's fraction bits (G = accFrac), so each step only reduces
 * acc + p modulo 2^W into acc's range — a ring homomorphism, so the n steps give the reduction of the exact total
 * init + Σ p. When that total provably stays below 2^53, the kernel sums exactly and reduces once (castRaw with
 * no fraction change is exactly that reduction), instead of casting at every step. The bits are the same.
 */
interface SlowPath { acc: FixedFormat; g: number; accScale: number; prodScale: number; wrap: boolean }

function slowPath(name: string, acc: FixedFormat, prodFrac: number, maxAbsProd: number, terms: number): SlowPath {
  if (acc.width > 52) throw new Error(`layer ${name}: accumulator width ${acc.width} > 52 is not simulated exactly`);
  const g = Math.max(fracBits(acc), prodFrac);
  const s = { acc, g, accScale: 2 ** (g - fracBits(acc)), prodScale: 2 ** (g - prodFrac), wrap: false };
  if (2 ** (acc.width - 1) * s.accScale + maxAbsProd * s.prodScale > SAFE) {
    throw new Error(`layer ${name}: accumulator steps exceed 2^53 and cannot be simulated exactly`);
  }
  s.wrap = acc.o === 'AP_WRAP' && acc.n === 0 && g === fracBits(acc) && 2 ** acc.width + terms * maxAbsProd * s.prodScale < SAFE;
  return s;
}

/** Per-layer data, built once: weights and bias as typed arrays, plus the path decision. */
interface DensePlan {
  readonly inKey: string; readonly inF: FixedFormat;
  /** Fast path: weights scaled to the common fraction F. Slow path: the weight raws (wrap: · prodScale). */
  readonly w: Float64Array;
  /** Fast path: bias at fraction F (zeros without bias). Slow path: the bias cast into acc (acc's initial raws). */
  readonly init: Float64Array;
  readonly frac: number; // fraction of the final sum handed to finishAct (F, or acc's in the slow path)
  readonly slow: SlowPath | null;
  readonly maxAbs: number; // bound on |final sum| (for makeFinish)
  readonly rows: number; readonly nIn: number; readonly nOut: number; // int32 sizes (see conv.ts Geo)
  readonly sums: Float64Array; // one row's sums, reused
  /** Fast path only: the int16 engine when its preconditions hold (int16.ts), and 2^(F − prodFrac). */
  readonly i16: DenseI16 | null; readonly i16Scale: number;
  /** Fast path only: the engine for all rows in one matrix product (many rows: a layer-major batch, or a long layer). */
  readonly rowsI16: DenseRowsI16 | null;
  fin: Finish | null; outF: FixedFormat | null; // the finish for the output format last seen
}

const densePlans = new WeakMap<DenseLayer, DensePlan>();
const formatKey = (f: FixedFormat): string => `${f.width},${f.int},${f.signed}`;

/** raws · k as doubles, in a plain loop (Float64Array.from with a mapping function is slow on millions). */
function scaled(raws: readonly number[], k: number): Float64Array {
  const out = new Float64Array(raws.length);
  for (let i = 0; i < raws.length; i++) out[i] = raws[i] * k;
  return out;
}

function buildDensePlan(layer: DenseLayer, inF: FixedFormat): DensePlan {
  const { nIn, nOut, weight, bias, acc } = layer;
  const prodFrac = fracBits(inF) + fracBits(weight.format);
  const biasFrac = bias ? fracBits(bias.format) : prodFrac;
  const accFrac = fracBits(acc);
  const f = Math.max(prodFrac, biasFrac);
  const w = scaled(weight.raw, 2 ** (f - prodFrac));
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
  const sizes = { inF, rows: layer.rows | 0, nIn: nIn | 0, nOut: nOut | 0, sums: new Float64Array(nOut), fin: null, outF: null, i16: null, i16Scale: 1, rowsI16: null };
  // Fast path: every partial sum, the final one included, lies in acc's range scaled to F.
  if (fits) {
    const rowsI16 = DenseRowsI16.create(weight.raw, nOut, nIn, layer.rows, inF);
    const i16 = rowsI16 ? null : DenseI16.create(weight.raw, nOut, nIn, inF);
    return { inKey: formatKey(inF), w, init, frac: f, slow: null, maxAbs: Math.max(-accLo, accHi), ...sizes, i16, i16Scale: 2 ** (f - prodFrac), rowsI16 };
  }
  const p = productRange(inF, weight.format);
  const slow = slowPath(layer.name, acc, prodFrac, Math.max(-p.lo, p.hi), nIn);
  const initAcc = new Float64Array(nOut);
  if (bias) for (let o = 0; o < nOut; o++) initAcc[o] = castRaw(bias.raw[o], biasFrac, acc);
  const wRaw = scaled(weight.raw, slow.wrap ? slow.prodScale : 1); // wrap: in acc units
  return { inKey: formatKey(inF), w: wRaw, init: initAcc, frac: accFrac, slow, maxAbs: 2 ** acc.width, ...sizes };
}

/**
 * sums[o] = init[o] + Σ_i x[xo + i] · w[o·nIn + i] for every o, in order of i (each partial sum is one the range
 * check bounded), four outputs at a time so that each x load serves four independent sums.
 */
function denseSums(x: Float64Array, xo: number, w: Float64Array, init: Float64Array, nIn: number, nOut: number, sums: Float64Array): void {
  const xe = xo + nIn;
  let o = 0;
  for (; o + 4 <= nOut; o += 4) {
    let s0 = init[o], s1 = init[o + 1], s2 = init[o + 2], s3 = init[o + 3];
    for (let i = xo, w0 = o * nIn; i < xe; i++, w0++) {
      const v = x[i];
      s0 += v * w[w0];
      s1 += v * w[w0 + nIn];
      s2 += v * w[w0 + 2 * nIn];
      s3 += v * w[w0 + 3 * nIn];
    }
    sums[o] = s0; sums[o + 1] = s1; sums[o + 2] = s2; sums[o + 3] = s3;
  }
  for (; o < nOut; o++) {
    let s0 = init[o];
    for (let i = xo, w0 = o * nIn; i < xe; i++, w0++) s0 += x[i] * w[w0];
    sums[o] = s0;
  }
}

export function simulateDense(layer: DenseLayer, io: KernelIO): void {
  if (layer.shift) return runShifted(layer, io, simulateDense, (i) => i % layer.nOut);
  const inF = io.inFormats[0];
  let plan = densePlans.get(layer);
  if (!plan || (plan.inF !== inF && plan.inKey !== formatKey(inF))) densePlans.set(layer, (plan = buildDensePlan(layer, inF)));
  if (plan.outF !== io.outFormat) {
    plan.fin = makeFinish(plan.frac, io.outFormat, layer.act, plan.maxAbs);
    plan.outF = io.outFormat;
  }
  const { w, init, slow, rows, nIn, nOut, sums } = plan;
  const fin = plan.fin!;
  const x = io.inputs[0];
  const out = io.out;
  const i16 = plan.i16;
  if (plan.rowsI16) {
    // Every row in one product; the sums scaled to F and added to the bias, cast fused or row by row.
    plan.rowsI16.run(x, 0, init, plan.i16Scale, fusedOf(fin), out, 0, sums, (s, r) => finishRun(s, 0, out, r * nOut, nOut, fin));
    return;
  }
  for (let r = 0; r < rows; r++) {
    const xo = r * nIn;
    if (i16) {
      // Σ raw products (exact integers), scaled to F and added to the bias: the double path's sums, bit for bit.
      const fused = fusedOf(fin);
      if (fused) {
        i16.runFused(x, xo, init, plan.i16Scale, fused, out, r * nOut);
        continue;
      }
      i16.run(x, xo);
      const s = i16.sums();
      const at = i16.sumsAt;
      const scale = plan.i16Scale;
      for (let o = 0; o < nOut; o++) sums[o] = init[o] + s[at + o] * scale;
      finishRun(sums, 0, out, r * nOut, nOut, fin);
      continue;
    }
    if (!slow || slow.wrap) {
      // Exact sums (wrap: w is pre-scaled to acc units), then for wrap the one reduction into acc's range.
      denseSums(x, xo, w, init, nIn, nOut, sums);
      if (slow) for (let o = 0; o < nOut; o++) sums[o] = castRaw(sums[o], slow.g, slow.acc);
      finishRun(sums, 0, out, r * nOut, nOut, fin);
      continue;
    }
    for (let o = 0; o < nOut; o++) {
      const wo = o * nIn;
      let acc = init[o];
      for (let i = 0; i < nIn; i++) acc = accStep(acc, x[xo + i] * w[wo + i], slow);
      out[r * nOut + o] = finishFast(acc, fin);
    }
  }
}

/** MatMul's plan depends only on formats: products at fraction fa + fb, k of them per output. */
interface MatMulPlan {
  readonly key: string; readonly prodFrac: number; readonly slow: SlowPath | null;
  readonly maxAbs: number; fin: Finish | null; outF: FixedFormat | null;
  fa: FixedFormat | null; fb: FixedFormat | null; // the format objects last seen (key compares their contents)
}
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
  const common = { key, prodFrac, fin: null, outF: null, fa: null, fb: null };
  if (fits) return { ...common, slow: null, maxAbs: Math.max(-lo, hi) };
  return { ...common, slow: slowPath(layer.name, layer.acc, prodFrac, Math.max(-p.lo, p.hi), layer.k), maxAbs: 2 ** layer.acc.width };
}

export function simulateMatMul(layer: MatMulLayer, io: KernelIO): void {
  // x @ x may list its one tensor once.
  const ib = io.inputs.length > 1 ? 1 : 0;
  const fa = io.inFormats[0];
  const fb = io.inFormats[ib];
  let plan = matmulPlans.get(layer);
  if (!plan || plan.fa !== fa || plan.fb !== fb) {
    const key = `${formatKey(fa)};${formatKey(fb)}`;
    if (!plan || plan.key !== key) matmulPlans.set(layer, (plan = buildMatMulPlan(layer, fa, fb, key)));
    plan.fa = fa;
    plan.fb = fb;
  }
  // int32 sizes, as in conv.ts (Geo): integer index arithmetic in the loops.
  const batch = layer.batch | 0, m = layer.m | 0, k = layer.k | 0, n = layer.n | 0;
  const aBatchStride = layer.aBatchStride | 0, bBatchStride = layer.bBatchStride | 0;
  const a = io.inputs[0];
  const b = io.inputs[ib];
  const out = io.out;
  const outF = io.outFormat;
  const slow = plan.slow;
  if (plan.outF !== outF) {
    // castRaw(acc, frac, outF) is finishAct without an activation.
    plan.fin = makeFinish(slow ? fracBits(layer.acc) : plan.prodFrac, outF, { kind: 'none' }, plan.maxAbs);
    plan.outF = outF;
  }
  const fin = plan.fin!;
  for (let t = 0; t < batch; t++) {
    const ab = t * aBatchStride;
    const bb = t * bBatchStride;
    for (let i = 0; i < m; i++) {
      const ar = ab + i * k;
      const orow = (t * m + i) * n;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        if (slow?.wrap) {
          for (let p = 0; p < k; p++) acc += a[ar + p] * b[bb + p * n + j] * slow.prodScale;
          acc = castRaw(acc, slow.g, slow.acc);
        } else if (slow) {
          for (let p = 0; p < k; p++) acc = accStep(acc, a[ar + p] * b[bb + p * n + j], slow);
        } else {
          for (let p = 0; p < k; p++) acc += a[ar + p] * b[bb + p * n + j];
        }
        out[orow + j] = finishFast(acc, fin);
      }
    }
  }
}
