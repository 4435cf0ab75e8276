/**
 * @fileoverview Hand-written WebAssembly SIMD kernels for integer multiply-accumulate on 16-bit raws, and the
 * per-layer memory they run in. Used by the int16 fast paths (sim/kernels/int16.ts), which check every
 * precondition below once per layer; these kernels check nothing.
 *
 * gemv4 and gemm24 sum products of int16 values with i32x4.dot_i16x8_s (lane j = a[2j]·b[2j] + a[2j+1]·b[2j+1])
 * into i32x4 accumulators, which wrap modulo 2^32. That is exact under one condition: the true value of every
 * partial sum lies in [−2^31, 2^31) — modular arithmetic then returns it. The caller picks the block length `kb` so
 * that Σ_{k in any block} |w_k| · max|x| < 2^31 for every row (int16.ts), which bounds every sum of a block's
 * terms: a lane, a pair of lanes and the whole block. After each block its four lanes are added (flush4, still
 * int32), converted to doubles (exact) and added to a double total: every such total is a sum of a subset of the
 * row's products, which the layer's accumulator check bounds below 2^53, so it is exact. dw3 (3×3 depthwise) forms
 * its nine-tap sums with extending multiplies under the same kind of bound. gather (im2col), cvt (doubles to int16)
 * and post (the fused output cast, in f64x2 lanes) move data around them.
 *
 * Layout conventions (byte addresses and strides, all 16-byte aligned): a matrix of int16 rows has `ld` bytes per
 * row, ld a multiple of 16 (rows zero-padded to a multiple of 8 values); results are doubles.
 */
import {
  assemble, block, brIf, F64, get, I32, i32, loop, select, seq, set, tee, V128, type Code, type Func,
} from './asm.js';
import { MAC_MODULE_BASE64 } from './mac-module.js';

/** i8x16.shuffle selecting i32 lanes (0-3: first operand, 4-7: second). */
const pick32 = (...lanes: number[]): Code => V128.shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));

/**
 * Four i32x4 accumulators (v128 locals acc[0..3]) reduced to their four lane sums, then added as doubles to two
 * f64x2 locals: tot[0] += (s0, s1), tot[1] += (s2, s3). Each lane sum is a block's sum, inside the int32 range by
 * the block bound, so the wrapping adds give it exactly; int32 to double is exact. t0, t1: v128 scratch locals.
 */
function flush4(acc: readonly number[], tot: readonly [number, number], t0: number, t1: number): Code {
  const pairSums = (x: number, y: number): Code => seq(
    get(x), get(y), pick32(0, 1, 4, 5), get(x), get(y), pick32(2, 3, 6, 7), V128.i32x4Add,
  ); // (x0 + x2, x1 + x3, y0 + y2, y1 + y3)
  return seq(
    pairSums(acc[0], acc[1]), set(t0),
    pairSums(acc[2], acc[3]), set(t1),
    get(t0), get(t1), pick32(0, 2, 4, 6), get(t0), get(t1), pick32(1, 3, 5, 7), V128.i32x4Add, set(t0), // (s0, s1, s2, s3)
    get(tot[0]), get(t0), V128.f64x2ConvertLowI32x4S, V128.f64x2Add, set(tot[0]),
    get(tot[1]), get(t0), get(t0), pick32(2, 3, 2, 3), V128.f64x2ConvertLowI32x4S, V128.f64x2Add, set(tot[1]),
  );
}

/** kend = min(k0 + kb, ld). */
const blockEnd = (k0: number, kb: number, ld: number, kend: number): Code =>
  seq(get(k0), get(kb), I32.add, tee(kend), get(ld), get(kend), get(ld), I32.ltU, select, set(kend));

/**
 * gemv4(a, x, c, M, ld, kb): c[m] = Σ_k a[m][k] · x[k] for m < M (M a multiple of 4), four rows per pass so each
 * load of x serves four dot products. kb: block length in bytes (a multiple of 16).
 */
