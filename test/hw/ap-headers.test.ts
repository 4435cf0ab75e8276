// Proves that our host-side ap_int/ap_fixed headers (hw/include) give the
// same bits as the official Xilinx headers:
//  1. all 220k reference vectors produced with the official headers
//     (../shared/ap-vectors) pass through ap_vectors_driver.cpp;
//  2. the same driver passes when built against the official headers
//     (only if XILINX_AP_INCLUDE points at them: validates the driver);
//  3. an API-surface probe (range, compound ops, comparisons, shifts,
//     to_int, mixed int ops, overflow modes, division, printing) matches
//     expectations computed here with BigInt, literals recorded from the
//     official headers, and, when available, the official build's output.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { generateDriver } from './gen-ap-driver.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS = resolve(ROOT, '../shared/ap-vectors/vectors.txt.gz');
const OURS = join(ROOT, 'hw/include');
const OFFICIAL = process.env.XILINX_AP_INCLUDE;
const TIMEOUT = 240_000;

let work = '';
beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'fpgac-ap-')); });
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

/** Run g++ jobs, two at a time (the machine has two cores). */
async function gxxAll(jobs: string[][]): Promise<void> {
  const run = (args: string[]) => new Promise<void>((ok, fail) => {
    const p = spawn('g++', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => (code === 0 ? ok() : fail(new Error(`g++ ${args.join(' ')}\n${err.slice(0, 4000)}`))));
  });
  const queue = [...jobs];
  const worker = async () => { for (let j = queue.shift(); j; j = queue.shift()) await run(j); };
  await Promise.all([worker(), worker()]);
}

/** -w only for the official headers (they warn a lot under -Wall). */
const flags = (inc: string) => ['-std=c++14', '-O1', '-I', inc, ...(inc === OURS ? ['-Wall', '-Werror'] : ['-w'])];

