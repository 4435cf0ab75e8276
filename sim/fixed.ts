/**
 * Executable definition of Xilinx ap_fixed / ap_ufixed arithmetic (UG1399, and the C-simulation headers in
 * Xilinx/HLS_arbitrary_Precision_Types). Values are held as their raw integer: value = raw · 2^−(W−I), where raw is
 * the signed (ap_fixed) or unsigned (ap_ufixed) integer value of the W-bit pattern.
 *
 * Two paths with identical results: JS numbers (exact while |raw| < 2^53, used in hot loops) and BigInt (any width).
 *
 * Assignment semantics (what castRaw implements), as the official headers behave:
 *  1. quantize the exact source value to the target's LSB with q (AP_TRN is floor, i.e. toward −∞);
 *  2. then, if the rounded integer R is out of range, apply o. AP_SAT_SYM's range is [−max, max], so the most
 *     negative code becomes −max (except W = 1 signed, where the header's "min | 1" is still the code −1).
 *  AP_WRAP with N > 0 and AP_WRAP_SM only act when R is out of range; they rewrite bit fields of R mod 2^W using the
 *  source sign (R < 0) and lD = bit W of floor(value · 2^F) (the lowest deleted integer bit, taken before rounding).
 */

export type QMode = 'AP_RND' | 'AP_RND_ZERO' | 'AP_RND_MIN_INF' | 'AP_RND_INF' | 'AP_RND_CONV' | 'AP_TRN' | 'AP_TRN_ZERO';
export type OMode = 'AP_SAT' | 'AP_SAT_ZERO' | 'AP_SAT_SYM' | 'AP_WRAP' | 'AP_WRAP_SM';

/** Index = the C++ enum value (ap_decl.h), so numeric mode codes map straight onto these arrays. */
export const Q_MODES: readonly QMode[] = Object.freeze([
  'AP_RND', 'AP_RND_ZERO', 'AP_RND_MIN_INF', 'AP_RND_INF', 'AP_RND_CONV', 'AP_TRN', 'AP_TRN_ZERO',
] as const);
export const O_MODES: readonly OMode[] = Object.freeze(['AP_SAT', 'AP_SAT_ZERO', 'AP_SAT_SYM', 'AP_WRAP', 'AP_WRAP_SM'] as const);

export interface FixedFormat {
  readonly width: number;
  readonly int: number;
  readonly signed: boolean;
  readonly q: QMode;
  readonly o: OMode;
  /** Saturation bits for AP_WRAP / AP_WRAP_SM (0..width). */
  readonly n: number;
}

export interface FixedOptions { signed?: boolean; q?: QMode; o?: OMode; n?: number }

/** Builds a validated, frozen format. Defaults are the C++ template defaults: signed, AP_TRN, AP_WRAP, 0. */
export function fixed(width: number, int: number, opts: FixedOptions = {}): FixedFormat {
  const { signed = true, q = 'AP_TRN', o = 'AP_WRAP', n = 0 } = opts;
  if (!Number.isInteger(width) || width < 1) throw new Error(`fixed: width must be an integer >= 1, got ${width}`);
  if (!Number.isInteger(int)) throw new Error(`fixed: integer bits must be an integer, got ${int}`);
  if (!Q_MODES.includes(q)) throw new Error(`fixed: unknown quantization mode ${String(q)}`);
  if (!O_MODES.includes(o)) throw new Error(`fixed: unknown overflow mode ${String(o)}`);
  // The header's bit-field writes for N are only defined for 0 <= N <= W.
  if (!Number.isInteger(n) || n < 0 || n > width) throw new Error(`fixed: N must be an integer in 0..${width}, got ${n}`);
  // The official header prints "cannot support AP_WRAP_SM" and exits for ap_ufixed.
  if (!signed && o === 'AP_WRAP_SM') throw new Error('fixed: ap_ufixed does not support AP_WRAP_SM');
  return Object.freeze({ width, int, signed, q, o, n });
}

export function fracBits(f: FixedFormat): number {
  return f.width - f.int;
}

export function rawsFitNumber(f: FixedFormat): boolean {
  return f.width <= 53;
}

// ---------------------------------------------------------------------------------------------------------------
// Format strings

const FORMAT_RE = /^\s*(ap_fixed|ap_ufixed|ap_int|ap_uint)\s*<([^<>]*)>\s*$/;
const SPELLING = 'ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<...>, ap_int<W> or ap_uint<W>';

