/**
 * @fileoverview The int16 fast path of the MAC layers: preconditions, checked once per layer, and the dense engine
 * (the conv engine is conv-gemm.ts). Both run the WebAssembly SIMD kernels of sim/wasm/mac.ts on the raws as int16
 * and return each output's exact sum of raw products Σ w·x, which the layer then scales by its power of two,
 * adds to its bias and casts exactly as its double path does. Preconditions, each with why it makes the sum exact:
 *
 * - Every input raw fits int16: the input format's whole raw range lies in [−2^15, 2^15) (signed ≤ 16 bits,
 *   unsigned ≤ 15 bits). Padding and zero-padded lanes are 0.
 * - Every weight raw fits int16 (the actual values, whatever the weight format's width).
 * - A block length kb (a multiple of 8 values) with Σ_{k in a block} |w_k| · max|x| < 2^31 for every row and block:
 *   each i32 lane of a block then holds a true sum inside the int32 range, which wrapping arithmetic returns
 *   exactly (see mac.ts). kb = 0 (some 8 consecutive weights are too large) refuses the path.
 * - The layer's own exactness check already passed (macInexact for conv, the partial-sum range for dense): every
 *   subset sum of products, hence every double total the kernels form, is an integer below 2^53.
 * - The runtime has WebAssembly SIMD (macModule() is not null).
 * Anything else keeps the double path, unchanged.
 */
import { maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import { Layout, MacMemory, macModule } from '../wasm/mac.js';
import type { Fused } from './common.js';

let enabled = true;

/** Turns the int16 paths on or off for layers planned from now on (plans are cached per layer); for tests. */
export function setInt16Paths(on: boolean): void {
  enabled = on;
}

export function int16PathsEnabled(): boolean {
  return enabled && macModule() !== null;
}

/** Whether every raw of the format lies in the int16 range. */
export function formatFitsInt16(f: FixedFormat): boolean {
  return f.width <= 16 && minRaw(f) >= -32768 && maxRaw(f) <= 32767;
}

/** max |x| over the format's raws. */
export function maxAbsRaw(f: FixedFormat): number {
  return Math.max(-minRaw(f), maxRaw(f));
}

const I32_LIMIT = 2 ** 31 - 1;

/**
 * The longest block (a multiple of 8 values: kp itself, else kp's largest power-of-two multiple of 8 below it,
 * halved until it fits) such that every row's Σ_{k in block} |w[row][k]| · xMax ≤ 2^31 − 1, for `rows` rows of `k`
 * weights each, row-major in `raw`; 0 when a weight is not an int16 or no block of 8 fits.
 */
export function blockLength(rows: number, k: number, kp: number, xMax: number, raw: ArrayLike<number>): number {
  // One pass checks the raws and the usual answer, whole rows (kp ≥ k: one block a row). Each sum of |w| is an
  // exact integer, and its product with xMax exceeds the limit exactly when the sum of the products would.
  let whole = true;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = r * k, end = i + k; i < end; i++) {
      const v = raw[i];
      if (!(Number.isInteger(v) && v >= -32768 && v <= 32767)) return 0;
      s += Math.abs(v);
    }
    if (s * xMax > I32_LIMIT) whole = false;
  }
  if (whole) return kp;
  const fits = (kb: number): boolean => {
    for (let r = 0; r < rows; r++) {
      for (let b = 0; b < k; b += kb) {
        let s = 0;
        for (let i = r * k + b, end = r * k + Math.min(b + kb, k); i < end; i++) s += Math.abs(raw[i]);
        if (s * xMax > I32_LIMIT) return false;
      }
    }
    return true;
  };
  let kb = 8;
  while (kb * 2 < kp) kb *= 2;
  for (; kb >= 8; kb /= 2) if (fits(kb)) return kb;
  return 0;
}

/** Smallest dense layer (nIn · nOut) worth the int16 engine; tests lower it to reach every shape. */
export let MIN_DENSE_MACS = 512;
export function setMinDenseMacs(n: number): void {
  MIN_DENSE_MACS = n;
}

