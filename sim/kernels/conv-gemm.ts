/**
 * @fileoverview The int16 fast path of conv2d (preconditions and why they make it exact: int16.ts): im2col then a
 * register-blocked matrix product in WebAssembly SIMD (sim/wasm/mac.ts).
 *
 * Per sample the input raws are copied as int16 into the interior of a zero-padded plane per channel (its border
 * is never written, so padding taps read 0, which adds nothing to an exact sum). Then, per group and per chunk of
 * output positions, `gather` builds one row per position holding its K = cpg·kh·kw taps in the weights' order
 * (ic, ky, kx), zero-padded to a multiple of 8, and `gemm24` forms Σ_k w[o][k] · row[p][k] for the group's output
 * channels: exact integers (int16.ts). Each output is then bias + sum · 2^(accFrac − wFrac − inFrac), the same
 * exact acc value the double kernels form, and goes through the same cast (fused in this loop, or finishRun).
 * Chunks keep the gathered rows within the L2 cache; rows of a last partial chunk past its end hold stale taps
 * whose sums are never read.
 */
import type { Conv2dLayer } from '../../src/ir/design.js';
import type { FixedFormat } from '../fixed.js';
import { Layout, MacMemory, macModule } from '../wasm/mac.js';
import { finishRun, type Finish, type Fused } from './common.js';
import { blockLength, formatFitsInt16, int16PathsEnabled, maxAbsRaw, roundUp } from './int16.js';

/**
 * The zero-padded plane a conv reads (rows hp, columns wp): the input after its top/left padding, or as far as the
 * last output's window reaches, whichever is larger (the bottom/right padding is what lies past the input).
 */
export function paddedPlane(l: Pick<Conv2dLayer, 'h' | 'w' | 'oh' | 'ow' | 'kh' | 'kw' | 'sh' | 'sw' | 'dh' | 'dw' | 'pt' | 'pl'>): { hp: number; wp: number } {
  return {
    hp: Math.max(l.h + l.pt, (l.oh - 1) * l.sh + (l.kh - 1) * l.dh + 1),
    wp: Math.max(l.w + l.pl, (l.ow - 1) * l.sw + (l.kw - 1) * l.dw + 1),
  };
}

/** Gathered rows per chunk: at most this many bytes of them (and at least 4 rows). */
const CHUNK_BYTES = 96 * 1024;

/** int32 sizes (see conv.ts Geo) and byte addresses in the engine's memory. */
interface Sizes {
  readonly c: number; readonly h: number; readonly w: number; readonly hp: number; readonly wp: number;
  readonly pt: number; readonly pl: number; readonly group: number; readonly cpg: number; readonly opg: number;
  readonly positions: number; readonly k: number; readonly ld: number; readonly mp: number; readonly nc: number;
  readonly kbBytes: number;
  readonly a: number; readonly xpad: number; readonly offs: number; readonly bases: number; readonly b: number; readonly cbuf: number;
  readonly xin: number; readonly bias: number; readonly outbuf: number; readonly oc: number;
  readonly samples: number; readonly ldc: number;
}

export class ConvI16 {
  private biasSrc: Float64Array | null = null; // the bias last copied into the engine's memory
  private constructor(private readonly mem: MacMemory, private readonly s: Sizes) {}