function intArg(arg: string, what: string, s: string): number {
  if (!/^[+-]?\d+$/.test(arg)) throw new Error(`parseFormat: ${what} must be an integer, got "${arg}" in "${s}"`);
  return Number(arg);
}

function modeArg<T extends string>(arg: string | undefined, modes: readonly T[], dflt: T, what: string, s: string): T {
  if (arg === undefined) return dflt;
  if (!(modes as readonly string[]).includes(arg)) {
    throw new Error(`parseFormat: unknown ${what} "${arg}" in "${s}" (expected one of ${modes.join(', ')})`);
  }
  return arg as T;
}

export function parseFormat(s: string): FixedFormat {
  const m = FORMAT_RE.exec(s);
  if (!m) throw new Error(`parseFormat: expected ${SPELLING}, got ${JSON.stringify(s)}`);
  const kind = m[1];
  const args = m[2].split(',').map((a) => a.trim());
  const signed = kind === 'ap_fixed' || kind === 'ap_int';
  try {
    if (kind === 'ap_int' || kind === 'ap_uint') {
      if (args.length !== 1) throw new Error(`parseFormat: ${kind} takes exactly 1 template argument in "${s}"`);
      const w = intArg(args[0], 'W', s);
      return fixed(w, w, { signed });
    }
    if (args.length < 2 || args.length > 5) {
      throw new Error(`parseFormat: ${kind} takes 2 to 5 template arguments, got ${args.length} in "${s}"`);
    }
    return fixed(intArg(args[0], 'W', s), intArg(args[1], 'I', s), {
      signed,
      q: modeArg(args[2], Q_MODES, 'AP_TRN', 'quantization mode', s),
      o: modeArg(args[3], O_MODES, 'AP_WRAP', 'overflow mode', s),
      n: args[4] === undefined ? 0 : intArg(args[4], 'N', s),
    });
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith('parseFormat') ? msg : `parseFormat: ${msg} in "${s}"`);
  }
}

/** Canonical C++ spelling; trailing default template arguments are dropped (ap_fixed<16,6> stays short). */
/** Whether two formats are the same C++ type (every field equal): assigning one to the other is a plain copy. */
export function sameFormat(a: FixedFormat, b: FixedFormat): boolean {
  return a.width === b.width && a.int === b.int && a.signed === b.signed && a.q === b.q && a.o === b.o && a.n === b.n;
}

export function formatToCpp(f: FixedFormat): string {
  const args: (string | number)[] = [f.width, f.int, f.q, f.o, f.n];
  const defaults: (string | number)[] = [f.width, f.int, 'AP_TRN', 'AP_WRAP', 0];
  let len = 5;
  while (len > 2 && args[len - 1] === defaults[len - 1]) len--;
  return `${f.signed ? 'ap_fixed' : 'ap_ufixed'}<${args.slice(0, len).join(',')}>`;
}

// ---------------------------------------------------------------------------------------------------------------
// Ranges

export function minRaw(f: FixedFormat): number {
  return f.signed ? -(2 ** (f.width - 1)) : 0;
}
export function maxRaw(f: FixedFormat): number {
  return f.signed ? 2 ** (f.width - 1) - 1 : 2 ** f.width - 1;
}
export function minRawBig(f: FixedFormat): bigint {
  return f.signed ? -(1n << BigInt(f.width - 1)) : 0n;
}
export function maxRawBig(f: FixedFormat): bigint {
  return f.signed ? (1n << BigInt(f.width - 1)) - 1n : (1n << BigInt(f.width)) - 1n;
}

/** Reinterprets a W-bit pattern (unsigned, as printed in hex) as the format's raw value, and back. */
export function rawFromBits(bits: bigint, f: FixedFormat): bigint {
  return f.signed ? BigInt.asIntN(f.width, bits) : BigInt.asUintN(f.width, bits);
}
export function rawToBits(raw: bigint, f: FixedFormat): bigint {
  return BigInt.asUintN(f.width, raw);
}

// ---------------------------------------------------------------------------------------------------------------
// Quantization and overflow, shared decisions

/**
 * Whether rounding moves floor(y) up by one LSB. cmp = sign(frac(y) − 1/2); inexact = frac(y) ≠ 0; neg = y < 0;
 * odd = floor(y) is odd. Ties are the only place the modes differ, except the two truncations.
 */
