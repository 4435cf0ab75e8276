/**
 * @fileoverview The simulator's buffers and the conversions at their edges, shared by the sample-at-a-time plan
 * (simulate.ts) and the layer-major batches (layer-major.ts): design inputs quantized from doubles into raws,
 * element-wise casts between raw buffers, and raws read out as exact doubles.
 */
import { fromDouble, maxRaw, minRaw, type FixedFormat } from './fixed.js';
import type { Design, LoopLayer } from '../src/ir/design.js';
import { finishFast, makeFinish, RNE_MAGIC, type Finish } from './kernels/common.js';

/** dst = cast(src) element-wise (castRaw as a Finish without activation); a plain copy between equal types. */
export interface Cast { readonly src: Float64Array; readonly dst: Float64Array; readonly cast: Finish | null }
/** A raw buffer to read out as doubles: raw · a · b, the two factors of toDouble (same operations, same bits). */
export interface Readout { readonly name: string; readonly buf: Float64Array; readonly a: number; readonly b: number }

/**
 * A design input: its raw buffer and how doubles become raws. fromDouble takes the exact value of a finite
 * normal double (subnormals, infinities and NaN follow the official header's odd reading instead), so for
 * |x| ≥ 2^−1022 the fast path scales y = x · 2^F — exact, as a power-of-two scaling that stays normal — and
 * rounds it like the header: floor for AP_TRN, ties-to-even through RNE_MAGIC for AP_RND_CONV (exact for
 * |y| ≤ 2^51, see common.ts), then clamps (AP_SAT, AP_SAT_SYM). Everything else goes through fromDouble.
 */
export interface InputSlot {
  readonly buf: Float64Array; readonly format: FixedFormat;
  readonly mode: number; // 0: fromDouble only, 1: floor, 2: ties to even
  readonly scale: number; readonly lo: number; readonly hi: number;
}

export function inputSlot(buf: Float64Array, f: FixedFormat): InputSlot {
  const frac = f.width - f.int;
  const sat = (f.o === 'AP_SAT' || f.o === 'AP_SAT_SYM') && f.width <= 53 && Math.abs(frac) < 1000;
  const mode = !sat ? 0 : f.q === 'AP_TRN' ? 1 : f.q === 'AP_RND_CONV' ? 2 : 0;
  const hi = maxRaw(f);
  return { buf, format: f, mode, scale: 2 ** frac, lo: f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f), hi };
}

/** quantizeArray(src, slot.format, slot.buf): fromDouble of every value. */
export function quantize(src: ArrayLike<number>, s0: number, slot: InputSlot): void {
  const { buf, mode, scale, lo, hi, format } = slot;
  if (mode === 0) {
    for (let i = 0; i < buf.length; i++) buf[i] = fromDouble(src[s0 + i], format);
    return;
  }
  for (let i = 0; i < buf.length; i++) {
    const x = src[s0 + i];
    const y = x * scale;
    const ay = Math.abs(y);
    if (Math.abs(x) >= 2 ** -1022 && ay <= 2 ** 51 && ay >= 2 ** -1000) {
      const r = mode === 2 ? y + RNE_MAGIC - RNE_MAGIC : Math.floor(y);
      buf[i] = r < lo ? lo : r > hi ? hi : r + 0;
    } else buf[i] = fromDouble(x, format);
  }
}

export function readout(design: Design, name: string, buf: Float64Array): Readout {
  const e = -(design.tensors[name].format.width - design.tensors[name].format.int);
  const e1 = Math.trunc(e / 2);
  return { name, buf, a: 2 ** e1, b: 2 ** (e - e1) };
}

export function sameType(a: FixedFormat, b: FixedFormat): boolean {
  return a.width === b.width && a.int === b.int && a.signed === b.signed && a.q === b.q && a.o === b.o && a.n === b.n;
}

export function castOf(src: Float64Array, from: FixedFormat, dst: Float64Array, to: FixedFormat): Cast {
  if (src.length !== dst.length) throw new Error(`cast between tensors of ${src.length} and ${dst.length} values`);
  const cast = sameType(from, to) ? null : makeFinish(from.width - from.int, to, undefined, Math.max(-minRaw(from), maxRaw(from)));
  return { src, dst, cast };
}

export function runCast(c: Cast): void {
  const { src, dst, cast } = c;
  if (!cast) dst.set(src);
  else for (let i = 0; i < src.length; i++) dst[i] = finishFast(src[i], cast);
}

export function readInto(r: Readout, dst: Float64Array, d0: number): void {
  const { buf, a, b } = r;
  for (let i = 0; i < buf.length; i++) dst[d0 + i] = buf[i] * a * b;
}


/** A loop region's casts around its body (the buffers are the caller's: one sample's, or a batch's). */
export interface LoopCasts {
  readonly enter: Cast; // cast(input) into stateIn
  readonly carry: Cast; // stateIn = cast(stateOut) between trips (a copy: the formats agree)
  readonly exit: Cast; // the final state (stateOut, or stateIn for zero trips) into the output
  readonly exitEmpty: Cast; // zero trips
}

/** The casts of loop `l` between its input, state and output buffers. */
export function loopCasts(design: Design, l: LoopLayer, input: Float64Array, stateIn: Float64Array, stateOut: Float64Array, out: Float64Array): LoopCasts {
  const f = (n: string) => design.tensors[n].format;
  return {
    enter: castOf(input, f(l.inputs[0]), stateIn, f(l.stateIn)), carry: castOf(stateOut, f(l.stateOut), stateIn, f(l.stateIn)),
    exit: castOf(stateOut, f(l.stateOut), out, f(l.output)), exitEmpty: castOf(stateIn, f(l.stateIn), out, f(l.output)),
  };
}

/**
 * LoopLayer: s = cast(input) into stateIn; trips times { run the body; s = stateOut }; output = cast(s) (copies
 * when the formats agree, as the IR requires). The state moves into stateIn between trips only, so a trace shows
 * the last trip's input.
 */
export function runLoop(trips: number, c: LoopCasts, body: () => void): void {
  runCast(c.enter);
  for (let t = 0; t < trips; t++) {
    if (t > 0) runCast(c.carry);
    body();
  }
  runCast(trips > 0 ? c.exit : c.exitEmpty);
}