function gemv4(): Func {
  const [a, x, c, M, ld, kb] = [0, 1, 2, 3, 4, 5];
  const [m, k0, k, kend, p0, p1, p2, p3] = [6, 7, 8, 9, 10, 11, 12, 13];
  const [xv, t0, t1] = [14, 15, 16];
  const acc = [17, 18, 19, 20];
  const tot: [number, number] = [21, 22]; // f64x2 totals of rows (0, 1) and (2, 3)
  const rows = [p0, p1, p2, p3];
  const body = seq(
    i32(0), set(m),
    loop(
      get(a), get(m), get(ld), I32.mul, I32.add, tee(p0), get(ld), I32.add, tee(p1), get(ld), I32.add, tee(p2),
      get(ld), I32.add, set(p3),
      V128.zero, set(tot[0]), V128.zero, set(tot[1]),
      i32(0), set(k0),
      loop(
        ...acc.map((r) => seq(V128.zero, set(r))),
        blockEnd(k0, kb, ld, kend),
        get(k0), set(k),
        loop(
          get(x), get(k), I32.add, V128.load(), set(xv),
          ...rows.map((p, i) => seq(get(acc[i]), get(p), get(k), I32.add, V128.load(), get(xv), V128.i32x4DotI16x8S, V128.i32x4Add, set(acc[i]))),
          get(k), i32(16), I32.add, tee(k), get(kend), I32.ltU, brIf(0),
        ),
        flush4(acc, tot, t0, t1),
        get(kend), tee(k0), get(ld), I32.ltU, brIf(0),
      ),
      get(c), get(m), i32(3), I32.shl, I32.add, tee(p0), get(tot[0]), V128.store(),
      get(p0), get(tot[1]), V128.store(16),
      get(m), i32(4), I32.add, tee(m), get(M), I32.ltU, brIf(0),
    ),
  );
  return { name: 'gemv4', params: ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], locals: [[8, 'i32'], [9, 'v128']], body };
}

/**
 * gemm24(a, b, c, M, N, ld, kb, ldc): c[m][n] = Σ_k a[m][k] · b[n][k] (both K-contiguous, row stride ld bytes) for
 * m < M (a multiple of 2) and n < N (a multiple of 4); c rows are ldc bytes apart. A 2×4 tile per pass: eight
 * accumulators, six loads per eight dot products.
 */
function gemm24(): Func {
  const [a, b, c, M, N, ld, kb, ldc] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [m, n, k0, k, kend, a0p, a1p, b0p, b1p, b2p, b3p, cp] = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
  const acc = [20, 21, 22, 23, 24, 25, 26, 27]; // row i, column j: acc[4i + j]
  const [av0, av1, bv, t0, t1] = [28, 29, 30, 31, 32];
  const tot = [33, 34, 35, 36]; // f64x2: row 0 columns (0, 1), (2, 3); row 1 likewise
  const bp = [b0p, b1p, b2p, b3p];
  const body = seq(
    i32(0), set(m),
    loop(
      get(a), get(m), get(ld), I32.mul, I32.add, tee(a0p), get(ld), I32.add, set(a1p),
      i32(0), set(n),
      loop(
        get(b), get(n), get(ld), I32.mul, I32.add, tee(b0p), get(ld), I32.add, tee(b1p), get(ld), I32.add, tee(b2p),
        get(ld), I32.add, set(b3p),
        ...tot.map((t) => seq(V128.zero, set(t))),
        i32(0), set(k0),
        loop(
          ...acc.map((r) => seq(V128.zero, set(r))),
          blockEnd(k0, kb, ld, kend),
          get(k0), set(k),
          loop(
            get(a0p), get(k), I32.add, V128.load(), set(av0),
            get(a1p), get(k), I32.add, V128.load(), set(av1),
            ...bp.map((p, j) => seq(
              get(p), get(k), I32.add, V128.load(), set(bv),
              get(acc[j]), get(av0), get(bv), V128.i32x4DotI16x8S, V128.i32x4Add, set(acc[j]),
              get(acc[4 + j]), get(av1), get(bv), V128.i32x4DotI16x8S, V128.i32x4Add, set(acc[4 + j]),
            )),
            get(k), i32(16), I32.add, tee(k), get(kend), I32.ltU, brIf(0),
          ),
          flush4(acc.slice(0, 4), [tot[0], tot[1]], t0, t1),
          flush4(acc.slice(4), [tot[2], tot[3]], t0, t1),
          get(kend), tee(k0), get(ld), I32.ltU, brIf(0),
        ),
        get(c), get(m), get(ldc), I32.mul, I32.add, get(n), i32(3), I32.shl, I32.add, tee(cp),
        get(tot[0]), V128.store(), get(cp), get(tot[1]), V128.store(16),
        get(cp), get(ldc), I32.add, tee(cp), get(tot[2]), V128.store(), get(cp), get(tot[3]), V128.store(16),
        get(n), i32(4), I32.add, tee(n), get(N), I32.ltU, brIf(0),
      ),
      get(m), i32(2), I32.add, tee(m), get(M), I32.ltU, brIf(0),
    ),
  );
  return { name: 'gemm24', params: new Array(8).fill('i32'), locals: [[12, 'i32'], [17, 'v128']], body };
}

