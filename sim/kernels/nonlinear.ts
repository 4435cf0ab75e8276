/**
 * @fileoverview Table-based layers, mirroring hw/fpgac/nonlinear.h one for one (see the semantics of LutLayer and
 * SoftmaxLayer in src/ir/design.ts). All arithmetic is on raw integers held in doubles: scalings by powers of two
 * are exact, and the single division (1/s) is an exact integer floor division.
 */
import { castRaw, fracBits, type FixedFormat } from '../fixed.js';
import type { LutLayer, SoftmaxLayer } from '../../src/ir/design.js';
import { finishFast, makeFinish, type Finish, type KernelIO } from './common.js';

/** A LUT table already cast to the output format (the cast of table[idx] only depends on idx). */
interface LutCache { readonly out: FixedFormat; readonly values: Float64Array }
const lutCache = new WeakMap<LutLayer, LutCache>();

function lutValues(layer: LutLayer, out: FixedFormat): Float64Array {
  const hit = lutCache.get(layer);
  if (hit && hit.out === out) return hit.values;
  const t = layer.table;
  if (t.raw.length < 1) throw new Error(`lut ${layer.name}: empty table`);
  const f = fracBits(t.format);
  const values = new Float64Array(t.raw.length);
  for (let i = 0; i < values.length; i++) values[i] = castRaw(t.raw[i], f, out);
  lutCache.set(layer, { out, values });
  return values;
}

/** idx = clamp(floor(x · 2^idxShift) + offset, 0, size − 1); out = cast(table[idx]). */
export function simulateLut(layer: LutLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const out = io.out;
  const values = lutValues(layer, io.outFormat);
  const last = values.length - 1;
  // x · 2^idxShift = raw · 2^(idxShift − Fx): a power-of-two scaling, exact in doubles, so Math.floor is the
  // exact floor toward −∞ (the arithmetic right shift of the C++ kernel).
  const scale = 2 ** (layer.idxShift - fracBits(io.inFormats[0]));
  const offset = layer.offset;
  const n = layer.n;
  for (let i = 0; i < n; i++) {
    let idx = Math.floor(x[i] * scale) + offset;
    if (idx < 0) idx = 0;
    else if (idx > last) idx = last;
    out[i] = values[idx];
  }
}

/** Softmax constants checked once per layer object: the raws as typed arrays and the fraction bits. */
interface SoftmaxConsts {
  readonly exp: Float64Array; readonly recip: Float64Array; readonly fe: number; readonly g: number; readonly rb: number;
  readonly maxProduct: number; // the largest e_j · r the tables allow
}
const softmaxCache = new WeakMap<SoftmaxLayer, SoftmaxConsts>();

function softmaxConsts(layer: SoftmaxLayer): SoftmaxConsts {
  const hit = softmaxCache.get(layer);
  if (hit) return hit;
  const t = layer.expTable;
  const rt = layer.recipTable;
  const fe = fracBits(t.format);
  const g = fracBits(rt.format);
  const rb = Math.log2(rt.raw.length);
  const where = `softmax ${layer.name}`;
  if (t.format.signed || rt.format.signed) throw new Error(`${where}: exp and reciprocal table formats must be unsigned`);
  if (t.raw[0] !== 2 ** fe) throw new Error(`${where}: exp table entry 0 must be exactly 1.0 (raw ${2 ** fe})`);
  if (t.raw.some((r) => r < 0 || r > t.raw[0])) throw new Error(`${where}: exp table entries must lie in [0, 1]`);
  // s ≥ 2^Fe, so k ≥ Fe ≥ R keeps the index shift non-negative; s, e·r must be exact integers below 2^53.
  if (!Number.isInteger(rb) || rb < 1 || rb > fe) throw new Error(`${where}: reciprocal table must have 2^R entries, 1 ≤ R ≤ Fe`);
  if (fe + g + 2 > 53 || layer.len * 2 ** fe >= 2 ** 53) throw new Error(`${where}: Fe + G = ${fe + g} or len too large for exact integers`);
  const consts = { exp: Float64Array.from(t.raw), recip: Float64Array.from(rt.raw), fe, g, rb, maxProduct: Math.max(...t.raw) * Math.max(...rt.raw) };
  softmaxCache.set(layer, consts);
  return consts;
}

/** floor(log2 v) for an integer 1 ≤ v < 2^53, exact (no floating-point log): the leading bit of its high or low 32 bits. */
export function floorLog2(v: number): number {
  if (v < 4294967296) return 31 - Math.clz32(v);
  return 63 - Math.clz32(Math.floor(v / 4294967296)); // the quotient by 2^32 is exact, its floor the high word
}

/**
 * Per (outer, inner) row of `len` elements at stride `inner`: m = max raw; e_j = expTable[min(floor((m − x_j) ·
 * 2^(expShift − Fx)), size − 1)]; s = Σ e_j; k = floor(log2 s); r = recipTable[floor(s / 2^(k − R)) − 2^R];
 * out_j = cast(e_j · r) with G + k fraction bits.
 */
/**
 * castRaw(v, fraction, out) as a prepared Finish (common.ts: the same bits for a safe integer v bounded by
 * maxProduct), per fraction bits G + k, built on first use; null when a product could reach 2^53 (castRaw then
 * refuses it, as before).
 */
const softmaxCasts = new WeakMap<SoftmaxLayer, { out: FixedFormat; byFrac: Map<number, Finish> }>();

function softmaxCast(layer: SoftmaxLayer, out: FixedFormat, frac: number, maxProduct: number): Finish | null {
  if (!(maxProduct < 2 ** 53)) return null;
  let c = softmaxCasts.get(layer);
  if (!c || c.out !== out) softmaxCasts.set(layer, (c = { out, byFrac: new Map() }));
  let f = c.byFrac.get(frac);
  if (!f) c.byFrac.set(frac, (f = makeFinish(frac, out, { kind: 'none' }, maxProduct)));
  return f;
}

export function simulateSoftmax(layer: SoftmaxLayer, io: KernelIO): void {
  const { exp, recip, g, rb, maxProduct } = softmaxConsts(layer);
  const x = io.inputs[0];
  const out = io.out;
  const outFormat = io.outFormat;
  const { outer, len, inner } = layer;
  const last = exp.length - 1;
  const scale = 2 ** (layer.expShift - fracBits(io.inFormats[0]));
  const top = 2 ** rb;
  // Rows of similar sums share k: the cast of the last k is kept instead of looked up per row.
  let lastLead = -1;
  let fin: Finish | null = null;
  let step = 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const end = base + len * inner;
      let m = x[base];
      for (let k = base + inner; k < end; k += inner) if (x[k] > m) m = x[k];
      let s = 0;
      // e_j kept in out (overwritten by its cast below): the table index is floored once per element.
      for (let k = base; k < end; k += inner) {
        const idx = Math.floor((m - x[k]) * scale); // d ≥ 0; exact power-of-two scaling
        const e = exp[idx > last ? last : idx];
        out[k] = e;
        s += e;
      }
      const lead = floorLog2(s);
      if (lead !== lastLead) { fin = softmaxCast(layer, outFormat, g + lead, maxProduct); step = 2 ** (lead - rb); lastLead = lead; }
      const r = recip[Math.floor(s / step) - top]; // exact: a power-of-two division of an integer
      for (let k = base; k < end; k += inner) {
        const v = out[k] * r;
        out[k] = fin ? finishFast(v, fin) : castRaw(v, g + lead, outFormat);
      }
    }
  }
}
