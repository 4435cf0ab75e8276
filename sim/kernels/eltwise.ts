/**
 * @fileoverview Element-wise binary ops with NumPy broadcasting, and unary casts with a fused activation; mirrors
 * fpgac::eltwise / fpgac::unary in hw/fpgac/eltwise.h, including the rank-6 loop nest and its offsets.
 *
 * The C++ result of a + b, a − b, a · b is ap_fixed's full-precision type, i.e. the exact value. Here: add/sub align
 * both raws to the larger fraction (multiplications by powers of two, exact) and mul multiplies raws (fractions
 * add); the result format's width (addFormat/subFormat/mulFormat) is checked to stay ≤ 53 bits, so every result
 * raw is an exact double. max / min align both raws to the add result's fraction and keep the larger / smaller.
 * Then finishAct, as fpgac::finish.
 *
 * Speed: a plan per layer (for the formats last seen) merges the rank-6 walk into as few axes as possible — two
 * adjacent axes merge when, for both operands, the outer stride is the inner one times the inner size, which
 * visits exactly the same elements in the same (C) order — so a same-shape op, a scalar constant or a
 * per-channel broadcast become long runs with a fixed stride each. Each run computes the exact results and
 * their cast in one pass where the cast has a Fused form (common.ts), else stores them and casts them in place
 * with finishRun (the same cast, element by element).
 */
import { addFormat, fracBits, maxRaw, minRaw, mulFormat, subFormat, type FixedFormat } from '../fixed.js';
import { ELT_RANK, shiftedFormat, type EltwiseLayer, type Operand, type UnaryLayer } from '../../src/ir/design.js';
import { finishRun, fusedOf, makeFinish, type Finish, type Fused, type KernelIO } from './common.js';

/** The raws a cast into f leaves unchanged (AP_SAT_SYM excludes the most negative code). */
export function identityRange(f: FixedFormat): { lo: number; hi: number } {
  const hi = maxRaw(f);
  return { lo: f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f), hi };
}

/**
 * Whether assigning any raw of `from` to `to` keeps its value (C++: a copy when both are the same type; otherwise
 * a shift by whole bits that neither rounds nor overflows). Returns the raw multiplier 2^k, or 0 when not exact.
 */
export function exactScale(from: FixedFormat, to: FixedFormat): number {
  const sameType = from.width === to.width && from.int === to.int && from.signed === to.signed &&
    from.q === to.q && from.o === to.o && from.n === to.n;
  if (sameType) return 1;
  const k = fracBits(to) - fracBits(from);
  if (k < 0 || from.width + k > 53) return 0;
  const { lo, hi } = identityRange(to);
  return minRaw(from) * 2 ** k >= lo && maxRaw(from) * 2 ** k <= hi ? 2 ** k : 0;
}

/** Per-layer cast, prepared for the formats last seen. */
interface UnaryPlan { readonly inF: FixedFormat; readonly outF: FixedFormat; readonly scale: number; readonly fin: Finish }
const unaryPlans = new WeakMap<UnaryLayer, UnaryPlan>();

export function simulateUnary(layer: UnaryLayer, io: KernelIO): void {
  const inF = layer.shift ? shiftedFormat(io.inFormats[0], layer.shift) : io.inFormats[0];
  const outF = io.outFormat;
  let p = unaryPlans.get(layer);
  if (!p || p.inF !== inF || p.outF !== outF) {
    const maxAbs = Math.max(-minRaw(inF), maxRaw(inF));
    p = { inF, outF, scale: exactScale(inF, outF), fin: makeFinish(fracBits(inF), outF, layer.act, maxAbs) };
    unaryPlans.set(layer, p);
  }
  const src = io.inputs[0];
  const out = io.out;
  // An exact scale 2^k (see exactScale) is the cast itself; otherwise each element goes through finish.
  if (layer.act.kind === 'none' && p.scale === 1) out.set(src.subarray(0, out.length));
  else if (layer.act.kind === 'none' && p.scale > 0) for (let i = 0; i < out.length; i++) out[i] = src[i] * p.scale;
  else finishRun(src, 0, out, 0, out.length, p.fin);
}