/**
 * gather(src, offs, offsEnd, dst, ldd, bases, basesEnd): im2col over a zero-padded int16 input. For each int32
 * byte offset b in [bases, basesEnd) (one output position each), the next row of dst (rows ldd bytes apart) gets,
 * for each int32 byte offset o in [offs, offsEnd), the int16 at src + b + o. Columns past the offsets are left
 * as they are (zeros).
 */
function gather(): Func {
  const [src, offs, offsEnd, dst, ldd, bases, basesEnd] = [0, 1, 2, 3, 4, 5, 6];
  const [bp, base, o, d, drow] = [7, 8, 9, 10, 11];
  const body = seq(
    get(bases), set(bp), get(dst), set(drow),
    loop(
      get(src), get(bp), I32.load(), I32.add, set(base),
      get(offs), set(o), get(drow), set(d),
      loop(
        get(d), get(base), get(o), I32.load(), I32.add, I32.load16s(), I32.store16(),
        get(d), i32(2), I32.add, set(d),
        get(o), i32(4), I32.add, tee(o), get(offsEnd), I32.ltU, brIf(0),
      ),
      get(drow), get(ldd), I32.add, set(drow),
      get(bp), i32(4), I32.add, tee(bp), get(basesEnd), I32.ltU, brIf(0),
    ),
  );
  return { name: 'gather', params: new Array(7).fill('i32'), locals: [[5, 'i32']], body };
}

/**
 * cvt(src, dst, w, h, c, ldd, pld): doubles to int16 (each an int16 raw, so the truncation is exact): c planes of h
 * rows of w values, read contiguously from src, written to dst + ch·pld + y·ldd + 2x (bytes). Eight values a pass
 * (trunc_sat then narrow: exact for int16 raws), the last w mod 8 of a row one at a time, so nothing is written
 * past a row's w values (the padding of a padded plane stays 0).
 */
function cvt(): Func {
  const [src, dst, w, h, c, ldd, pld] = [0, 1, 2, 3, 4, 5, 6];
  const [ch, y, n, plane, d] = [7, 8, 9, 10, 11];
  const four = (at: number): Code => seq(
    get(src), V128.loadU(at), V128.i32x4TruncSatF64x2SZero, get(src), V128.loadU(at + 16), V128.i32x4TruncSatF64x2SZero,
    pick32(0, 1, 4, 5),
  );
  const body = seq(
    i32(0), set(ch), get(dst), set(plane),
    loop(
      i32(0), set(y),
      loop(
        get(plane), get(y), get(ldd), I32.mul, I32.add, set(d),
        get(w), i32(3), I32.shrU, set(n),
        block(
          get(n), I32.eqz, brIf(0),
          loop(
            get(d), four(0), four(32), V128.i16x8NarrowI32x4S, V128.storeU(),
            get(src), i32(64), I32.add, set(src), get(d), i32(16), I32.add, set(d),
            get(n), i32(1), I32.sub, tee(n), brIf(0),
          ),
        ),
        get(w), i32(7), I32.and, set(n),
        block(
          get(n), I32.eqz, brIf(0),
          loop(
            get(d), get(src), F64.load(), I32.truncF64S, I32.store16(),
            get(src), i32(8), I32.add, set(src), get(d), i32(2), I32.add, set(d),
            get(n), i32(1), I32.sub, tee(n), brIf(0),
          ),
        ),
        get(y), i32(1), I32.add, tee(y), get(h), I32.ltU, brIf(0),
      ),
      get(plane), get(pld), I32.add, set(plane),
      get(ch), i32(1), I32.add, tee(ch), get(c), I32.ltU, brIf(0),
    ),
  );
  return { name: 'cvt', params: new Array(7).fill('i32'), locals: [[5, 'i32']], body };
}

/**
 * post(c, ldc, rows, cols, bias, bRow, bCol, dst, ldd, pScale, scale, m, lo, hi): the fused cast of common.ts
 * (Fused) applied to acc = bias + sum · pScale, element by element exactly as the JavaScript loops write it:
 * r = (bias[r·bRow + j·bCol] + c[r][j] · pScale) · scale + m − m, then r < lo ? lo : r > hi ? hi : r, stored to
 * dst[r][j] (row strides ldc, ldd and the bias strides in bytes). Two columns a pass in f64x2 lanes, an odd last
 * column alone: IEEE double arithmetic in the same order, hence JavaScript's results; the clamp is pmin (exactly
 * "r > hi ? hi : r") then a select of lo where r < lo, the same for any lo and hi.
 */