function roundsUp(q: QMode, cmp: number, inexact: boolean, neg: boolean, odd: boolean): boolean {
  switch (q) {
    case 'AP_TRN': return false;
    case 'AP_TRN_ZERO': return neg && inexact;
    case 'AP_RND': return cmp >= 0;
    case 'AP_RND_ZERO': return cmp > 0 || (cmp === 0 && neg);
    case 'AP_RND_MIN_INF': return cmp > 0;
    case 'AP_RND_INF': return cmp > 0 || (cmp === 0 && !neg);
    case 'AP_RND_CONV': return cmp > 0 || (cmp === 0 && odd);
  }
}

/**
 * Layout of the AP_WRAP(N>0) / AP_WRAP_SM rewrite: the W−keep head bits are `top` followed by copies of `rest`; the
 * `keep` low bits of the wrapped code stay, inverted if `invert`. (Bits, not a number, so N > 53 stays exact.)
 */
interface WrapPlan { keep: number; top: number; rest: number; invert: boolean }

/** Reused result of wrapPlan, so that the number path stays allocation-free per element. */
const plan: WrapPlan = { keep: 0, top: 0, rest: 0, invert: false };

function setPlan(keep: number, top: number, rest: number, invert: boolean): WrapPlan {
  plan.keep = keep; plan.top = top; plan.rest = rest; plan.invert = invert;
  return plan;
}

/**
 * Transcribes the header's overflow_adjust for the wrap modes as field values. `top` is the sign bit of the wrapped
 * code, `atKeepN` is bit W−N of it, neg is the sign of the rounded value, lD the lowest deleted integer bit.
 */
function wrapPlan(f: FixedFormat, top: number, atKeepN: number, neg: boolean, lD: number): WrapPlan {
  const { width: w, n } = f;
  const s = neg ? 1 : 0;
  // Signed saturated head: the sign, then N−1 copies of its complement (so it reads 0111.. or 1000..).
  if (f.o === 'AP_WRAP') return setPlan(w - n, f.signed ? s : 1, f.signed ? 1 - s : 1, false);
  if (n === 0) return setPlan(w - 1, lD, 0, lD !== top);
  if (n === 1) return setPlan(w - 1, s, 0, s !== top);
  return setPlan(w - n, s, 1 - s, atKeepN === s);
}

// ---------------------------------------------------------------------------------------------------------------
// Number path

/** 2^e for every e a double can express (Math.pow with a variable exponent costs ~30 ns, a table load ~1 ns). */
const POW2_BIAS = 1100;
const POW2 = Float64Array.from({ length: 2 * POW2_BIAS + 1 }, (_, i) => 2 ** (i - POW2_BIAS));
function pow2(e: number): number {
  return e >= -POW2_BIAS && e <= POW2_BIAS ? POW2[e + POW2_BIAS] : 2 ** e;
}

/** Mathematical modulo for integral doubles. % is exact; adding m only to negative remainders keeps every
 *  intermediate below m <= 2^53 (the textbook ((a % m) + m) % m would round when m = 2^53). */
function modNum(a: number, m: number): number {
  const x = a % m;
  return x < 0 ? x + m : x + 0;
}
function bitNum(a: number, j: number): number {
  return modNum(Math.floor(a / pow2(j)), 2);
}

/** Per-target constants of the number path, built once per format object (formats are immutable). */
interface NumTarget { readonly f: FixedFormat; readonly frac: number; readonly span: number; readonly half: number;
  readonly lo: number; readonly hi: number }
const numTargets = new WeakMap<FixedFormat, NumTarget>();

function numTarget(f: FixedFormat): NumTarget {
  let c = numTargets.get(f);
  if (c === undefined) {
    const half = 2 ** (f.width - 1);
    const hi = f.signed ? half - 1 : 2 * half - 1;
    // AP_SAT_SYM's lowest value is −max; for W = 1 the header's "min | 1" is min itself.
    const lo = !f.signed ? 0 : f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : -half;
    c = { f, frac: fracBits(f), span: 2 * half, half, lo, hi };
    numTargets.set(f, c);
  }
  return c;
}

/** W-bit code in [0, 2^W) → raw; +0 turns −0 into 0. */
function codeToRawNum(u: number, c: NumTarget): number {
  return (c.f.signed && u >= c.half ? u - c.span : u) + 0;
}