/** A constant operand's raws as a typed array, built once per constant. */
const constArrays = new WeakMap<object, Float64Array>();

/** Which array an operand reads: a constant's raws, or io.inputs[index]. */
function operand(op: Operand, layer: EltwiseLayer, io: KernelIO): { data: Float64Array | null; index: number; format: FixedFormat } {
  if ('constant' in op) {
    let data = constArrays.get(op.constant);
    if (!data) constArrays.set(op.constant, (data = Float64Array.from(op.constant.raw)));
    return { data, index: -1, format: op.constant.format };
  }
  const k = layer.inputs.indexOf(op.tensor);
  if (k < 0) throw new Error(`layer ${layer.name}: operand ${op.tensor} is not among its inputs`);
  return { data: null, index: k, format: io.inFormats[k] };
}

const OP_CODE = { add: 0, sub: 1, mul: 2, max: 3, min: 4 } as const;

interface EltPlan {
  readonly fa: FixedFormat; readonly fb: FixedFormat; readonly outF: FixedFormat; // formats it was built for
  readonly a: Float64Array | null; readonly ai: number; // constant data, or the io.inputs index
  readonly b: Float64Array | null; readonly bi: number;
  readonly op: number; readonly sa: number; readonly sb: number; // add/sub alignment factors
  readonly fin: Finish; readonly fused: Fused | null;
  // The merged walk, outermost axis first: sizes and both operands' strides; idx is the walk's counter.
  readonly d: Int32Array; readonly as: Int32Array; readonly bs: Int32Array; readonly idx: Int32Array;
  readonly total: number; // elements of the walk
}
const eltPlans = new WeakMap<EltwiseLayer, EltPlan>();

