/**
 * @fileoverview The int16 fast path of 3×3 depthwise convolutions (one input channel per output, unit column stride
 * and dilation; any row stride and row dilation): the WebAssembly SIMD kernel dw3 (sim/wasm/mac.ts) forms eight
 * outputs' sums a pass where the double kernel (conv.ts dw3x3Slide) forms two. Preconditions, and why they make
 * the sums exact, are int16.ts's with a block of all nine taps: every input raw fits int16, every weight raw is an
 * int16, and Σ_t |w[ch][t]| · max|x| < 2^31 for every channel, so each i32 lane's partial sums are true values
 * inside the int32 range; the layer's own exactness check (conv.ts) bounds bias + sum · pScale below 2^53.
 *
 * Per sample the input raws go as int16 into the interiors of zero-padded planes (borders never written: padding
 * taps read 0); dw3 writes each channel's sums as rows of owp (ow rounded up to 8) doubles, whose lanes past ow
 * read the next row or the slack after the last plane and are never used; then `post` applies the fused cast with
 * each row's bias, or the double loop and finishRun of conv.ts.
 */
import type { Conv2dLayer } from '../../src/ir/design.js';
import type { FixedFormat } from '../fixed.js';
import { Layout, MacMemory, macModule } from '../wasm/mac.js';
import { finishRun, type Finish, type Fused } from './common.js';
import { paddedPlane } from './conv-gemm.js';
import { blockLength, formatFitsInt16, int16PathsEnabled, maxAbsRaw, roundUp } from './int16.js';

interface Sizes {
  readonly c: number; readonly h: number; readonly w: number; readonly oh: number; readonly ow: number; readonly owp: number;
  readonly wp: number; readonly plane: number; readonly pt: number; readonly pl: number; readonly sh: number; readonly dh: number;
  readonly xin: number; readonly xpad: number; readonly wts: number; readonly sums: number; readonly rowBias: number; readonly outbuf: number;
}

export class DepthwiseI16 {
  private biasSrc: Float64Array | null = null; // the bias last spread into rowBias

  private constructor(private readonly mem: MacMemory, private readonly s: Sizes) {}

  /** The engine when the layer is a 3×3 depthwise conv of that shape and every precondition holds, else null. */
  static create(l: Conv2dLayer, inF: FixedFormat): DepthwiseI16 | null {
    const module = macModule();
    const shape = l.group === l.c && l.oc === l.c && l.kh === 3 && l.kw === 3 && l.sw === 1 && l.dw === 1 && l.pt >= 0 && l.pl >= 0
      && l.oh >= 1 && l.ow >= 1; // the kernels' loops run at least once: an empty output keeps the double path
    if (!shape || !int16PathsEnabled() || !module || !formatFitsInt16(inF)) return null;
    // All nine taps one block: the bound holds for the whole sum of every channel (blockLength returns 9 only then).
    if (blockLength(l.c, 9, 9, maxAbsRaw(inF), l.weight.raw) !== 9) return null;
    const { hp, wp } = paddedPlane(l);
    const owp = roundUp(l.ow, 8);
    const plane = hp * wp;
    const lay = new Layout();
    const xin = lay.take(8 * l.c * l.h * l.w);
    // The last plane's garbage lanes read up to owp + 2 values past the start of its last row.
    const xpad = lay.take(2 * (l.c * plane + owp + 16));
    const wts = lay.take(32 * l.c);
    const sums = lay.take(8 * l.c * l.oh * owp);
    const rowBias = lay.take(8 * l.c * l.oh);
    const outbuf = lay.take(8 * l.c * l.oh * l.ow);
    if (lay.bytes > 2 ** 28) return null;
    const mem = new MacMemory(module, lay);
    for (let ch = 0; ch < l.c; ch++) for (let t = 0; t < 9; t++) mem.i16[wts / 2 + 16 * ch + t] = l.weight.raw[ch * 9 + t];
    return new DepthwiseI16(mem, {
      c: l.c | 0, h: l.h | 0, w: l.w | 0, oh: l.oh | 0, ow: l.ow | 0, owp: owp | 0, wp: wp | 0, plane: plane | 0,
      pt: l.pt | 0, pl: l.pl | 0, sh: l.sh | 0, dh: l.dh | 0, xin, xpad, wts, sums, rowBias, outbuf,
    });
  }

  /**
   * out[ch][p] = cast(bias[ch] + Σ w·x · pScale) for one sample: the fused cast f when not null, else the values go
   * to acc (one channel's positions long) and finishRun casts them with fin.
   */
  run(x: Float64Array, out: Float64Array, bias: Float64Array, pScale: number, f: Fused | null, fin: Finish, acc: Float64Array): void {
    const { c, h, w, oh, ow, owp, wp, plane, pt, pl, sh, dh, xin, xpad, wts, sums, rowBias, outbuf } = this.s;
    const { f64, k } = this.mem;
    f64.set(x.subarray(0, c * h * w), xin / 8);
    k.cvt(xin, xpad + 2 * (pt * wp + pl), w, h, c, 2 * wp, 2 * plane);
    k.dw3(xpad, wts, sums, c, oh, owp, 2 * sh * wp, 2 * plane, 2 * dh * wp);
    if (f) {
      if (this.biasSrc !== bias) {
        for (let ch = 0; ch < c; ch++) f64.fill(bias[ch], rowBias / 8 + ch * oh, rowBias / 8 + (ch + 1) * oh);
        this.biasSrc = bias;
      }
      k.post(sums, 8 * owp, c * oh, ow, rowBias, 8, 0, outbuf, 8 * ow, pScale, f.scale, f.m, f.lo, f.hi);
      out.set(f64.subarray(outbuf / 8, outbuf / 8 + c * oh * ow));
      return;
    }
    const n = oh * ow;
    for (let ch = 0; ch < c; ch++) {
      const b = bias[ch];
      for (let oy = 0; oy < oh; oy++) {
        const row = sums / 8 + (ch * oh + oy) * owp;
        for (let ox = 0; ox < ow; ox++) acc[oy * ow + ox] = b + f64[row + ox] * pScale;
      }
      finishRun(acc, 0, out, ch * n, n, fin);
    }
  }
}