/**
 * The rare path: rounded value r is out of range. t = floor(value·2^F) (before rounding). Both are exact doubles,
 * possibly huge; ±Infinity only arises from ±Inf/NaN doubles shifted far left, whose low W + 1 bits are all zero.
 */
function overflowNum(r: number, t: number, c: NumTarget): number {
  const to = c.f;
  const w = to.width;
  const neg = r < 0;
  if (to.o === 'AP_SAT' || to.o === 'AP_SAT_SYM') return neg ? c.lo : c.hi;
  if (to.o === 'AP_SAT_ZERO') return 0;
  const code = Number.isFinite(r) ? modNum(r, c.span) : 0;
  if (to.o === 'AP_WRAP' && to.n === 0) return codeToRawNum(code, c);
  const lD = Number.isFinite(t) ? bitNum(t, w) : 0;
  const p = wrapPlan(to, bitNum(code, w - 1), to.n > 0 ? bitNum(code, w - to.n) : 0, neg, lD);
  const span = pow2(p.keep);
  const low = code % span;
  const restBits = pow2(w - p.keep - 1); // the head is 1 top bit above (w − keep − 1) rest bits
  const head = p.top * restBits + p.rest * (restBits - 1);
  return codeToRawNum(head * span + (p.invert ? span - 1 - low : low), c);
}

/** castRaw without argument checks: raw safe integer, target width <= 53. */
function castNum(raw: number, fromFrac: number, c: NumTarget): number {
  if (raw === 0) return 0;
  const sh = fromFrac - c.frac;
  let t: number;
  let r: number;
  if (sh <= 0) {
    // More fraction bits in the target: exact, no quantization (power-of-two scaling of a double is exact).
    t = r = raw * pow2(-sh);
  } else {
    let a = raw;
    let s = sh;
    // Shifting |raw| < 2^53 right by more than 53 leaves floor ∈ {0, −1} and a remainder strictly inside (0, half)
    // or (half, 1). ±1 shifted by 2 gives the same floor and comparisons, and avoids raw + 2^s rounding and 2^s
    // overflowing (s > 1023) or raw / 2^s underflowing to −0.
    if (s > 53) { a = raw < 0 ? -1 : 1; s = 2; }
    const p = pow2(s);
    t = Math.floor(a / p);
    const rem = a - t * p; // exact: an integer in [0, 2^s) with s <= 53
    if (rem === 0) r = t;
    else {
      const halfP = p / 2;
      const cmp = rem > halfP ? 1 : rem === halfP ? 0 : -1;
      r = roundsUp(c.f.q, cmp, true, raw < 0, modNum(t, 2) === 1) ? t + 1 : t;
    }
  }
  return r >= c.lo && r <= c.hi ? r + 0 : overflowNum(r, t, c);
}

/** Exact value raw·2^−fromFrac assigned to `to` (quantize with to.q, then overflow with to.o). */
export function castRaw(raw: number, fromFrac: number, to: FixedFormat): number {
  if (!Number.isSafeInteger(raw)) throw new Error(`castRaw: raw ${raw} is not an integer below 2^53; use castRawBig`);
  if (!Number.isInteger(fromFrac)) throw new Error(`castRaw: fromFrac must be an integer, got ${fromFrac}`);
  if (to.width > 53) throw new Error(`castRaw: target ${formatToCpp(to)} is wider than 53 bits; use castRawBig`);
  return castNum(raw, fromFrac, numTarget(to));
}

