import { describe, it, expect } from 'vitest';
import {
  O_MODES, Q_MODES, addFormat, addRaw, addRawBig, castArray, castRaw, castRawBig, fixed, formatToCpp, fracBits,
  fromDouble, fromDoubleBig, maxRaw, maxRawBig, minRaw, minRawBig, mulFormat, mulRaw, mulRawBig, parseFormat,
  quantizeArray, rawFromBits, rawsFitNumber, subFormat, subRaw, subRawBig, toDouble,
  type FixedFormat, type OMode, type QMode,
} from '../../sim/fixed.js';
import { modelAssign, modelCastRaw, modelFromDouble, ratFromRaw, type Rational } from './fixed-bigint-model.js';

// ---------------------------------------------------------------------------------------------------------------
// Seeded randomness (mulberry32), so every failure reproduces.

class Rng {
  private a: number;
  constructor(seed: number) { this.a = seed >>> 0; }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(0, xs.length - 1)]; }
  bits(w: number): bigint {
    let x = 0n;
    for (let done = 0; done < w; done += 16) x = (x << 16n) | BigInt(this.int(0, 0xffff));
    return BigInt.asUintN(w, x);
  }
}

function randomFormat(rng: Rng, maxW: number, q: QMode, o: OMode, near?: FixedFormat): FixedFormat {
  const width = rng.chance(0.15) ? rng.pick([1, 2, 3, maxW]) : rng.int(1, maxW);
  // Integer bits: negative, above the width, or close to a reference format so that overflow is frequent.
  const int = near && rng.chance(0.5) ? near.int + rng.int(-5, 5) : rng.int(-10, width + 10);
  const signed = o === 'AP_WRAP_SM' || rng.chance(0.6);
  const n = (o === 'AP_WRAP' || o === 'AP_WRAP_SM') && rng.chance(0.6) ? rng.int(0, width) : 0;
  return fixed(width, int, { signed, q, o, n });
}

/** Raw values of `src`, over-sampling range edges, ties and near-ties at `dst`'s LSB, and `dst`'s range edges. */
function sampleRaw(rng: Rng, src: FixedFormat, dst: FixedFormat): bigint {
  const wrap = (x: bigint) => rawFromBits(BigInt.asUintN(src.width, x), src);
  const sh = fracBits(src) - fracBits(dst);
  const align = (x: bigint) => (sh >= 0 ? x << BigInt(sh) : x >> BigInt(-sh));
  switch (rng.int(0, 5)) {
    case 0: return wrap(rng.bits(src.width));
    case 1: return wrap(rng.pick([minRawBig(src), maxRawBig(src), 0n, 1n, -1n, minRawBig(src) + 1n, maxRawBig(src) - 1n]));
    case 2: {
      if (sh < 1) return wrap(rng.bits(src.width));
      const tie = (rng.bits(Math.max(1, src.width - sh)) << BigInt(sh)) + (1n << BigInt(sh - 1));
      return wrap(rng.chance(0.2) ? tie + BigInt(rng.int(-1, 1)) : tie);
    }
    case 3: {
      const edge = rng.pick([maxRawBig(dst), minRawBig(dst), -maxRawBig(dst), maxRawBig(dst) + 1n, minRawBig(dst) - 1n]);
      const delta = BigInt(rng.int(-3, 3)) * (sh >= 1 && rng.chance(0.5) ? 1n << BigInt(sh - 1) : 1n);
      return wrap(align(edge) + delta);
    }
    case 4: return wrap(rng.bits(rng.int(0, Math.min(src.width, Math.max(0, sh) + 3))) * (rng.chance(0.5) ? -1n : 1n));
    default: return wrap(rng.bits(rng.int(1, src.width)));
  }
}

/** Doubles near dst's grid and range: random mantissas, exact ties, and values around ±max. */
function sampleDouble(rng: Rng, dst: FixedFormat): number {
  const F = fracBits(dst);
  const sign = rng.chance(0.5) ? -1 : 1;
  switch (rng.int(0, 3)) {
    case 0: return sign * Number(rng.bits(53)) * 2 ** rng.int(-F - 60, dst.int - 50);
    case 1: return sign * (rng.int(0, 2 ** Math.min(dst.width, 30)) + 0.5) * 2 ** -F;
    case 2: return (rng.pick([maxRaw(dst), minRaw(dst), -maxRaw(dst)]) + rng.pick([-1, -0.5, 0, 0.5, 1, 0.25])) * 2 ** -F;
    default: return rng.pick([0, -0, 1, -1, 0.5, -0.5, 3, -3]) * 2 ** rng.int(-F - 3, dst.int + 3);
  }
}