  /**
   * The engine when every precondition holds (int16.ts) and the shape suits a matrix product, else null. With
   * `samples` > 1 it computes that many samples a run (sim/layer-major.ts): their padded planes side by side, the
   * output positions of all of them one list of rows, chunked as one sample's would be.
   */
  static create(l: Conv2dLayer, inF: FixedFormat, samples = 1): ConvI16 | null {
    const module = macModule();
    const cpg = l.c / l.group;
    const opg = l.oc / l.group;
    const k = cpg * l.kh * l.kw;
    // Depthwise-like layers (one output per group) keep their own kernel; so do tiny dot products. A single output
    // channel (one group) pays half its products for the zero second row of the engine's two-row tiles: worth it
    // only when the engine runs many samples at once.
    const single = opg < 2 && (samples === 1 || l.group > 1);
    if (!int16PathsEnabled() || !module || !formatFitsInt16(inF) || k < 8 || single || l.pt < 0 || l.pl < 0) return null;
    const kp = roundUp(k, 8);
    const kb = blockLength(l.oc, k, kp, maxAbsRaw(inF), l.weight.raw);
    if (kb === 0) return null;
    const { hp, wp } = paddedPlane(l);
    const positions = l.oh * l.ow;
    const rows = samples * positions;
    const ld = 2 * kp;
    const mp = roundUp(opg, 2);
    const nc = Math.min(roundUp(rows, 4), Math.max(4, Math.floor(CHUNK_BYTES / ld / 4) * 4));
    const plane = l.c * hp * wp; // one sample's padded planes (int16 values)
    const lay = new Layout();
    const a = lay.take(l.group * mp * ld);
    const xpad = lay.take(2 * samples * plane);
    const offs = lay.take(4 * k);
    const bases = lay.take(4 * rows);
    const b = lay.take(nc * ld);
    const cbuf = lay.take(8 * mp * nc);
    const xin = lay.take(8 * samples * l.c * l.h * l.w);
    const bias = lay.take(8 * l.oc);
    const outbuf = lay.take(8 * samples * l.oc * positions);
    if (lay.bytes > 2 ** 30) return null;
    const mem = new MacMemory(module, lay);
    for (let g = 0; g < l.group; g++) {
      for (let m = 0; m < opg; m++) {
        const row = a / 2 + (g * mp + m) * kp;
        const o = g * opg + m;
        for (let i = 0; i < k; i++) mem.i16[row + i] = l.weight.raw[o * k + i];
      }
    }
    for (let t = 0; t < k; t++) {
      const ic = Math.floor(t / (l.kh * l.kw));
      const ky = Math.floor(t / l.kw) % l.kh;
      const kx = t % l.kw;
      mem.i32[offs / 4 + t] = 2 * (ic * hp * wp + ky * l.dh * wp + kx * l.dw);
    }
    for (let s = 0; s < samples; s++) {
      for (let oy = 0; oy < l.oh; oy++) {
        for (let ox = 0; ox < l.ow; ox++) mem.i32[bases / 4 + s * positions + oy * l.ow + ox] = 2 * (s * plane + oy * l.sh * wp + ox * l.sw);
      }
    }
    return new ConvI16(mem, {
      c: l.c | 0, h: l.h | 0, w: l.w | 0, hp: hp | 0, wp: wp | 0, pt: l.pt | 0, pl: l.pl | 0, group: l.group | 0, cpg: cpg | 0,
      opg: opg | 0, positions: positions | 0, k: k | 0, ld: ld | 0, mp: mp | 0, nc: nc | 0, kbBytes: (2 * kb) | 0,
      a, xpad, offs, bases, b, cbuf, xin, bias, outbuf, oc: l.oc | 0, samples: samples | 0, ldc: (8 * nc) | 0,
    });
  }

  /**
   * out[o][p] = cast(bias[o] + Σ w·x · pScale) for the layer, for each of the engine's samples (inputs and outputs
   * side by side): with the fused cast f when not null, else the sums go to acc (at least one sample's positions
   * long) and finishRun casts them with fin.
   */
  run(x: Float64Array, out: Float64Array, bias: Float64Array, pScale: number, f: Fused | null, fin: Finish, acc: Float64Array): void {
    const { c, h, w, hp, wp, pt, pl, group, cpg, opg, positions, k, ld, mp, nc, kbBytes, oc, samples, ldc } = this.s;
    const { a, xpad, offs, bases, b, cbuf, xin, outbuf } = this.s;
    const { f64, k: kern } = this.mem;
    if (this.biasSrc !== bias) {
      f64.set(bias, this.s.bias / 8);
      this.biasSrc = bias;
    }
    // The input raws as int16 into the padded planes' interiors (every sample's planes: one run of c · samples).
    f64.set(x.subarray(0, samples * c * h * w), xin / 8);
    kern.cvt(xin, xpad + 2 * (pt * wp + pl), w, h, samples * c, 2 * wp, 2 * hp * wp);
    const rows = samples * positions;
    const outN = oc * positions;
    for (let g = 0; g < group; g++) {
      const src = xpad + 2 * g * cpg * hp * wp;
      const ag = a + g * mp * ld;
      for (let r0 = 0; r0 < rows; r0 += nc) {
        const n = Math.min(nc, rows - r0);
        kern.gather(src, offs, offs + 4 * k, b, ld, bases + 4 * r0, bases + 4 * (r0 + n));
        kern.gemm24(ag, b, cbuf, mp, roundUp(n, 4), ld, kbBytes, ldc);
        // The chunk's rows, one piece per sample they belong to: positions p0 .. p0 + len of sample s.
        for (let r = r0; r < r0 + n;) {
          const s = Math.floor(r / positions);
          const p0 = r - s * positions;
          const len = Math.min(positions - p0, r0 + n - r);
          const col = r - r0;
          if (f) {
            kern.post(cbuf + 8 * col, ldc, opg, len, this.s.bias + 8 * g * opg, 8, 0, outbuf + 8 * (s * outN + g * opg * positions + p0), 8 * positions,
              pScale, f.scale, f.m, f.lo, f.hi);
          } else {
            for (let m = 0; m < opg; m++) {
              const o = g * opg + m;
              const bo = bias[o];
              const row = cbuf / 8 + m * (ldc / 8) + col;
              for (let j = 0; j < len; j++) acc[j] = bo + f64[row + j] * pScale;
              finishRun(acc, 0, out, s * outN + o * positions + p0, len, fin);
            }
          }
          r += len;
        }
      }
    }
    if (f) out.set(f64.subarray(outbuf / 8, outbuf / 8 + samples * outN));
  }
}