function buildEltPlan(layer: EltwiseLayer, io: KernelIO): EltPlan {
  const A = operand(layer.a, layer, io);
  const B = operand(layer.b, layer, io);
  // max/min compare both values aligned to the add result's format, which holds either exactly.
  const rf = (layer.op === 'sub' ? subFormat : layer.op === 'mul' ? mulFormat : addFormat)(A.format, B.format);
  if (rf.width > 53) {
    throw new Error(`layer ${layer.name}: the exact ${layer.op} result needs ${rf.width} bits, more than 53 are not simulated exactly`);
  }
  const d0 = layer.outShape;
  if (d0.length !== ELT_RANK || layer.aStrides.length !== ELT_RANK || layer.bStrides.length !== ELT_RANK) {
    throw new Error(`layer ${layer.name}: outShape and strides must have rank ${ELT_RANK}`);
  }
  const op = OP_CODE[layer.op];
  // add/sub: raws aligned to the result's fraction; mul: raw product at fa + fb (= the result's fraction).
  const rFrac = fracBits(rf);
  const sa = op === 2 ? 1 : 2 ** (rFrac - fracBits(A.format));
  const sb = op === 2 ? 1 : 2 ** (rFrac - fracBits(B.format));
  // Merge axes, innermost first. Size-1 axes are dropped (their index is always 0); a zero-size axis empties all.
  const dims: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  for (let k = ELT_RANK - 1; k >= 0; k--) {
    const n = d0[k];
    if (n === 1) continue;
    const m = dims.length - 1;
    if (m >= 0 && layer.aStrides[k] === as[m] * dims[m] && layer.bStrides[k] === bs[m] * dims[m]) dims[m] *= n;
    else {
      dims.push(n);
      as.push(layer.aStrides[k]);
      bs.push(layer.bStrides[k]);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    as.push(0);
    bs.push(0);
  }
  const fin = makeFinish(rFrac, io.outFormat, layer.act, 2 ** rf.width); // |a op b| < 2^width of its exact format
  return {
    fa: A.format, fb: B.format, outF: io.outFormat, a: A.data, ai: A.index, b: B.data, bi: B.index, op, sa, sb,
    fin, fused: fusedOf(fin),
    d: Int32Array.from(dims.reverse()), as: Int32Array.from(as.reverse()), bs: Int32Array.from(bs.reverse()),
    idx: new Int32Array(dims.length), total: d0.reduce((x, y) => x * y, 1) | 0,
  };
}

/**
 * out[o..o+n) = finish(a op b) along one run of the walk. With a Fused cast (see common.ts) one pass computes the
 * exact result v and its cast; otherwise v is stored and finishRun casts it in place.
 */
function runOp(op: number, sa: number, sb: number, a: Float64Array, ia: number, as: number, b: Float64Array, ib: number,
  bs: number, out: Float64Array, o: number, n: number, fin: Finish, f: Fused | null): void {
  if (op >= 3) {
    // max / min: the chosen aligned raw, then the cast (no fused form: rare ops, kept simple).
    if (op === 3) for (let i = 0; i < n; i++, ia += as, ib += bs) out[o + i] = Math.max(a[ia] * sa, b[ib] * sb);
    else for (let i = 0; i < n; i++, ia += as, ib += bs) out[o + i] = Math.min(a[ia] * sa, b[ib] * sb);
    finishRun(out, o, out, o, n, fin);
    return;
  }
  if (f) {
    const { scale, m, lo, hi } = f;
    if (op === 2) {
      for (let i = 0; i < n; i++, ia += as, ib += bs) {
        const r = a[ia] * b[ib] * scale + m - m;
        out[o + i] = r < lo ? lo : r > hi ? hi : r;
      }
    } else if (op === 0) {
      for (let i = 0; i < n; i++, ia += as, ib += bs) {
        const r = (a[ia] * sa + b[ib] * sb) * scale + m - m;
        out[o + i] = r < lo ? lo : r > hi ? hi : r;
      }
    } else {
      for (let i = 0; i < n; i++, ia += as, ib += bs) {
        const r = (a[ia] * sa - b[ib] * sb) * scale + m - m;
        out[o + i] = r < lo ? lo : r > hi ? hi : r;
      }
    }
    return;
  }
  if (op === 2) for (let i = 0; i < n; i++, ia += as, ib += bs) out[o + i] = a[ia] * b[ib];
  else if (op === 0) for (let i = 0; i < n; i++, ia += as, ib += bs) out[o + i] = a[ia] * sa + b[ib] * sb;
  else for (let i = 0; i < n; i++, ia += as, ib += bs) out[o + i] = a[ia] * sa - b[ib] * sb;
  finishRun(out, o, out, o, n, fin);
}

export function simulateEltwise(layer: EltwiseLayer, io: KernelIO): void {
  let p = eltPlans.get(layer);
  const fa = 'tensor' in layer.a ? io.inFormats[layer.inputs.indexOf(layer.a.tensor)] : layer.a.constant.format;
  const fb = 'tensor' in layer.b ? io.inFormats[layer.inputs.indexOf(layer.b.tensor)] : layer.b.constant.format;
  if (!p || p.fa !== fa || p.fb !== fb || p.outF !== io.outFormat) eltPlans.set(layer, (p = buildEltPlan(layer, io)));
  const a = p.a ?? io.inputs[p.ai];
  const b = p.b ?? io.inputs[p.bi];
  const { op, sa, sb, d, as, bs } = p;
  const out = io.out;
  // The walk in C order over the merged axes: the innermost axis is a run, the outer ones an odometer.
  const rank = d.length;
  const inner = d[rank - 1];
  const idx = p.idx;
  idx.fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < p.total; o += inner) {
    runOp(op, sa, sb, a, ia, as[rank - 1], b, ib, bs[rank - 1], out, o, inner, p.fin, p.fused);
    for (let k = rank - 2; k >= 0; k--) {
      ia += as[k];
      ib += bs[k];
      if (++idx[k] < d[k]) break;
      ia -= as[k] * d[k];
      ib -= bs[k] * d[k];
      idx[k] = 0;
    }
  }
}