const COMBOS = Q_MODES.flatMap((q) => O_MODES.map((o) => [q, o] as const));
const show = (f: FixedFormat) => formatToCpp(f) + (f.signed ? '' : ' (unsigned)');

/** Compares a number-path result with the model, rejecting −0 (it would print and hash differently). */
function expectNum(got: number, want: bigint, what: string): void {
  expect(BigInt(got), what).toBe(want);
  if (got === 0) expect(Object.is(got, -0), `${what}: −0`).toBe(false);
}

// ---------------------------------------------------------------------------------------------------------------

describe('castRaw / castRawBig against the rational model', () => {
  COMBOS.forEach(([q, o], k) => {
    it(`${q} / ${o}`, () => {
      const rng = new Rng(1000 + k);
      for (let i = 0; i < 700; i++) {
        const src = randomFormat(rng, 53, 'AP_TRN', 'AP_WRAP');
        const dst = randomFormat(rng, 53, q, o, src);
        const raw = sampleRaw(rng, src, dst);
        const want = modelCastRaw(raw, fracBits(src), dst);
        const what = `${raw} from ${show(src)} to ${show(dst)}`;
        expectNum(castRaw(Number(raw), fracBits(src), dst), want, what);
        expect(castRawBig(raw, fracBits(src), dst), what).toBe(want);
      }
      for (let i = 0; i < 400; i++) {
        const src = randomFormat(rng, 128, 'AP_TRN', 'AP_WRAP');
        const dst = randomFormat(rng, 128, q, o, src);
        const raw = sampleRaw(rng, src, dst);
        expect(castRawBig(raw, fracBits(src), dst), `${raw} from ${show(src)} to ${show(dst)}`)
          .toBe(modelCastRaw(raw, fracBits(src), dst));
      }
    });
  });

  it('handles huge shifts both ways', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 2000; i++) {
      const dst = randomFormat(rng, 53, rng.pick(Q_MODES), rng.pick(O_MODES));
      const raw = BigInt(rng.int(-(2 ** 30), 2 ** 30)) * BigInt(rng.int(-(2 ** 22), 2 ** 22));
      const fromFrac = rng.pick([-1100, -300, -60, 60, 120, 1100]) + rng.int(-3, 3);
      const want = modelCastRaw(raw, fromFrac, dst);
      expectNum(castRaw(Number(raw), fromFrac, dst), want, `${raw}·2^-${fromFrac} to ${show(dst)}`);
      expect(castRawBig(raw, fromFrac, dst)).toBe(want);
    }
  });
});

describe('fromDouble / fromDoubleBig against the rational model', () => {
  COMBOS.forEach(([q, o], k) => {
    it(`${q} / ${o}`, () => {
      const rng = new Rng(2000 + k);
      for (let i = 0; i < 500; i++) {
        const maxW = i % 3 === 0 ? 128 : 53;
        const dst = randomFormat(rng, maxW, q, o);
        const x = sampleDouble(rng, dst);
        const want = modelFromDouble(x, dst);
        const what = `${x} to ${show(dst)}`;
        expect(fromDoubleBig(x, dst), what).toBe(want);
        if (rawsFitNumber(dst)) expectNum(fromDouble(x, dst), want, what);
      }
    });
  });

  it('reads non-finite and subnormal inputs as the official constructor does', () => {
    // The header always sets the hidden bit and uses exp = field − 1023: ±Inf is ±2^1024, NaN is ±(1.f)·2^1024 and
    // a subnormal 0.f·2^−1022 is read as 1.f·2^−1023.
    const rat = (num: bigint, e: number): Rational => ratFromRaw(num, -e);
    const cases: [number, Rational][] = [
      [Infinity, rat(1n, 1024)], [-Infinity, rat(-1n, 1024)], [NaN, rat(3n, 1023)],
      [2 ** -1074, rat((1n << 52n) + 1n, -1075)], [-(2 ** -1073), rat(-((1n << 52n) + 2n), -1075)],
    ];
    const rng = new Rng(3);
    for (let i = 0; i < 300; i++) {
      const dst = randomFormat(rng, 53, rng.pick(Q_MODES), rng.pick(O_MODES), undefined);
      const wide = fixed(dst.width, dst.int + rng.pick([0, 1000, 1030, 1080, -1000, -1060]), dst);
      for (const [x, v] of cases) {
        const want = modelAssign(v, wide);
        expect(fromDoubleBig(x, wide), `${x} to ${show(wide)}`).toBe(want);
        expectNum(fromDouble(x, wide), want, `${x} to ${show(wide)}`);
      }
    }
  });
});