function post(): Func {
  const [c, ldc, rows, cols, bias, bRow, bCol, dst, ldd, pScale, scale, m, lo, hi] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const [r, cj, dj, bj, pairs, v] = [14, 15, 16, 17, 18, 19];
  const [vp, vs, vm, vlo, vhi, x] = [20, 21, 22, 23, 24, 25];
  const body = seq(
    get(pScale), V128.f64x2Splat, set(vp), get(scale), V128.f64x2Splat, set(vs), get(m), V128.f64x2Splat, set(vm),
    get(lo), V128.f64x2Splat, set(vlo), get(hi), V128.f64x2Splat, set(vhi),
    i32(0), set(r),
    loop(
      get(c), get(r), get(ldc), I32.mul, I32.add, set(cj),
      get(dst), get(r), get(ldd), I32.mul, I32.add, set(dj),
      get(bias), get(r), get(bRow), I32.mul, I32.add, set(bj),
      get(cols), i32(1), I32.shrU, set(pairs),
      block(
        get(pairs), I32.eqz, brIf(0),
        loop(
          get(bj), F64.load(), V128.f64x2Splat, get(bj), get(bCol), I32.add, F64.load(), V128.f64x2ReplaceLane(1),
          get(cj), V128.loadU(), get(vp), V128.f64x2Mul, V128.f64x2Add, get(vs), V128.f64x2Mul, get(vm), V128.f64x2Add,
          get(vm), V128.f64x2Sub, set(x),
          get(dj), get(vlo), get(x), get(vhi), V128.f64x2Pmin, get(x), get(vlo), V128.f64x2Lt, V128.bitselect, V128.storeU(),
          get(cj), i32(16), I32.add, set(cj), get(dj), i32(16), I32.add, set(dj),
          get(bj), get(bCol), i32(1), I32.shl, I32.add, set(bj),
          get(pairs), i32(1), I32.sub, tee(pairs), brIf(0),
        ),
      ),
      block(
        get(cols), i32(1), I32.and, I32.eqz, brIf(0),
        get(bj), F64.load(), get(cj), F64.load(), get(pScale), F64.mul, F64.add, get(scale), F64.mul, get(m), F64.add, get(m), F64.sub, set(v),
        get(dj),
        get(lo), get(hi), get(v), get(v), get(hi), F64.gt, select, get(v), get(lo), F64.lt, select,
        F64.store(),
      ),
      get(r), i32(1), I32.add, tee(r), get(rows), I32.ltU, brIf(0),
    ),
  );
  return { name: 'post', params: [...new Array<'i32'>(9).fill('i32'), 'f64', 'f64', 'f64', 'f64', 'f64'], locals: [[5, 'i32'], [1, 'f64'], [6, 'v128']], body };
}

/**
 * dw3(xpad, wts, sums, C, oh, owp, rowStep, pld, dy): the 3×3 depthwise sums at unit column stride and dilation over
 * C zero-padded int16 planes (plane ch at xpad + ch·pld bytes; output row oy reads the three rows starting at
 * oy·rowStep, dy bytes apart). sums[ch][oy][ox] = Σ_{ky,kx} w[ch][ky][kx] · plane[ky row][ox + kx], as doubles, rows
 * owp values apart, for ox < owp (a multiple of 8): eight outputs a pass, one unaligned load per tap serving all eight.
 * Channel ch's nine weights are int16 at wts + 32·ch. i16 × i16 products are exact in i32 lanes and the caller
 * bounds Σ|w|·max|x| below 2^31 per channel, so every lane's wrapping partial sums are exact (int16.ts).
 */