export const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/**
 * The dense engines' preconditions (the file comment) and K layout: rows padded to kp values, blocks of kb. Null when
 * one fails, or when the call does fewer than MIN_DENSE_MACS products (below ~512 the few calls into WebAssembly
 * cost more than the double loop they replace).
 */
function denseBlocks(weightRaw: readonly number[], nOut: number, nIn: number, inF: FixedFormat, macs: number): { module: WebAssembly.Module; kp: number; kb: number } | null {
  const module = macModule();
  if (!int16PathsEnabled() || !module || !formatFitsInt16(inF) || macs < MIN_DENSE_MACS) return null;
  const kp = roundUp(nIn, 8);
  const kb = blockLength(nOut, nIn, kp, maxAbsRaw(inF), weightRaw);
  return kb === 0 ? null : { module, kp, kb };
}

/** The weights as int16 rows of kp values from byte address `at` (the padding stays 0: fresh memory). */
function putWeights(mem: MacMemory, at: number, kp: number, weightRaw: readonly number[], nOut: number, nIn: number): void {
  for (let r = 0; r < nOut; r++) {
    const row = at / 2 + r * kp;
    for (let i = 0; i < nIn; i++) mem.i16[row + i] = weightRaw[r * nIn + i];
  }
}

/**
 * A dense layer's weights [nOut][nIn] as int16 rows in wasm memory: run(x, xo) leaves Σ_i w[o][i] · x[xo + i]
 * (exact integers) in sums()[sumsAt + o] for o < nOut; runFused also finishes them (see post in mac.ts).
 */
export class DenseI16 {
  private initSrc: Float64Array | null = null; // the bias last copied into the engine's memory

  private constructor(private readonly mem: MacMemory, private readonly ld: number, private readonly kbBytes: number,
    private readonly a: number, private readonly xf: number, private readonly x: number, private readonly c: number,
    private readonly init: number, private readonly y: number, private readonly mp: number, private readonly nIn: number,
    private readonly nOut: number) {}

  /** The engine when every precondition holds (see the file comment), else null. */
  static create(weightRaw: readonly number[], nOut: number, nIn: number, inF: FixedFormat): DenseI16 | null {
    const blocks = denseBlocks(weightRaw, nOut, nIn, inF, nIn * nOut);
    if (!blocks) return null;
    const { module, kp, kb } = blocks;
    const mp = roundUp(nOut, 4);
    const ld = 2 * kp;
    const lay = new Layout();
    const a = lay.take(mp * ld);
    const xf = lay.take(8 * nIn);
    const x = lay.take(ld);
    const c = lay.take(mp * 8);
    const init = lay.take(nOut * 8);
    const y = lay.take(nOut * 8);
    if (lay.bytes > 2 ** 30) return null;
    const mem = new MacMemory(module, lay);
    putWeights(mem, a, kp, weightRaw, nOut, nIn);
    return new DenseI16(mem, ld, 2 * kb, a, xf, x, c, init, y, mp, nIn, nOut);
  }

  /** Offset of the first sum in sums(). */
  get sumsAt(): number {
    return this.c / 8;
  }

  /** The memory's doubles: sums()[sumsAt + o] after run. */
  sums(): Float64Array {
    return this.mem.f64;
  }

  run(x: Float64Array, xo: number): void {
    const { f64, k } = this.mem;
    f64.set(xo === 0 && x.length === this.nIn ? x : x.subarray(xo, xo + this.nIn), this.xf / 8);
    k.cvt(this.xf, this.x, this.nIn, 1, 1, 0, 0);
    k.gemv4(this.a, this.x, this.c, this.mp, this.ld, this.kbBytes);
  }