export function castArray(src: ArrayLike<number>, fromFrac: number, to: FixedFormat, out: Float64Array): Float64Array {
  if (out.length < src.length) throw new Error(`castArray: out has ${out.length} slots for ${src.length} values`);
  castRaw(0, fromFrac, to); // argument checks once
  const c = numTarget(to);
  for (let i = 0; i < src.length; i++) {
    const raw = src[i];
    if (!Number.isSafeInteger(raw)) throw new Error(`castArray: src[${i}] = ${raw} is not an integer below 2^53`);
    out[i] = castNum(raw, fromFrac, c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// BigInt path

function finishBig(r: bigint, lD: number, to: FixedFormat): bigint {
  const w = to.width;
  const code = BigInt.asUintN(w, r);
  const toRaw = (u: bigint) => (to.signed ? BigInt.asIntN(w, u) : u);
  if (to.o === 'AP_WRAP' && to.n === 0) return toRaw(code);
  const hi = maxRawBig(to);
  const lo = to.signed && to.o === 'AP_SAT_SYM' && w > 1 ? -hi : minRawBig(to);
  if (r >= lo && r <= hi) return r;
  const neg = r < 0n;
  if (to.o === 'AP_SAT' || to.o === 'AP_SAT_SYM') return neg ? lo : hi;
  if (to.o === 'AP_SAT_ZERO') return 0n;
  const bit = (j: number) => Number((code >> BigInt(j)) & 1n);
  const p = wrapPlan(to, bit(w - 1), to.n > 0 ? bit(w - to.n) : 0, neg, lD);
  const keep = BigInt(p.keep);
  const mask = (1n << keep) - 1n;
  const low = p.invert ? ~code & mask : code & mask;
  const restBits = 1n << BigInt(w - p.keep - 1);
  const head = BigInt(p.top) * restBits + BigInt(p.rest) * (restBits - 1n);
  return toRaw((head << keep) | low);
}

export function castRawBig(raw: bigint, fromFrac: number, to: FixedFormat): bigint {
  if (!Number.isInteger(fromFrac)) throw new Error(`castRawBig: fromFrac must be an integer, got ${fromFrac}`);
  if (raw === 0n) return 0n;
  const sh = fromFrac - (to.width - to.int);
  const wb = BigInt(to.width);
  if (sh <= 0) {
    const r = raw << BigInt(-sh);
    return finishBig(r, Number((r >> wb) & 1n), to);
  }
  const s = BigInt(sh);
  const t = raw >> s; // BigInt >> is floor division by 2^s
  const rem = raw - (t << s);
  const halfP = 1n << (s - 1n);
  const cmp = rem > halfP ? 1 : rem === halfP ? 0 : -1;
  const r = roundsUp(to.q, cmp, rem !== 0n, raw < 0n, (t & 1n) === 1n) ? t + 1n : t;
  return finishBig(r, Number((t >> wb) & 1n), to);
}

// ---------------------------------------------------------------------------------------------------------------
// Doubles

const dv = new DataView(new ArrayBuffer(8));

/**
 * Splits x into ±mant · 2^(exp − 52) the way the official double constructor does: the hidden bit is always set and
 * exp = field − 1023. So subnormals read as 1.f · 2^−1023 (not 0.f · 2^−1022), ±Inf as ±2^1024 and NaN as a
 * signed (1.f) · 2^1024 (the header only prints a warning). Returns mant = 0 for ±0.
 */
function splitDouble(x: number): { mant: number; frac: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  if ((hi & 0x7fffffff) === 0 && lo === 0) return { mant: 0, frac: 0 };
  const exp = ((hi >>> 20) & 0x7ff) - 1023;
  const mant = ((hi & 0xfffff) + 0x100000) * 2 ** 32 + lo;
  return { mant: hi >>> 31 ? -mant : mant, frac: 52 - exp };
}

// splitDouble allocates a small object; the hot loop below uses this allocation-free twin.
function fromDoubleNum(x: number, c: NumTarget): number {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  if ((hi & 0x7fffffff) === 0 && lo === 0) return 0;
  const mant = ((hi & 0xfffff) + 0x100000) * 2 ** 32 + lo;
  return castNum(hi >>> 31 ? -mant : mant, 52 - (((hi >>> 20) & 0x7ff) - 1023), c);
}

/** Exact double → raw, then the target's quantization and overflow (official semantics, see splitDouble). */
export function fromDouble(x: number, to: FixedFormat): number {
  if (to.width > 53) throw new Error(`fromDouble: target ${formatToCpp(to)} is wider than 53 bits; use fromDoubleBig`);
  return fromDoubleNum(x, numTarget(to));
}

export function fromDoubleBig(x: number, to: FixedFormat): bigint {
  const { mant, frac } = splitDouble(x);
  return castRawBig(BigInt(mant), frac, to);
}

/** fromDouble of every value, the target's constants computed once (millions of weights at compile time). */
export function rawsOf(src: ArrayLike<number>, to: FixedFormat): number[] {
  if (to.width > 53) throw new Error(`rawsOf: target ${formatToCpp(to)} is wider than 53 bits`);
  const c = numTarget(to);
  const out = new Array<number>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = fromDoubleNum(src[i], c);
  return out;
}

export function quantizeArray(src: ArrayLike<number>, to: FixedFormat, out: Float64Array): Float64Array {
  if (out.length < src.length) throw new Error(`quantizeArray: out has ${out.length} slots for ${src.length} values`);
  if (to.width > 53) throw new Error(`quantizeArray: target ${formatToCpp(to)} is wider than 53 bits`);
  const c = numTarget(to);
  for (let i = 0; i < src.length; i++) out[i] = fromDoubleNum(src[i], c);
  return out;
}

/** raw · 2^−frac, scaled in two steps so that large |frac| does not overflow/underflow the power of two. */
export function toDouble(raw: number, f: FixedFormat): number {
  const e = -fracBits(f);
  const e1 = Math.trunc(e / 2);
  return raw * 2 ** e1 * 2 ** (e - e1);
}

export function toDoubleBig(raw: bigint, f: FixedFormat): number {
  return toDouble(Number(raw), f);
}

// ---------------------------------------------------------------------------------------------------------------
// Full-precision + − * (RType in ap_fixed_base.h): results are exact, only a later assignment quantizes.

/** Integer bits an operand needs inside a result that is signed because of the other operand. */
function intBitsIn(a: FixedFormat, b: FixedFormat): number {
  return a.int + (b.signed && !a.signed ? 1 : 0);
}

/** Integer bits of a + b and a − b: the larger operand plus one carry bit. */
function plusInt(a: FixedFormat, b: FixedFormat): number {
  return Math.max(intBitsIn(a, b), intBitsIn(b, a)) + 1;
}

export function addFormat(a: FixedFormat, b: FixedFormat): FixedFormat {
  const i = plusInt(a, b);
  return fixed(i + Math.max(fracBits(a), fracBits(b)), i, { signed: a.signed || b.signed });
}

/** Same size as +, but always signed: the difference of two unsigned values can be negative. */
export function subFormat(a: FixedFormat, b: FixedFormat): FixedFormat {
  const i = plusInt(a, b);
  return fixed(i + Math.max(fracBits(a), fracBits(b)), i, { signed: true });
}

export function mulFormat(a: FixedFormat, b: FixedFormat): FixedFormat {
  return fixed(a.width + b.width, a.int + b.int, { signed: a.signed || b.signed });
}

// The raw ops below size the result arithmetically instead of building the format: they may sit in per-element loops.
function checkNumOp(name: string, a: number, b: number, resultWidth: number): void {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b)) throw new Error(`${name}: raws must be integers below 2^53`);
  if (resultWidth > 53) throw new Error(`${name}: the ${resultWidth}-bit result is wider than 53 bits; use ${name}Big`);
}

/** a ± b aligned to the larger fraction, i.e. as a raw of addFormat / subFormat (exact, never wraps). */
function plusMinus(name: string, sign: number, a: number, fa: FixedFormat, b: number, fb: FixedFormat): number {
  const f = Math.max(fracBits(fa), fracBits(fb));
  checkNumOp(name, a, b, plusInt(fa, fb) + f);
  return a * pow2(f - fracBits(fa)) + sign * b * pow2(f - fracBits(fb)) + 0;
}

export function addRaw(a: number, fa: FixedFormat, b: number, fb: FixedFormat): number {
  return plusMinus('addRaw', 1, a, fa, b, fb);
}
export function subRaw(a: number, fa: FixedFormat, b: number, fb: FixedFormat): number {
  return plusMinus('subRaw', -1, a, fa, b, fb);
}
/** a · b as a raw of mulFormat(fa, fb) (fractions add, so no alignment). */
export function mulRaw(a: number, fa: FixedFormat, b: number, fb: FixedFormat): number {
  checkNumOp('mulRaw', a, b, fa.width + fb.width);
  return a * b + 0;
}

export function addRawBig(a: bigint, fa: FixedFormat, b: bigint, fb: FixedFormat): bigint {
  const f = Math.max(fracBits(fa), fracBits(fb));
  return (a << BigInt(f - fracBits(fa))) + (b << BigInt(f - fracBits(fb)));
}
export function subRawBig(a: bigint, fa: FixedFormat, b: bigint, fb: FixedFormat): bigint {
  const f = Math.max(fracBits(fa), fracBits(fb));
  return (a << BigInt(f - fracBits(fa))) - (b << BigInt(f - fracBits(fb)));
}
export function mulRawBig(a: bigint, _fa: FixedFormat, b: bigint, _fb: FixedFormat): bigint {
  return a * b;
}