describe('array helpers', () => {
  COMBOS.forEach(([q, o], k) => {
    it(`castArray and quantizeArray agree with the model (${q} / ${o})`, () => {
      const rng = new Rng(3000 + k);
      for (let batch = 0; batch < 8; batch++) {
        const src = randomFormat(rng, 40, 'AP_TRN', 'AP_WRAP');
        const dst = randomFormat(rng, 53, q, o, src);
        const raws = Array.from({ length: 64 }, () => sampleRaw(rng, src, dst));
        const out = castArray(raws.map(Number), fracBits(src), dst, new Float64Array(64));
        raws.forEach((r, i) => expectNum(out[i], modelCastRaw(r, fracBits(src), dst), `${r} to ${show(dst)}`));
        const xs = Float64Array.from({ length: 64 }, () => sampleDouble(rng, dst));
        const qs = quantizeArray(xs, dst, new Float64Array(64));
        xs.forEach((x, i) => expectNum(qs[i], modelFromDouble(x, dst), `${x} to ${show(dst)}`));
      }
    });
  });

  it('rejects short outputs and non-integer raws', () => {
    const f = fixed(8, 3);
    expect(() => castArray([1, 2], 0, f, new Float64Array(1))).toThrow(/slots/);
    expect(() => castArray([1.5], 0, f, new Float64Array(1))).toThrow(/src\[0\]/);
    expect(() => quantizeArray([1], fixed(60, 3), new Float64Array(1))).toThrow(/53/);
  });
});

describe('documented examples (UG1399) and hand-checked wrap modes', () => {
  const cases: [string, number, number][] = [
    ['ap_fixed<4,4,AP_RND,AP_SAT>', 19, 7], ['ap_fixed<4,4,AP_RND,AP_SAT>', -19, -8],
    ['ap_ufixed<4,4,AP_RND,AP_SAT>', 19, 15], ['ap_ufixed<4,4,AP_RND,AP_SAT>', -19, 0],
    ['ap_fixed<4,4,AP_RND,AP_SAT_ZERO>', 19, 0], ['ap_ufixed<4,4,AP_RND,AP_SAT_ZERO>', -19, 0],
    ['ap_fixed<4,4,AP_RND,AP_SAT_SYM>', 19, 7], ['ap_fixed<4,4,AP_RND,AP_SAT_SYM>', -19, -7],
    ['ap_ufixed<4,4,AP_RND,AP_SAT_SYM>', 19, 15], ['ap_ufixed<4,4,AP_RND,AP_SAT_SYM>', -19, 0],
    ['ap_fixed<4,4,AP_RND,AP_WRAP>', 31, -1], ['ap_fixed<4,4,AP_RND,AP_WRAP>', -19, -3],
    ['ap_ufixed<4,4,AP_RND,AP_WRAP>', 19, 3], ['ap_ufixed<4,4,AP_RND,AP_WRAP>', -19, 13],
    ['ap_fixed<3,2,AP_RND,AP_SAT>', 1.25, 1.5], ['ap_fixed<3,2,AP_RND,AP_SAT>', -1.25, -1],
    ['ap_fixed<3,2,AP_RND_ZERO,AP_SAT>', 1.25, 1], ['ap_fixed<3,2,AP_RND_ZERO,AP_SAT>', -1.25, -1],
    ['ap_fixed<4,4,AP_TRN,AP_SAT_SYM>', -8, -7],
    // Hand-computed from the header's overflow_adjust steps (no official vectors cover these).
    ['ap_fixed<4,4,AP_RND,AP_WRAP_SM>', 19, -4], ['ap_fixed<4,4,AP_RND,AP_WRAP_SM>', -19, 2],
    ['ap_fixed<4,4,AP_TRN,AP_WRAP_SM,1>', 25, 6], ['ap_fixed<4,4,AP_TRN,AP_WRAP_SM,1>', -19, -3],
    ['ap_fixed<4,4,AP_TRN,AP_WRAP_SM,2>', 19, 4], ['ap_fixed<4,4,AP_TRN,AP_WRAP_SM,2>', 25, 6],
    ['ap_fixed<4,4,AP_TRN,AP_WRAP,1>', 31, 7], ['ap_fixed<4,4,AP_TRN,AP_WRAP,2>', 19, 7],
    ['ap_fixed<4,4,AP_TRN,AP_WRAP,2>', -19, -7], ['ap_ufixed<4,4,AP_TRN,AP_WRAP,2>', -19, 13],
    ['ap_ufixed<4,4,AP_TRN,AP_WRAP,2>', 19, 15],
    // A 1-bit signed AP_SAT_SYM keeps −1: the header ORs 1 into the minimum code, which is that same bit.
    ['ap_fixed<1,1,AP_TRN,AP_SAT_SYM>', -5, -1],
  ];
  for (const [spelling, x, want] of cases) {
    it(`${spelling} = ${x} gives ${want}`, () => {
      const f = parseFormat(spelling);
      expect(toDouble(fromDouble(x, f), f)).toBe(want);
      expect(Number(fromDoubleBig(x, f)) * 2 ** -fracBits(f)).toBe(want);
    });
  }
});