  /** out[d0 + o] = the fused cast f of init[o] + sum[o] · scale: what finishRun gives those values, in one pass. */
  runFused(x: Float64Array, xo: number, init: Float64Array, scale: number, f: Fused, out: Float64Array, d0: number): void {
    const { f64, k } = this.mem;
    if (this.initSrc !== init) {
      f64.set(init, this.init / 8);
      this.initSrc = init;
    }
    this.run(x, xo);
    k.post(this.c, 0, 1, this.nOut, this.init, 0, 8, this.y, 0, scale, f.scale, f.m, f.lo, f.hi);
    out.set(f64.subarray(this.y / 8, this.y / 8 + this.nOut), d0);
  }
}

/**
 * The dense engine for many rows at once (a layer's rows, or a layer-major batch's samples: dense.ts), as one
 * matrix product: the rows' int16 raws are gemm24's M operand and the weights its N operand, so c[row][o] is row's
 * sum for output o, already in the layer's [rows][nOut] order; the fused cast (post) or the double loop of dense.ts
 * follows. Same preconditions and the same block length as DenseI16 (the bound is per output and K block, whichever
 * operand holds the weights), so the same exact sums.
 */
export class DenseRowsI16 {
  private initSrc: Float64Array | null = null;

  private constructor(private readonly mem: MacMemory, private readonly s: {
    readonly ld: number; readonly kbBytes: number; readonly w: number; readonly xf: number; readonly xr: number; readonly c: number;
    readonly init: number; readonly y: number; readonly np: number; readonly nIn: number; readonly nOut: number; readonly rows: number;
  }) {}

  /** The engine for `rows` rows when every precondition holds and the product is large enough to pay, else null. */
  static create(weightRaw: readonly number[], nOut: number, nIn: number, rows: number, inF: FixedFormat): DenseRowsI16 | null {
    const blocks = rows < 4 ? null : denseBlocks(weightRaw, nOut, nIn, inF, rows * nIn * nOut);
    if (!blocks) return null;
    const { module, kp, kb } = blocks;
    const np = roundUp(nOut, 4);
    const mr = roundUp(rows, 2);
    const ld = 2 * kp;
    const lay = new Layout();
    const w = lay.take(np * ld);
    const xf = lay.take(8 * rows * nIn);
    const xr = lay.take(mr * ld);
    const c = lay.take(8 * mr * np);
    const init = lay.take(8 * nOut);
    const y = lay.take(8 * rows * nOut);
    if (lay.bytes > 2 ** 28) return null;
    const mem = new MacMemory(module, lay);
    putWeights(mem, w, kp, weightRaw, nOut, nIn);
    return new DenseRowsI16(mem, { ld, kbBytes: 2 * kb, w, xf, xr, c, init, y, np, nIn, nOut, rows });
  }

  /**
   * out[d0 + r·nOut + o] = cast(init[o] + sum[r][o] · scale) for every row r: the fused cast f when not null, else
   * finishRow(sums, r) is called per row with sums[o] = init[o] + sum[r][o] · scale.
   */
  run(x: Float64Array, xo: number, init: Float64Array, scale: number, f: Fused | null, out: Float64Array, d0: number,
    sums: Float64Array, finishRow: (sums: Float64Array, r: number) => void): void {
    const { ld, kbBytes, w, xf, xr, c, np, nIn, nOut, rows } = this.s;
    const { f64, k } = this.mem;
    f64.set(x.subarray(xo, xo + rows * nIn), xf / 8);
    k.cvt(xf, xr, nIn, rows, 1, ld, 0);
    k.gemm24(xr, w, c, roundUp(rows, 2), np, ld, kbBytes, 8 * np);
    if (f) {
      if (this.initSrc !== init) {
        f64.set(init, this.s.init / 8);
        this.initSrc = init;
      }
      k.post(c, 8 * np, rows, nOut, this.s.init, 0, 8, this.s.y, 8 * nOut, scale, f.scale, f.m, f.lo, f.hi);
      out.set(f64.subarray(this.s.y / 8, this.s.y / 8 + rows * nOut), d0);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const at = c / 8 + r * np;
      for (let o = 0; o < nOut; o++) sums[o] = init[o] + f64[at + o] * scale;
      finishRow(sums, r);
    }
  }
}
