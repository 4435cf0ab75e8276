/**
 * @fileoverview A tiny WebAssembly assembler: just what sim/wasm/mac.ts needs to write its kernels by hand (no
 * toolchain, no dependency). Instructions are byte arrays; a function is its parameter types, local declarations
 * and a body; `assemble` lays out one module exporting its memory ("mem") and every function by name.
 *
 * Encodings follow the WebAssembly core specification 2.0 (binary format, chapter 5) and its fixed-width SIMD
 * instructions (prefix 0xfd, LEB128 sub-opcode). Only the instructions used are listed.
 */

export type ValType = 'i32' | 'i64' | 'f64' | 'v128';
const TYPE_CODE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f64: 0x7c, v128: 0x7b };

/** Instructions: bytes in nested arrays, flattened once by assemble (no copying while a body is built). */
export type Code = number | readonly Code[];

function flatten(c: Code, out: number[]): number[] {
  if (typeof c === 'number') out.push(c);
  else for (const x of c) flatten(x, out);
  return out;
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: readonly Code[]): number[] => flatten([uleb(items.length), items], []);
const section = (id: number, body: Code): number[] => {
  const bytes = flatten(body, []);
  return [id, ...uleb(bytes.length), ...bytes];
};
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((c) => [c]));

/** Concatenates instruction sequences. */
export const seq = (...parts: readonly Code[]): Code => parts;

// Variables and constants
export const get = (i: number): Code => [0x20, ...uleb(i)];
export const set = (i: number): Code => [0x21, ...uleb(i)];
export const tee = (i: number): Code => [0x22, ...uleb(i)];
export const i32 = (v: number): Code => [0x41, ...sleb(v)];
export function f64(v: number): Code {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [0x44, ...b];
}

// Control: blocks without results; br_if's depth counts enclosing blocks and loops from the innermost (0).
export const loop = (...body: readonly Code[]): Code => [0x03, 0x40, body, 0x0b];
export const block = (...body: readonly Code[]): Code => [0x02, 0x40, body, 0x0b];
export const brIf = (depth: number): Code => [0x0d, ...uleb(depth)];
export const select: Code = [0x1b];

// Scalar arithmetic
export const I32 = {
  add: [0x6a], sub: [0x6b], mul: [0x6c], ltU: [0x49], ltS: [0x48], shl: [0x74], shrU: [0x76], and: [0x71], eqz: [0x45],
  load16s: (offset = 0): Code => [0x2e, 1, ...uleb(offset)], // i32.load16_s (align 2^1)
  store16: (offset = 0): Code => [0x3b, 1, ...uleb(offset)], // i32.store16
  load: (offset = 0): Code => [0x28, 2, ...uleb(offset)],
  /** i32.trunc_f64_s: toward zero; traps outside the int32 range (callers pass int16 raws only). */
  truncF64S: [0xaa],
} as const;
export const F64 = {
  add: [0xa0], sub: [0xa1], mul: [0xa2], lt: [0x63], gt: [0x64],
  store: (offset = 0): Code => [0x39, 3, ...uleb(offset)],
  load: (offset = 0): Code => [0x2b, 3, ...uleb(offset)],
} as const;

// SIMD (v128)
const simd = (op: number, ...imm: number[]): Code => [0xfd, ...uleb(op), ...imm];
export const V128 = {
  load: (offset = 0): Code => simd(0x00, 4, ...uleb(offset)), // align 2^4
  /** v128.load with no alignment promise (align 2^0): eight int16 values starting at any even address. */
  loadU: (offset = 0): Code => simd(0x00, 0, ...uleb(offset)),
  store: (offset = 0): Code => simd(0x0b, 4, ...uleb(offset)),
  /** v128.store with no alignment promise. */
  storeU: (offset = 0): Code => simd(0x0b, 0, ...uleb(offset)),
  zero: simd(0x0c, ...new Array<number>(16).fill(0)), // v128.const 0
  /** i8x16.shuffle: byte i of the result is byte lanes[i] of the two operands concatenated (0-15, 16-31). */
  shuffle: (lanes: readonly number[]): Code => simd(0x0d, ...lanes),
  i32x4Add: simd(174),
  /** i16x8.splat: an i32's low 16 bits in all eight lanes. */
  i16x8Splat: simd(16),
  /** i32x4.extmul_low_i16x8_s / extmul_high_i16x8_s: lanes 0-3 (4-7) of two i16x8 multiplied to exact i32 lanes. */
  i32x4ExtmulLowI16x8S: simd(188),
  i32x4ExtmulHighI16x8S: simd(189),
  /** i32x4.dot_i16x8_s: lane j = a[2j]·b[2j] + a[2j+1]·b[2j+1], wrapping modulo 2^32. */
  i32x4DotI16x8S: simd(186),
  f64x2Add: simd(240),
  f64x2Sub: simd(241),
  f64x2Mul: simd(242),
  /** f64x2.pmin(a, b): b < a ? b : a per lane (JavaScript's comparison, not IEEE minimum). */
  f64x2Pmin: simd(246),
  /** f64x2.lt: all ones in a lane where a < b. */
  f64x2Lt: simd(73),
  f64x2Splat: simd(20),
  /** i32x4.trunc_sat_f64x2_s_zero: two doubles toward zero into lanes 0 and 1 (exact for integers), lanes 2, 3 zero. */
  i32x4TruncSatF64x2SZero: simd(252),
  /** i16x8.narrow_i32x4_s: two i32x4 into eight int16 lanes, saturating (exact inside the int16 range). */
  i16x8NarrowI32x4S: simd(133),
  f64x2ReplaceLane: (lane: number): Code => simd(34, lane),
  /** v128.bitselect(a, b, mask): the bits of a where mask is 1, of b where it is 0. */
  bitselect: simd(82),
  /** f64x2.convert_low_i32x4_s: lanes 0 and 1 as doubles (exact). */
  f64x2ConvertLowI32x4S: simd(254),
} as const;

export interface Func {
  readonly name: string;
  readonly params: readonly ValType[];
  /** Local declarations after the parameters: runs of [count, type]; indices continue after the params. */
  readonly locals: readonly (readonly [number, ValType])[];
  readonly body: Code;
}

/**
 * A module importing one memory ("env" "mem", at least one 64 KiB page) and exporting the given functions (no
 * results). The memory is imported so that each instance gets one created at its final size: growing a memory
 * detaches its ArrayBuffer, and a single detach anywhere makes V8 check every typed-array access for it from then
 * on (the "array buffer detaching" protector), slowing the whole simulator.
 */
export function assemble(funcs: readonly Func[]): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((p) => [TYPE_CODE[p]])), ...vec([])]);
  const code = funcs.map((f) => {
    const body = flatten([vec(f.locals.map(([n, t]) => [...uleb(n), TYPE_CODE[t]])), f.body, 0x0b], []);
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(code)),
  ]);
}
