/**
 * Independent reference model of ap_fixed assignment, written for clarity rather than speed:
 *  - values are exact rationals num/den (BigInt, den > 0), never raw bit patterns;
 *  - each rounding mode picks between the two neighbouring grid points by its textbook definition;
 *  - each overflow mode is its definition on the rounded integer; the bit-rewriting wrap modes (AP_WRAP with N > 0,
 *    AP_WRAP_SM) work on an explicit array of bits, following the steps of the header's overflow_adjust.
 * It shares no code with sim/fixed.ts (only the FixedFormat type).
 */
import type { FixedFormat } from '../../sim/fixed.js';

export interface Rational { num: bigint; den: bigint }

const pow2 = (k: number): bigint => 1n << BigInt(k);

/** raw · 2^−frac as a rational. */
export function ratFromRaw(raw: bigint, frac: number): Rational {
  return frac >= 0 ? { num: raw, den: pow2(frac) } : { num: raw * pow2(-frac), den: 1n };
}

/** Exact value of a finite double, by doubling until it is an integer (every finite double is k / 2^e). */
export function ratFromDouble(x: number): Rational {
  if (!Number.isFinite(x)) throw new Error('model: only finite doubles');
  let e = 0;
  let v = x;
  while (!Number.isInteger(v)) { v *= 2; e++; }
  return { num: BigInt(v), den: pow2(e) };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b; // truncates toward zero
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** Rounds value · 2^frac to an integer with mode q. Also returns floor(value · 2^frac) for the wrap modes. */
export function modelQuantize(v: Rational, frac: number, q: FixedFormat['q']): { rounded: bigint; floor: bigint } {
  const s = frac >= 0 ? { num: v.num * pow2(frac), den: v.den } : { num: v.num, den: v.den * pow2(-frac) };
  const down = floorDiv(s.num, s.den);
  const up = down + 1n;
  const excess = s.num - down * s.den; // value above `down`, times den
  if (excess === 0n) return { rounded: down, floor: down };
  const negative = s.num < 0n;
  const towardZero = negative ? up : down;
  const awayFromZero = negative ? down : up;
  const twice = 2n * excess;
  let pick: bigint;
  if (q === 'AP_TRN') pick = down;
  else if (q === 'AP_TRN_ZERO') pick = towardZero;
  else if (twice < s.den) pick = down; // strictly nearer the lower neighbour
  else if (twice > s.den) pick = up;
  else {
    // exact tie
    const ties: Record<string, bigint> = {
      AP_RND: up, AP_RND_MIN_INF: down, AP_RND_ZERO: towardZero, AP_RND_INF: awayFromZero,
      AP_RND_CONV: down % 2n === 0n ? down : up,
    };
    pick = ties[q];
  }
  return { rounded: pick, floor: down };
}

type Bits = number[]; // index 0 = LSB

function toBits(x: bigint, w: number): Bits {
  const m = ((x % pow2(w)) + pow2(w)) % pow2(w);
  const s = m.toString(2).padStart(w, '0');
  return [...s].reverse().map(Number);
}

function fromBits(b: Bits, signed: boolean): bigint {
  const w = b.length;
  const u = BigInt('0b' + [...b].reverse().join(''));
  return signed && b[w - 1] === 1 ? u - pow2(w) : u;
}

/** The header's overflow_adjust steps for AP_WRAP (N > 0) and AP_WRAP_SM, done on a bit array. */
function wrapModesOnBits(b: Bits, to: FixedFormat, sign: number, lD: number): void {
  const w = to.width;
  const n = to.n;
  const flipAll = () => { for (let i = 0; i < w; i++) b[i] ^= 1; };
  if (to.o === 'AP_WRAP') {
    if (!to.signed) { for (let i = w - n; i < w; i++) b[i] = 1; return; }
    b[w - 1] = sign;
    for (let i = w - n; i <= w - 2; i++) b[i] = 1 - sign;
    return;
  }
  // AP_WRAP_SM (signed only)
  if (n === 0) {
    if (lD !== b[w - 1]) { flipAll(); b[w - 1] = lD; }
    return;
  }
  if (n === 1) {
    if (sign !== b[w - 1]) flipAll();
  } else {
    if (b[w - n] === sign) flipAll();
    for (let i = w - n; i <= w - 2; i++) b[i] = 1 - sign;
  }
  b[w - 1] = sign;
}

/** Assigns the exact value v to format `to` (rounding first, then overflow handling) and returns the raw integer. */
export function modelAssign(v: Rational, to: FixedFormat): bigint {
  const w = to.width;
  const { rounded, floor } = modelQuantize(v, to.width - to.int, to.q);
  const max = to.signed ? pow2(w - 1) - 1n : pow2(w) - 1n;
  const min = to.signed ? -pow2(w - 1) : 0n;
  const wrap = () => fromBits(toBits(rounded, w), to.signed);
  if (to.o === 'AP_WRAP' && to.n === 0) return wrap();
  // Symmetric saturation keeps −max as the lowest value; a 1-bit signed type has max = 0 and the header's
  // "minimum code with its LSB set" is the code −1 itself, so there it equals plain saturation.
  const lowest = to.o === 'AP_SAT_SYM' && to.signed && w > 1 ? -max : min;
  if (rounded >= lowest && rounded <= max) return rounded;
  switch (to.o) {
    case 'AP_SAT':
    case 'AP_SAT_SYM':
      return rounded < lowest ? lowest : max;
    case 'AP_SAT_ZERO':
      return 0n;
    default: {
      const b = toBits(rounded, w);
      const lD = toBits(floor, w + 1)[w]; // lowest integer bit that the target cannot hold
      wrapModesOnBits(b, to, rounded < 0n ? 1 : 0, lD);
      return fromBits(b, to.signed);
    }
  }
}

export function modelCastRaw(raw: bigint, fromFrac: number, to: FixedFormat): bigint {
  return modelAssign(ratFromRaw(raw, fromFrac), to);
}

export function modelFromDouble(x: number, to: FixedFormat): bigint {
  return modelAssign(ratFromDouble(x), to);
}
