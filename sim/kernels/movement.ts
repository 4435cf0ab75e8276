/**
 * @fileoverview Data-movement kernels that copy with a cast: `gather` (each output element reads one input element
 * through per-axis offset tables, or the pad value) and `concat` (parts laid side by side along one axis). They
 * mirror fpgac::gather and fpgac::concat_part in hw/fpgac/movement.h; the cast is the same element cast as a
 * transpose's (an exact shift when the cast cannot round or overflow, see exactScale).
 */
import { fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import { ELT_RANK, type ConcatLayer, type GatherLayer, type InterpLayer } from '../../src/ir/design.js';
import { finishFast, makeFinish, type Finish, type KernelIO } from './common.js';
import { exactScale } from './eltwise.js';

/** The element cast from raws of `inF` to `outF`: a multiplier when exact (scale > 0), else a prepared Finish. */
interface Cast { readonly scale: number; readonly fin: Finish }

function castOf(inF: FixedFormat, outF: FixedFormat): Cast {
  return { scale: exactScale(inF, outF), fin: makeFinish(fracBits(inF), outF, undefined, Math.max(-minRaw(inF), maxRaw(inF))) };
}

const cast1 = (v: number, c: Cast): number => (c.scale > 0 ? v * c.scale : finishFast(v, c.fin));

/**
 * The source offset of every output element (-1: pad), Σ_d tables[d][i_d] in C order: what the hardware's six
 * nested counters and table reads compute, flattened once per layer.
 */
const sources = new WeakMap<GatherLayer, Int32Array>();

function gatherSources(layer: GatherLayer): Int32Array {
  let src = sources.get(layer);
  if (src) return src;
  if (layer.outShape.length !== ELT_RANK || layer.tables.length !== ELT_RANK) throw new Error(`gather ${layer.name}: rank-${ELT_RANK} shape and tables expected`);
  layer.tables.forEach((t, d) => {
    if (t.raw.length !== layer.outShape[d]) throw new Error(`gather ${layer.name}: table ${d} has ${t.raw.length} entries for dimension ${layer.outShape[d]}`);
  });
  // Partial sums axis by axis: a negative entry anywhere makes the element a pad (-1).
  let acc = Int32Array.of(0);
  for (let d = 0; d < ELT_RANK; d++) {
    const t = layer.tables[d].raw;
    const next = new Int32Array(acc.length * t.length);
    let k = 0;
    for (let a = 0; a < acc.length; a++) {
      for (let i = 0; i < t.length; i++) next[k++] = acc[a] < 0 || t[i] < 0 ? -1 : acc[a] + t[i];
    }
    acc = next;
  }
  sources.set(layer, (src = acc));
  return src;
}

const gatherCasts = new WeakMap<GatherLayer, { inF: FixedFormat; outF: FixedFormat; cast: Cast }>();

export function simulateGather(layer: GatherLayer, io: KernelIO): void {
  const src = gatherSources(layer);
  const x = io.inputs[0];
  const out = io.out;
  if (src.length !== out.length) throw new Error(`gather ${layer.name}: ${src.length} outputs for a tensor of ${out.length}`);
  let c = gatherCasts.get(layer);
  if (!c || c.inF !== io.inFormats[0] || c.outF !== io.outFormat) {
    c = { inF: io.inFormats[0], outF: io.outFormat, cast: castOf(io.inFormats[0], io.outFormat) };
    gatherCasts.set(layer, c);
  }
  const cast = c.cast;
  for (let k = 0; k < out.length; k++) {
    const s = src[k];
    if (s >= x.length) throw new Error(`gather ${layer.name}: offset ${s} outside an input of ${x.length}`);
    out[k] = s < 0 ? layer.pad : cast1(x[s], cast);
  }
}

/** A constant part's raws as a typed array, built once per constant. */
const constRaws = new WeakMap<object, Float64Array>();

export function simulateConcat(layer: ConcatLayer, io: KernelIO): void {
  const total = layer.lens.reduce((a, b) => a + b, 0);
  const out = io.out;
  if (layer.outer * total * layer.inner !== out.length) throw new Error(`concat ${layer.name}: shape does not match the output of ${out.length}`);
  let off = 0;
  layer.parts.forEach((part, k) => {
    let data: Float64Array;
    let f: FixedFormat;
    if ('tensor' in part) {
      const i = layer.inputs.indexOf(part.tensor);
      data = io.inputs[i];
      f = io.inFormats[i];
    } else {
      let raws = constRaws.get(part.constant);
      if (!raws) constRaws.set(part.constant, (raws = Float64Array.from(part.constant.raw)));
      data = raws;
      f = part.constant.format;
    }
    const len = layer.lens[k] * layer.inner;
    if (data.length !== layer.outer * len) throw new Error(`concat ${layer.name}: part ${k} has ${data.length} elements, ${layer.outer * len} expected`);
    const cast = castOf(f, io.outFormat);
    for (let o = 0; o < layer.outer; o++) {
      const base = o * total * layer.inner + off;
      for (let j = 0; j < len; j++) out[base + j] = cast1(data[o * len + j], cast);
    }
    off += len;
  });
}

/**
 * Interpolation: per output element the exact Σ over tap combinations of the product of the per-axis weight raws
 * and the input raw (every term and the sum are integers below 2^52, which the layer's `acc` guarantees and this
 * kernel checks), then one cast from acc's fraction to the output format. Mirrors fpgac::interp.
 */
export function simulateInterp(layer: InterpLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const out = io.out;
  const dims = layer.outShape;
  const T = layer.taps;
  if (dims.length !== ELT_RANK || T.length !== ELT_RANK) throw new Error(`interp ${layer.name}: rank-${ELT_RANK} shape and taps expected`);
  const accFrac = fracBits(layer.acc);
  const limit = 2 ** (layer.acc.width - 1);
  const idx = layer.index.map((c) => c.raw);
  const w = layer.weight.map((c) => c.raw);
  const i = new Array<number>(ELT_RANK).fill(0);
  const t = new Array<number>(ELT_RANK).fill(0);
  const fin = makeFinish(accFrac, io.outFormat);
  for (let k = 0; k < out.length; k++) {
    let outside = false;
    for (let d = 0; d < ELT_RANK; d++) if (idx[d][i[d] * T[d]] < 0) outside = true;
    if (outside) out[k] = layer.pad;
    else {
      let acc = 0;
      t.fill(0);
      for (;;) {
        let prod = 1;
        let src = 0;
        for (let d = 0; d < ELT_RANK; d++) {
          const e = i[d] * T[d] + t[d];
          prod *= w[d][e];
          src += idx[d][e];
        }
        acc += prod * x[src];
        let d = ELT_RANK - 1;
        for (; d >= 0; d--) {
          if (++t[d] < T[d]) break;
          t[d] = 0;
        }
        if (d < 0) break;
      }
      if (!(Math.abs(acc) < limit)) throw new Error(`interp ${layer.name}: accumulator ${acc} outside ${layer.acc.width} bits`);
      out[k] = finishFast(acc, fin);
    }
    for (let d = ELT_RANK - 1; d >= 0; d--) {
      if (++i[d] < dims[d]) break;
      i[d] = 0;
    }
  }
}
