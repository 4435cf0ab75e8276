/**
 * @fileoverview Element-wise binary ops with NumPy broadcasting, and unary casts with a fused activation; mirrors
 * fpgac::eltwise / fpgac::unary in hw/fpgac/eltwise.h, including the rank-6 loop nest and its offsets.
 *
 * The C++ result of a + b, a − b, a · b is ap_fixed's full-precision type, i.e. the exact value. Here: add/sub align
 * both raws to the larger fraction (multiplications by powers of two, exact) and mul multiplies raws (fractions
 * add); the result format's width (addFormat/subFormat/mulFormat) is checked to stay ≤ 53 bits, so every result
 * raw is an exact double. Then finishAct, as fpgac::finish.
 */
import { addFormat, fracBits, maxRaw, minRaw, mulFormat, subFormat, type FixedFormat } from '../fixed.js';
import { ELT_RANK, type EltwiseLayer, type Operand, type UnaryLayer } from '../../src/ir/design.js';
import { finishAct, type KernelIO } from './common.js';

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

/** Copies raws through an exact cast (scale from exactScale), or casts each with finishAct. */
function castInto(src: Float64Array, srcFrac: number, scale: number, io: KernelIO, act: UnaryLayer['act']): void {
  const out = io.out;
  if (act.kind === 'none' && scale === 1) out.set(src.subarray(0, out.length));
  else if (act.kind === 'none' && scale > 0) for (let i = 0; i < out.length; i++) out[i] = src[i] * scale;
  else for (let i = 0; i < out.length; i++) out[i] = finishAct(src[i], srcFrac, io.outFormat, act);
}

export function simulateUnary(layer: UnaryLayer, io: KernelIO): void {
  const inF = io.inFormats[0];
  castInto(io.inputs[0], fracBits(inF), exactScale(inF, io.outFormat), io, layer.act);
}

/** A constant operand's raws as a typed array, built once per constant. */
const constArrays = new WeakMap<object, Float64Array>();

function operand(op: Operand, layer: EltwiseLayer, io: KernelIO): { data: Float64Array; format: FixedFormat } {
  if ('constant' in op) {
    let data = constArrays.get(op.constant);
    if (!data) constArrays.set(op.constant, (data = Float64Array.from(op.constant.raw)));
    return { data, format: op.constant.format };
  }
  const k = layer.inputs.indexOf(op.tensor);
  if (k < 0) throw new Error(`layer ${layer.name}: operand ${op.tensor} is not among its inputs`);
  return { data: io.inputs[k], format: io.inFormats[k] };
}

const OP_CODE = { add: 0, sub: 1, mul: 2 } as const;

export function simulateEltwise(layer: EltwiseLayer, io: KernelIO): void {
  const A = operand(layer.a, layer, io);
  const B = operand(layer.b, layer, io);
  const fa = fracBits(A.format);
  const fb = fracBits(B.format);
  const rf = (layer.op === 'add' ? addFormat : layer.op === 'sub' ? subFormat : mulFormat)(A.format, B.format);
  if (rf.width > 53) {
    throw new Error(`layer ${layer.name}: the exact ${layer.op} result needs ${rf.width} bits, more than 53 are not simulated exactly`);
  }
  const op = OP_CODE[layer.op];
  // add/sub: raws aligned to the result's fraction; mul: raw product at fa + fb (= the result's fraction).
  const rFrac = fracBits(rf);
  const sa = op === 2 ? 1 : 2 ** (rFrac - fa);
  const sb = op === 2 ? 1 : 2 ** (rFrac - fb);
  const a = A.data;
  const b = B.data;
  const out = io.out;
  const outF = io.outFormat;
  const act = layer.act;
  const d = layer.outShape;
  const as = layer.aStrides;
  const bs = layer.bStrides;
  if (d.length !== ELT_RANK || as.length !== ELT_RANK || bs.length !== ELT_RANK) {
    throw new Error(`layer ${layer.name}: outShape and strides must have rank ${ELT_RANK}`);
  }
  let io_ = 0;
  // The kernel's loop nest; offsets built per level instead of recomputed from all six indices.
  for (let i0 = 0; i0 < d[0]; i0++) {
    for (let i1 = 0; i1 < d[1]; i1++) {
      for (let i2 = 0; i2 < d[2]; i2++) {
        for (let i3 = 0; i3 < d[3]; i3++) {
          for (let i4 = 0; i4 < d[4]; i4++) {
            let ia = i0 * as[0] + i1 * as[1] + i2 * as[2] + i3 * as[3] + i4 * as[4];
            let ib = i0 * bs[0] + i1 * bs[1] + i2 * bs[2] + i3 * bs[3] + i4 * bs[4];
            for (let i5 = 0; i5 < d[5]; i5++) {
              const x = a[ia];
              const y = b[ib];
              const r = op === 0 ? x * sa + y * sb : op === 1 ? x * sa - y * sb : x * y;
              out[io_++] = finishAct(r + 0, rFrac, outF, act);
              ia += as[5];
              ib += bs[5];
            }
          }
        }
      }
    }
  }
}