function dw3(): Func {
  const [xpad, wts, sums, C, oh, owp, rowStep, pld, dy] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [ch, oy, ox, row, r0, r1, r2, dst, wc] = [9, 10, 11, 12, 13, 14, 15, 16, 17];
  const w = [18, 19, 20, 21, 22, 23, 24, 25, 26]; // the channel's weights, each splat to eight lanes
  const [lo, hi, v] = [27, 28, 29];
  const rows = [r0, r1, r2];
  const tap = (t: number): Code => seq(
    get(rows[Math.floor(t / 3)]), V128.loadU(2 * (t % 3)), set(v),
    get(lo), get(v), get(w[t]), V128.i32x4ExtmulLowI16x8S, V128.i32x4Add, set(lo),
    get(hi), get(v), get(w[t]), V128.i32x4ExtmulHighI16x8S, V128.i32x4Add, set(hi),
  );
  const body = seq(
    i32(0), set(ch), get(sums), set(dst),
    loop(
      get(wts), get(ch), i32(5), I32.shl, I32.add, set(wc),
      ...w.map((r, t) => seq(get(wc), I32.load16s(2 * t), V128.i16x8Splat, set(r))),
      get(xpad), get(ch), get(pld), I32.mul, I32.add, set(row),
      i32(0), set(oy),
      loop(
        i32(0), set(ox),
        loop(
          get(row), get(ox), i32(1), I32.shl, I32.add, tee(r0), get(dy), I32.add, tee(r1), get(dy), I32.add, set(r2),
          V128.zero, set(lo), V128.zero, set(hi),
          ...w.map((_, t) => tap(t)),
          get(dst), get(lo), V128.f64x2ConvertLowI32x4S, V128.store(),
          get(dst), get(lo), get(lo), pick32(2, 3, 2, 3), V128.f64x2ConvertLowI32x4S, V128.store(16),
          get(dst), get(hi), V128.f64x2ConvertLowI32x4S, V128.store(32),
          get(dst), get(hi), get(hi), pick32(2, 3, 2, 3), V128.f64x2ConvertLowI32x4S, V128.store(48),
          get(dst), i32(64), I32.add, set(dst),
          get(ox), i32(8), I32.add, tee(ox), get(owp), I32.ltU, brIf(0),
        ),
        get(row), get(rowStep), I32.add, set(row),
        get(oy), i32(1), I32.add, tee(oy), get(oh), I32.ltU, brIf(0),
      ),
      get(ch), i32(1), I32.add, tee(ch), get(C), I32.ltU, brIf(0),
    ),
  );
  return { name: 'dw3', params: new Array(9).fill('i32'), locals: [[9, 'i32'], [12, 'v128']], body };
}

interface MacExports {
  dw3(xpad: number, wts: number, sums: number, C: number, oh: number, owp: number, rowStep: number, pld: number, dy: number): void;
  cvt(src: number, dst: number, w: number, h: number, c: number, ldd: number, pld: number): void;
  post(c: number, ldc: number, rows: number, cols: number, bias: number, bRow: number, bCol: number, dst: number, ldd: number,
    pScale: number, scale: number, m: number, lo: number, hi: number): void;
  gemv4(a: number, x: number, c: number, M: number, ld: number, kb: number): void;
  gemm24(a: number, b: number, c: number, M: number, N: number, ld: number, kb: number, ldc: number): void;
  gather(src: number, offs: number, offsEnd: number, dst: number, ldd: number, bases: number, basesEnd: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The module's bytes, assembled from the functions above (MAC_MODULE_BASE64 is this, stored). */
export function assembleMac(): Uint8Array<ArrayBuffer> {
  return assemble([gemv4(), gemm24(), gather(), cvt(), post(), dw3()]);
}

/**
 * The compiled module, or null where this runtime has no WebAssembly SIMD (the callers then keep their paths).
 * It is compiled from the stored bytes (mac-module.ts): running the assembler costs ~10 ms of a short run's
 * start-up; test/sim/int16-fast-paths.test.ts checks the stored bytes are what assembleMac() produces.
 */
export function macModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(MAC_MODULE_BASE64, 'base64'));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A bump layout of 16-byte aligned regions, sized before the memory exists. */
export class Layout {
  bytes = 0;
  take(n: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(n / 16) * 16;
    return at;
  }
}

/**
 * One layer's kernel instance and its own memory, created at its final size from a Layout and never grown (see
 * assemble: no ArrayBuffer is ever detached, and the typed views stay valid); dropped with the layer's plan. Fresh
 * memory is zero, which the padding conventions rely on.
 */
export class MacMemory {
  readonly k: MacExports;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  constructor(module: WebAssembly.Module, layout: Layout) {
    const mem = new WebAssembly.Memory({ initial: Math.ceil(layout.bytes / 65536) + 1 });
    this.k = new WebAssembly.Instance(module, { env: { mem } }).exports as unknown as MacExports;
    const buf = mem.buffer;
    this.i16 = new Int16Array(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
  }
}