async function buildDriver(inc: string, tag: string): Promise<string> {
  const gen = join(work, 'gen');
  const src = existsSync(join(gen, 'registry.h'))
    ? { parts: [0, 1, 2, 3].map((p) => join(gen, `part${p}.cpp`)), registry: join(gen, 'registry.h') }
    : generateDriver(VECTORS, gen, 4);
  const objs = [...src.parts, join(ROOT, 'test/hw/ap_vectors_driver.cpp')].map((f, i) => ({ f, o: join(work, `${tag}${i}.o`) }));
  const t0 = Date.now();
  await gxxAll(objs.map(({ f, o }) => [...flags(inc), '-I', join(ROOT, 'test/hw'), `-DREGISTRY_H="${src.registry}"`, '-c', f, '-o', o]));
  const exe = join(work, `driver-${tag}`);
  await gxxAll([['-o', exe, ...objs.map(({ o }) => o)]]);
  console.log(`ap vector driver (${tag}) built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return exe;
}

function runDriver(exe: string): void {
  const r = spawnSync(exe, ['10'], { input: gunzipSync(readFileSync(VECTORS)), maxBuffer: 1 << 26, encoding: 'utf8' });
  const out = r.stdout ?? '';
  const m = /TOTAL (\d+) MISMATCHES (\d+) UNKNOWN (\d+)/.exec(out);
  expect(m, `driver output:\n${out}\n${r.stderr}`).not.toBeNull();
  // On failure the message carries the first mismatching lines.
  expect({ mismatches: Number(m![2]), unknown: Number(m![3]), first: out.split('\n').filter((l) => l.startsWith('MISMATCH')) })
    .toEqual({ mismatches: 0, unknown: 0, first: [] });
  expect(Number(m![1])).toBe(220_000);
}

const haveVectors = existsSync(VECTORS);
describe.skipIf(!haveVectors)(`ap headers vs official vectors${haveVectors ? '' : ' (skipped: ../shared/ap-vectors not found)'}`, () => {
  it('hw/include reproduces all 220k official results', async () => { runDriver(await buildDriver(OURS, 'ours')); }, TIMEOUT);
  (OFFICIAL ? it : it.skip)(
    OFFICIAL ? 'the official headers pass the same driver (driver sanity check)'
      : 'the official headers pass the same driver (skipped: set XILINX_AP_INCLUDE to the official include dir)',
    async () => { runDriver(await buildDriver(OFFICIAL!, 'official')); }, TIMEOUT);
});

// ---------------------------------------------------------------------------------------------
// API-surface probe. Each line prints key=value; values of ap types are their raw hex pattern.
const PROBE = String.raw`#include <ap_fixed.h>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
template <class T> std::string hex(const T& x) {
  ap_uint<T::width> v = x.range(T::width - 1, 0); ap_uint<128> t = v; char b[48];
  unsigned long long hi = (t >> 64).to_uint64(), lo = t.to_uint64();
  if (hi) snprintf(b, sizeof b, "%llx%016llx", hi, lo); else snprintf(b, sizeof b, "%llx", lo);
  return b;
}
template <class T> std::string str(const T& x) { std::ostringstream o; o << x; return o.str(); }
#define OUT(k, ...) std::cout << (k) << "=" << (__VA_ARGS__) << "\n"
#define HEX(k, ...) OUT(k, hex(__VA_ARGS__))
#define INT(k, ...) OUT(k, (long long)(__VA_ARGS__))
#define TY(k, ...) do { auto t_ = (__VA_ARGS__); OUT(k, std::to_string(decltype(t_)::width) + ((decltype(t_))(-1) < 0 ? "s" : "u")); } while (0)
#define FTY(k, ...) do { auto t_ = (__VA_ARGS__); OUT(k, std::to_string(decltype(t_)::width) + "," + std::to_string(decltype(t_)::iwidth) + ((decltype(t_))(-1) < 0 ? "s" : "u")); } while (0)
int main() {
  { ap_int<24> x = -123456;  // part-select write/read round trip
    for (int k = 0; k < 6; ++k) {
      const int hi = 3 + 4 * k - (k & 1), lo = 2 * k; ap_uint<24> v = 0x5a5a5a ^ (k * 0x1111);
      x.range(hi, lo) = v; HEX("rng.x" + std::to_string(k), x); HEX("rng.r" + std::to_string(k), ap_uint<24>(x.range(hi, lo)));
    }
    ap_fixed<20,7> f = -3.140625; HEX("rng.f0", f); f.range(12,5) = 0xC3; HEX("rng.f1", f); ap_uint<20> all = f.range(); HEX("rng.f2", all);
    INT("rng.f3", f.range(19,16).to_int()); f[19] = 0; HEX("rng.f4", f); INT("rng.f5", f[5]); INT("rng.f6", x.range(23,20) == 5);
    ap_int<8> g; g.range(7,0) = ap_fixed<8,4>(-2.5); HEX("rng.g", g); ap_fixed<8,4> h; h.range(7,0) = ap_fixed<8,2>(-1.25); HEX("rng.h", h);
    INT("rng.i", ap_uint<8>(0x35).range(0,7)); ap_uint<8> r = 0; r.range(1,6) = 0x9; HEX("rng.j", r); }
  { ap_fixed<12,4,AP_RND,AP_SAT> a = 3.25; a += ap_fixed<8,3>(2.5); HEX("cmp.a", a); a *= ap_fixed<8,2>(-0.75); HEX("cmp.b", a); a -= 3; HEX("cmp.c", a);
    a += ap_int<6>(-20); HEX("cmp.d", a); ap_fixed<10,3> t = 1.5; t *= ap_fixed<10,3>(-1.3); HEX("cmp.e", t); t += 7; HEX("cmp.f", t);
    ap_int<8> i = 100; i += 50; HEX("cmp.g", i); i *= -3; HEX("cmp.h", i); i += ap_fixed<8,4>(-2.75); HEX("cmp.i", i);
    ap_uint<6> u = 3; u -= 5; HEX("cmp.j", u); u++; HEX("cmp.k", u); }
  { ap_fixed<16,6> a = -1.5; ap_ufixed<8,4> b = 2.5;  // comparisons
    INT("rel.a", a < b); INT("rel.b", a == -1.5); INT("rel.c", a < 3u); INT("rel.d", ap_int<32>(-1) < ap_uint<32>(1)); INT("rel.e", ap_int<32>(-1) < ap_uint<8>(1));
    INT("rel.f", ap_int<32>(-1) == ap_uint<32>(0xffffffffu)); INT("rel.g", ap_int<64>(-1) == ap_uint<64>(~0ULL)); INT("rel.h", ap_fixed<8,4>(-1) > ap_ufixed<40,36>(1));
    INT("rel.i", 3 > a); INT("rel.j", ap_fixed<40,10>(0.5) == ap_fixed<8,1>(0.5)); INT("rel.k", ap_int<8>(3) < 3.5); INT("rel.l", ap_fixed<20,4>(1.0/3) == 1.0/3);
    INT("rel.m", ap_ufixed<32,32>(5) > -1); INT("rel.n", ap_fixed<8,8>(5) > -1); INT("rel.o", ap_int<8>(-1) == ap_uint<8>(255)); INT("rel.p", ap_fixed<8,4>(2.5) >= ap_int<4>(2));
    INT("rel.q", a != b); INT("rel.r", a <= -1.5); }
  { ap_int<8> a = -20; ap_uint<8> u = 0xF0; ap_fixed<8,3> f = -1.75;  // shifts keep the type
    HEX("sh.a", a << 2); HEX("sh.b", a >> 2); HEX("sh.c", a << -2); HEX("sh.d", a >> 9); HEX("sh.e", a << 8); HEX("sh.f", a >> ap_int<4>(-1));
    HEX("sh.g", u >> 3); HEX("sh.h", u << 3u); HEX("sh.i", u >> 100); HEX("sh.j", f << 1); HEX("sh.k", f >> 2); HEX("sh.l", f << -1); HEX("sh.m", f >> 9);
    f <<= 2; HEX("sh.n", f); }
  { INT("int.a", ap_fixed<8,3>(-2.5).to_int()); INT("int.b", ap_fixed<8,3>(-0.25).to_int()); INT("int.c", ap_fixed<8,3>(2.75).to_int());
    INT("int.d", ap_fixed<8,0>(-0.25).to_int()); INT("int.e", ap_fixed<4,8>(-16).to_int()); INT("int.f", ap_fixed<20,40>(-3.0e11).to_int64());
    INT("int.g", ap_fixed<20,40>(-3.0e11).to_int()); INT("int.h", (int)ap_fixed<8,3>(-1.5)); ap_int<8> i = ap_fixed<8,3>(-3.5); INT("int.i", i);
    ap_uint<8> u = ap_fixed<8,3>(-3.5); INT("int.j", u); INT("int.k", ap_ufixed<8,4>(7.9375).to_int()); }
  { ap_fixed<16,6> a = -2.75; ap_int<8> i = -3; ap_uint<8> u = 250;  // mixed operands: exact result, widened type
#define MIX(k, ...) do { HEX("mix." k, __VA_ARGS__); FTY("mixt." k, __VA_ARGS__); } while (0)
#define IMIX(k, ...) do { HEX("mix." k, __VA_ARGS__); TY("mixt." k, __VA_ARGS__); } while (0)
    MIX("a", a + 3); MIX("b", 3 - a); MIX("c", a * -2); MIX("d", a * i); MIX("e", u + a); MIX("f", a * 5u); MIX("g", -a); MIX("h", a - ap_ufixed<8,8>(200));
    IMIX("i", i + u); IMIX("j", i - u); IMIX("k", u * i); IMIX("l", i + 1); IMIX("m", -i); IMIX("n", -u); IMIX("o", u & i); IMIX("p", ~u); }
  for (int k = -40; k < 40; k += 3) {  // overflow modes, including AP_WRAP_SM and AP_WRAP with N saturated bits
    const ap_fixed<12,6> s = k * 0.40625; const std::string n = std::to_string(k);
    HEX("ovf.sm0." + n, ap_fixed<5,2,AP_RND_CONV,AP_WRAP_SM>(s)); HEX("ovf.sm1." + n, ap_fixed<5,2,AP_TRN,AP_WRAP_SM,1>(s));
    HEX("ovf.sm2." + n, ap_fixed<6,3,AP_RND,AP_WRAP_SM,2>(s)); HEX("ovf.wr2." + n, ap_fixed<6,3,AP_TRN,AP_WRAP,2>(s));
    HEX("ovf.wu2." + n, ap_ufixed<6,3,AP_RND_INF,AP_WRAP,2>(s)); HEX("ovf.sym." + n, ap_fixed<5,2,AP_RND_ZERO,AP_SAT_SYM>(s));
    HEX("ovf.sz." + n, ap_ufixed<5,2,AP_RND_MIN_INF,AP_SAT_ZERO>(s)); HEX("ovf.tz." + n, ap_fixed<7,4,AP_TRN_ZERO,AP_SAT>(s)); }
  { HEX("div.a", ap_uint<8>(200) / ap_uint<4>(7)); HEX("div.b", ap_uint<8>(200) % ap_uint<4>(7)); HEX("div.c", ap_int<8>(-100) / ap_int<8>(7));
    HEX("div.d", ap_int<8>(-100) % ap_int<8>(7)); HEX("div.e", ap_int<8>(-128) / ap_int<8>(-1)); TY("divt.e", ap_int<8>(-128) / ap_int<8>(-1));
    HEX("div.f", ap_uint<8>(200) / ap_int<8>(-3)); TY("divt.f", ap_uint<8>(200) / ap_int<8>(-3)); HEX("div.g", ap_uint<8>(200) % ap_int<8>(-3));
    HEX("div.h", ap_int<8>(-100) % ap_uint<8>(30)); HEX("div.i", ap_uint<100>((ap_uint<100>(1) << 90) + 7) / ap_uint<8>(10)); HEX("div.j", 1000 / ap_uint<8>(7));
    ap_uint<16> q = 1000; q /= 7; HEX("div.k", q); q %= ap_uint<3>(5); HEX("div.l", q); }
  { OUT("pr.a", str(ap_fixed<16,6>(-0.6328125))); OUT("pr.b", str(ap_fixed<20,18>(100000.5))); OUT("pr.c", str(ap_fixed<40,30>(123456789.25)));
    OUT("pr.d", str(ap_fixed<24,2>(0.0000305))); OUT("pr.e", str(ap_fixed<16,6>(0))); OUT("pr.f", str(ap_ufixed<24,24>(1200000)));
    OUT("pr.g", str(ap_int<8>(-128))); OUT("pr.h", str(ap_uint<128>(-1))); OUT("pr.i", str(ap_fixed<30,26>(9999999.5))); OUT("pr.j", str(ap_fixed<16,6>(1.25).range(15,0)));
    OUT("pr.k", str(ap_int<16>(-2).range(15,8))); std::ostringstream o; o.precision(3); o << ap_fixed<16,6>(3.14159); OUT("pr.l", o.str());
    std::ostringstream w; w.width(8); w.fill('*'); w << ap_fixed<16,6>(-1.5); OUT("pr.m", w.str()); OUT("pr.n", str(ap_fixed<32,2>(0.0001))); }
  { INT("misc.a", ap_fixed<8,3>(0).is_zero()); INT("misc.b", ap_fixed<8,3>(-0.125).is_neg()); INT("misc.c", ap_ufixed<8,3>(7).is_neg()); INT("misc.d", ap_int<8>(0).iszero());
    HEX("misc.e", ap_fixed<8,3>(1.0f / 3)); HEX("misc.f", ap_int<8>(-3.9)); HEX("misc.g", ap_uint<8>(-1.5)); HEX("misc.h", ap_int<16>(1e30)); INT("misc.i", ap_uint<8>(250) + 10);
    INT("misc.j", ap_int<8>(5)[2]); ap_int<8> c = 127; c++; HEX("misc.k", c); OUT("misc.l", ap_int<100>(-12345).to_double()); OUT("misc.m", (ap_int<100>(1) << 80).to_double()); }
  return 0;
}
`;

// ---- independent expectations (exact integer math) -----------------------------------------
const mask = (w: number) => (1n << BigInt(w)) - 1n;
const hex = (v: bigint, w: number) => (v & mask(w)).toString(16);
const K = 200;
/** Exact value of a double as an integer count of 2^-K. */
const dy = (x: number) => BigInt(x * 2 ** K);
const floorShift = (v: bigint, s: number) => (s >= 0 ? v >> BigInt(s) : v << BigInt(-s));
type Q = 'RND' | 'RND_ZERO' | 'RND_MIN_INF' | 'RND_INF' | 'RND_CONV' | 'TRN' | 'TRN_ZERO';
/** Round v (in units 2^-fs) to units 2^-ft; ties and directions by the mode's definition. */
function quant(v: bigint, fs: number, ft: number, q: Q): bigint {
  const d = fs - ft;
  if (d <= 0) return v << BigInt(-d);
  const D = 1n << BigInt(d), t = v >> BigInt(d), rem = v - t * D, half = D / 2n;
  const up: Record<Q, boolean> = {
    TRN: false, TRN_ZERO: v < 0n && rem > 0n, RND: rem >= half, RND_MIN_INF: rem > half,
    RND_ZERO: rem > half || (rem === half && v < 0n), RND_INF: rem > half || (rem === half && v >= 0n),
    RND_CONV: rem > half || (rem === half && (t & 1n) === 1n),
  };
  return up[q] ? t + 1n : t;
}
type O = 'SAT' | 'SAT_ZERO' | 'SAT_SYM' | 'WRAP' | 'WRAP_SM';
/**
 * Store quantised value q into a W-bit pattern. `ld` is bit W of the value before rounding
 * (needed by AP_WRAP_SM); the N-bit variants follow the official header's definition.
 */
function store(q: bigint, w: number, s: boolean, o: O, n = 0, ld = 0n): bigint {
  const lo = s ? -(1n << BigInt(w - 1)) : 0n, hi = s ? (1n << BigInt(w - 1)) - 1n : mask(w);
  let r = q & mask(w);
  if (q >= lo && q <= hi && !(o === 'SAT_SYM' && s && q === lo)) return r;
  const neg = q < 0n ? 1n : 0n, msb = 1n << BigInt(w - 1), ro = (r >> BigInt(w - 1)) & 1n;
  const top = (bits: bigint) => (neg ? r & ~bits : r | bits);  // bits w-n..w-2 := !sign
  const mid = mask(w - 1) & ~mask(Math.max(w - n, 0));
  if (o === 'SAT' || o === 'SAT_SYM') return (q > hi ? hi : o === 'SAT_SYM' && s ? -hi : lo) & mask(w);
  if (o === 'SAT_ZERO') return 0n;
  if (o === 'WRAP') {
    if (n === 0) return r;
    if (!s) return r | (mask(w) & ~mask(w - n));
    r = top(mid);
    return neg ? r | msb : r & ~msb;
  }
  if (n === 0) return ld !== ro ? (~r & mask(w - 1)) | (ld << BigInt(w - 1)) : r;
  if (n === 1 ? neg !== ro : ((r >> BigInt(w - n)) & 1n) === neg) r = ~r & mask(w);
  if (n > 1) r = top(mid);
  return neg ? r | msb : r & ~msb;
}

function expected(): Map<string, string> {
  const e = new Map<string, string>();
  const put = (k: string, v: string | bigint | number | boolean) => e.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  // part-selects
  let x = -123456n & mask(24);
  for (let k = 0; k < 6; ++k) {
    const hi = 3 + 4 * k - (k & 1), lo = 2 * k, v = BigInt(0x5a5a5a ^ (k * 0x1111));
    const m = mask(hi - lo + 1) << BigInt(lo);
    x = (x & ~m) | ((v << BigInt(lo)) & m);
    put(`rng.x${k}`, hex(x, 24)); put(`rng.r${k}`, hex((x & m) >> BigInt(lo), 24));
  }
  let f = dy(-3.140625) >> BigInt(K - 13) & mask(20);
  put('rng.f0', hex(f, 20));
  f = (f & ~(0xffn << 5n)) | (0xc3n << 5n);
  put('rng.f1', hex(f, 20)); put('rng.f2', hex(f, 20)); put('rng.f3', Number(f >> 16n));
  f &= ~(1n << 19n);
  put('rng.f4', hex(f, 20)); put('rng.f5', Number((f >> 5n) & 1n)); put('rng.f6', (x >> 20n) === 5n);
  put('rng.g', hex(-2n, 8)); put('rng.h', hex(dy(-1.25) >> BigInt(K - 6), 8));  // integer part vs raw bits
  put('rng.i', 0xac); put('rng.j', hex(0x48n, 8));  // hi < lo selects bit-reversed (official)
  // compound assignment = exact op, then the left type's quantisation/overflow
  const fx = (v: number, f2: number, w: number, q: Q = 'TRN', o: O = 'WRAP') => store(quant(dy(v), K, f2, q), w, true, o);
  const sv = (p: bigint, w: number) => BigInt.asIntN(w, p);
  let a = fx(3.25, 8, 12);  // ap_fixed<12,4,AP_RND,AP_SAT>, LSB 2^-8
  a = store(sv(a, 12) + 80n * 8n, 12, true, 'SAT'); put('cmp.a', hex(a, 12));  // + ap_fixed<8,3>(2.5)
  a = store(quant(sv(a, 12) * -48n, 14, 8, 'RND'), 12, true, 'SAT'); put('cmp.b', hex(a, 12));  // * -0.75 (LSB 2^-6)
  a = store(sv(a, 12) - 3n * 256n, 12, true, 'SAT'); put('cmp.c', hex(a, 12));
  a = store(sv(a, 12) - 20n * 256n, 12, true, 'SAT'); put('cmp.d', hex(a, 12));
  let t = BigInt.asIntN(10, store(quant(192n * BigInt.asIntN(10, fx(-1.3, 7, 10)), 14, 7, 'TRN'), 10, true, 'WRAP'));
  put('cmp.e', hex(t, 10)); t += 7n * 128n; put('cmp.f', hex(t, 10));
  put('cmp.g', hex(150n, 8)); put('cmp.h', hex(BigInt.asIntN(8, 150n) * -3n, 8)); put('cmp.i', hex(BigInt.asIntN(8, BigInt.asIntN(8, 150n) * -3n) - 2n, 8));
  put('cmp.j', hex(-2n, 6)); put('cmp.k', hex(-1n, 6));
  // comparisons: exact order, except the C-like signed/unsigned rule (literals checked with official)
  const rel = '1 1 0 0 1 0 1 1 1 1 1 0 0 1 0 1 1 1'.split(' ');
  rel.forEach((v, i) => put(`rel.${String.fromCharCode(97 + i)}`, v));
  // shifts
  const sh: [string, bigint, number][] = [['a', -80n, 8], ['b', -5n, 8], ['c', -5n, 8], ['d', -1n, 8], ['e', 0n, 8], ['f', -40n, 8],
    ['g', 0x1en, 8], ['h', 0x780n, 8], ['i', 0n, 8], ['j', -112n, 8], ['k', -14n, 8], ['l', -28n, 8], ['m', -1n, 8], ['n', -224n, 8]];
  for (const [k, v, w] of sh) put(`sh.${k}`, hex(v, w));
  // to_int truncates toward zero; I <= 0 gives -1 for negatives (official quirk)
  const big = floorShift(dy(-3.0e11), K + 20) << 20n;
  for (const [k, v] of [['a', -2], ['b', 0], ['c', 2], ['d', -1], ['e', -16], ['f', big], ['g', BigInt.asIntN(32, big)], ['h', -1], ['i', -3], ['j', 253], ['k', 7]] as const)
    put(`int.${k}`, v);
  // mixed-type arithmetic: exact values in the official result types
  const A = -2.75 * 1024;
  const mix: [string, bigint, number, string][] = [
    ['a', BigInt(A + 3 * 1024), 43, '43,33s'], ['b', BigInt(3 * 1024 - A), 43, '43,33s'], ['c', BigInt(-2 * A), 48, '48,38s'],
    ['d', BigInt(-3 * A), 24, '24,14s'], ['e', BigInt(250 * 1024 + A), 20, '20,10s'], ['f', BigInt(5 * A), 48, '48,38s'],
    ['g', BigInt(-A), 17, '17,7s'], ['h', BigInt(A - 200 * 1024), 20, '20,10s'],
    ['i', 247n, 10, '10s'], ['j', -253n, 10, '10s'], ['k', -750n, 16, '16s'], ['l', -2n, 33, '33s'], ['m', 3n, 9, '9s'], ['n', -250n, 9, '9s'],
    ['o', 250n & -3n, 9, '9s'], ['p', 5n, 8, '8u'],
  ];
  for (const [k, v, w, ty] of mix) { put(`mix.${k}`, hex(v, w)); put(`mixt.${k}`, ty); }
  // overflow modes over a sweep of ap_fixed<12,6> sources
  for (let k = -40; k < 40; k += 3) {
    const s = BigInt(k) * 26n;  // k * 0.40625 in units of 2^-6
    const ldOf = (w: number, f: number) => (floorShift(s, 6 - f) >> BigInt(w)) & 1n;
    put(`ovf.sm0.${k}`, hex(store(quant(s, 6, 3, 'RND_CONV'), 5, true, 'WRAP_SM', 0, ldOf(5, 3)), 5));
    put(`ovf.sm1.${k}`, hex(store(quant(s, 6, 3, 'TRN'), 5, true, 'WRAP_SM', 1), 5));
    put(`ovf.sm2.${k}`, hex(store(quant(s, 6, 3, 'RND'), 6, true, 'WRAP_SM', 2), 6));
    put(`ovf.wr2.${k}`, hex(store(quant(s, 6, 3, 'TRN'), 6, true, 'WRAP', 2), 6));
    put(`ovf.wu2.${k}`, hex(store(quant(s, 6, 3, 'RND_INF'), 6, false, 'WRAP', 2), 6));
    put(`ovf.sym.${k}`, hex(store(quant(s, 6, 3, 'RND_ZERO'), 5, true, 'SAT_SYM'), 5));
    put(`ovf.sz.${k}`, hex(store(quant(s, 6, 3, 'RND_MIN_INF'), 5, false, 'SAT_ZERO'), 5));
    put(`ovf.tz.${k}`, hex(store(quant(s, 6, 3, 'TRN_ZERO'), 7, true, 'SAT'), 7));
  }
  // integer division truncates toward zero; an unsigned dividend % negative divisor is unchanged
  const divs: [string, bigint, number][] = [['a', 28n, 8], ['b', 4n, 4], ['c', -14n, 9], ['d', -2n, 8], ['e', 128n, 9], ['f', -66n, 9], ['g', 200n, 8],
    ['h', -10n, 8], ['i', ((1n << 90n) + 7n) / 10n, 100], ['j', 142n, 33], ['k', 142n, 16], ['l', 2n, 16]];
  for (const [k, v, w] of divs) put(`div.${k}`, hex(v, w));
  put('divt.e', '9s'); put('divt.f', '9s');
  // ostream text recorded from the official headers (half-up decimal rounding, not a double's)
  const pr = ['-0.632813', '100001', '1.23456e+08', '3.02792e-05', '0', '1200000', '-128', '340282366920938463463374607431768211455',
    '9.99999e+06', '0b010100000000', '255', '3.14', '***********-1.5', '9.99998e-05'];
  pr.forEach((v, i) => put(`pr.${String.fromCharCode(97 + i)}`, v));
  const misc = ['1', '1', '0', '1', hex(quant(dy(1 / 3), K, 5, 'TRN'), 8), hex(-3n, 8), hex(255n, 8), '0', '260', '1', '80', '-12345', '0'];
  misc.forEach((v, i) => put(`misc.${String.fromCharCode(97 + i)}`, v));
  return e;
}

async function runProbe(inc: string, tag: string): Promise<string> {
  const src = join(work, 'probe.cpp'), exe = join(work, `probe-${tag}`);
  writeFileSync(src, PROBE);
  await gxxAll([[...flags(inc), src, '-o', exe]]);
  const r = spawnSync(exe, { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout;
}

describe('ap header API surface', () => {
  it('matches exact BigInt expectations and recorded official results', async () => {
    const got = new Map((await runProbe(OURS, 'ours')).trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    const want = expected();
    const diff = [...want].filter(([k, v]) => got.get(k) !== v).map(([k, v]) => `${k}: got ${got.get(k)} want ${v}`);
    expect(diff).toEqual([]);
    expect([...got.keys()].filter((k) => !want.has(k))).toEqual([]);
  }, TIMEOUT);
  (OFFICIAL ? it : it.skip)(
    OFFICIAL ? 'prints exactly what the official headers print'
      : 'prints exactly what the official headers print (skipped: set XILINX_AP_INCLUDE to the official include dir)',
    async () => {
      const [ours, theirs] = await Promise.all([runProbe(OURS, 'ours2'), runProbe(OFFICIAL!, 'official')]);
      expect(ours.split('\n')).toEqual(theirs.split('\n'));
    }, TIMEOUT);
});