describe('full-precision + − *', () => {
  const same = (a: Rational, b: Rational) => a.num * b.den === b.num * a.den;
  it('formats hold the exact result and the raw ops produce it', () => {
    const rng = new Rng(4);
    const ops = [
      { name: '+', fmt: addFormat, num: addRaw, big: addRawBig, exact: (a: bigint, b: bigint) => a + b },
      { name: '-', fmt: subFormat, num: subRaw, big: subRawBig, exact: (a: bigint, b: bigint) => a - b },
      { name: '*', fmt: mulFormat, num: mulRaw, big: mulRawBig, exact: (a: bigint, b: bigint) => a * b },
    ];
    for (let i = 0; i < 3000; i++) {
      const fa = randomFormat(rng, rng.chance(0.5) ? 26 : 80, 'AP_TRN', 'AP_WRAP');
      const fb = randomFormat(rng, rng.chance(0.5) ? 26 : 80, 'AP_TRN', 'AP_WRAP', fa);
      const a = sampleRaw(rng, fa, fb);
      const b = sampleRaw(rng, fb, fa);
      const op = ops[i % 3];
      const rf = op.fmt(fa, fb);
      expect([rf.q, rf.o, rf.n]).toEqual(['AP_TRN', 'AP_WRAP', 0]);
      const r = op.big(a, fa, b, fb);
      // Exact value check with a common denominator: a·2^−Fa op b·2^−Fb.
      const fa2 = fracBits(fa), fb2 = fracBits(fb), top = Math.max(fa2, fb2, fa2 + fb2);
      const scale = (x: bigint, f: number) => x << BigInt(top - f);
      const want = op.name === '*' ? scale(a * b, fa2 + fb2) : op.exact(scale(a, fa2), scale(b, fb2));
      expect(same(ratFromRaw(r, fracBits(rf)), ratFromRaw(want, top)), `${a} ${op.name} ${b}`).toBe(true);
      expect(r >= minRawBig(rf) && r <= maxRawBig(rf), `${show(rf)} holds ${r}`).toBe(true);
      if (rawsFitNumber(rf)) expectNum(op.num(Number(a), fa, Number(b), fb), r, `${a} ${op.name} ${b}`);
      else expect(() => op.num(Number(a), fa, Number(b), fb)).toThrow(/53/);
    }
  });

  it('follows the header rules for mixed signedness', () => {
    const u = fixed(8, 3, { signed: false });
    const s = fixed(16, 6);
    expect(formatToCpp(addFormat(u, s))).toBe('ap_fixed<17,7>');
    expect(formatToCpp(addFormat(u, u))).toBe('ap_ufixed<9,4>');
    expect(formatToCpp(subFormat(u, u))).toBe('ap_fixed<9,4>');
    expect(formatToCpp(mulFormat(fixed(6, 0, { signed: false }), fixed(6, 1)))).toBe('ap_fixed<12,1>');
    expect(formatToCpp(addFormat(fixed(5, -2), fixed(10, 12)))).toBe('ap_fixed<20,13>');
  });
});

describe('formats', () => {
  it('round-trips random formats through formatToCpp / parseFormat', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 2000; i++) {
      const [q, o] = rng.pick(COMBOS);
      const f = randomFormat(rng, 300, q, o);
      expect(parseFormat(formatToCpp(f))).toEqual(f);
    }
  });

  it('parses the C++ spellings and prints them canonically', () => {
    const cases: [string, string][] = [
      ['ap_fixed<16,6>', 'ap_fixed<16,6>'],
      [' ap_fixed < 16 , 6 > ', 'ap_fixed<16,6>'],
      ['ap_fixed<16,6,AP_RND_CONV,AP_SAT>', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
      ['ap_ufixed<8,0,AP_RND,AP_SAT_SYM,0>', 'ap_ufixed<8,0,AP_RND,AP_SAT_SYM>'],
      ['ap_fixed<8,3,AP_TRN,AP_WRAP,0>', 'ap_fixed<8,3>'],
      ['ap_fixed<8,3,AP_RND>', 'ap_fixed<8,3,AP_RND>'],
      ['ap_fixed<8,3,AP_TRN,AP_WRAP,2>', 'ap_fixed<8,3,AP_TRN,AP_WRAP,2>'],
      ['ap_fixed<8,-3>', 'ap_fixed<8,-3>'],
      ['ap_int<8>', 'ap_fixed<8,8>'],
      ['ap_uint<4>', 'ap_ufixed<4,4>'],
    ];
    for (const [s, cpp] of cases) expect(formatToCpp(parseFormat(s)), s).toBe(cpp);
    expect(parseFormat('ap_uint<4>')).toEqual(fixed(4, 4, { signed: false }));
    expect(fixed(16, 6)).toEqual({ width: 16, int: 6, signed: true, q: 'AP_TRN', o: 'AP_WRAP', n: 0 });
  });

  it('rejects malformed spellings with a clear message', () => {
    const bad: [string, RegExp][] = [
      ['float', /expected ap_fixed<W,I/],
      ['ap_fixed<16>', /2 to 5 template arguments, got 1/],
      ['ap_fixed<16,6,AP_ROUND>', /unknown quantization mode "AP_ROUND"/],
      ['ap_fixed<16,6,AP_TRN,AP_CLAMP>', /unknown overflow mode "AP_CLAMP"/],
      ['ap_fixed<a,6>', /W must be an integer, got "a"/],
      ['ap_fixed<0,0>', /width must be an integer >= 1/],
      ['ap_int<8,2>', /exactly 1 template argument/],
      ['ap_fixed<8,3,AP_TRN,AP_WRAP,9>', /N must be an integer in 0\.\.8/],
      ['ap_ufixed<8,3,AP_TRN,AP_WRAP_SM>', /does not support AP_WRAP_SM/],
    ];
    for (const [s, re] of bad) {
      expect(() => parseFormat(s), s).toThrow(re);
      expect(() => parseFormat(s), s).toThrow(/parseFormat/);
    }
  });

  it('reports ranges and guards the number path', () => {
    const f = fixed(8, 3);
    expect([minRaw(f), maxRaw(f), fracBits(f)]).toEqual([-128, 127, 5]);
    expect([minRawBig(fixed(8, 3, { signed: false })), maxRawBig(fixed(8, 3, { signed: false }))]).toEqual([0n, 255n]);
    expect(toDouble(-3, f)).toBe(-3 / 32);
    expect(() => castRaw(2 ** 53, 0, f)).toThrow(/castRawBig/);
    expect(() => castRaw(1, 0, fixed(54, 3))).toThrow(/castRawBig/);
    expect(() => fromDouble(1, fixed(54, 3))).toThrow(/fromDoubleBig/);
    expect(castRawBig(1n << 80n, 80, fixed(100, 3))).toBe(1n << 97n);
  });
});
