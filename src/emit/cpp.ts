/**
 * @fileoverview Small, pure helpers for writing C++ text: identifiers and exact constant literals.
 */
import { fracBits, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';

/**
 * A decimal literal of exactly raw · 2^-frac. Every such dyadic value with |raw| < 2^53 is a double, and JavaScript
 * prints a double as the shortest decimal that reads back as that same double; a C++ compiler reads a decimal
 * literal as the nearest double, so it gets exactly this value, which ap_fixed then converts exactly: the emitted
 * constant has the simulator's bits with both the official and our host headers. Integral values get '.0' so that
 * a large one is a double literal, never an out-of-range integer literal. (The full exact decimal, raw · 5^f / 10^f,
 * spells the same double with up to f + 16 digits: several times slower to write and for the compiler to read.)
 */
export function exactDecimal(raw: number, frac: number): string {
  if (!Number.isSafeInteger(raw)) throw new Error(`internal error: raw ${raw} is not a safe integer`);
  if (raw === 0) return '0';
  const s = String(raw * 2 ** -frac);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/**
 * A raw as a decimal integer ("-44", never "-0"). Throws when the raw is not a value of the format, so a header can
 * never hold a pattern the simulator does not.
 */
export function rawLiteral(raw: number, f: FixedFormat): string {
  if (!Number.isSafeInteger(raw) || raw < minRaw(f) || raw > maxRaw(f)) {
    throw new Error(`internal error: raw ${raw} is not a value of ${f.signed ? 'signed' : 'unsigned'} ${f.width}-bit raws`);
  }
  return raw === 0 ? '0' : String(raw);
}

/**
 * Raws as the C string literal `fpgac::load_raws` (hw/fpgac/common.h) parses: decimal integers separated by
 * spaces, `perLine` to a line, one literal piece per line (adjacent literals concatenate). Only digits, '-' and
 * spaces appear, so nothing needs escaping and no trigraph or escape sequence can form.
 */
export function rawsText(raws: ArrayLike<number>, f: FixedFormat, perLine = 16, indent = '  '): Buffer {
  if (!raws.length) return Buffer.from(`${indent}""`, 'latin1');
  const lo = minRaw(f);
  const hi = maxRaw(f);
  // rawLiteral's check, with the format's range computed once (headers of millions of weights).
  const spell = (r: number) => (Number.isSafeInteger(r) && r >= lo && r <= hi ? String(r === 0 ? 0 : r) : rawLiteral(r, f));
  return listBytes(raws, spell, { perLine, lineStart: `${indent}"`, sep: ' ', lineEnd: ' "', lineSep: '\n' });
}

/**
 * A C identifier from an ONNX name: non-alphanumerics become '_', runs of '_' collapse and leading or trailing ones
 * go, a leading digit gets a prefix. The result matches [A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*: ASCII, never
 * reserved by the C++ standard (no leading '_', no '__'), and fit to be a prefix or suffix of other identifiers.
 * It can still be a keyword or a library name (`int`, `y0`): src/quant/lower.ts `Names` only ever uses it behind a
 * generated prefix or before a generated suffix.
 */
export function cIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '');
  return /^[A-Za-z]/.test(s) ? s : s ? `v_${s}` : 'v';
}

/**
 * The synthesis initializers of `raws`: `R(r)` each (0 as itself), `perLine` to a line, for a header that defines
 * R(r) as (r) * 2^-frac (SCALED_MACRO): the product of an integer below 2^53 and a power of two is an exact double,
 * which ap_fixed converts exactly, as it would the decimal literal of the same value, in about half the bytes.
 */
export function scaledText(raws: ArrayLike<number>, f: FixedFormat, perLine = 16, indent = '  '): Buffer {
  const lo = minRaw(f);
  const hi = maxRaw(f);
  const spell = (r: number) => {
    if (!(Number.isSafeInteger(r) && r >= lo && r <= hi)) rawLiteral(r, f);
    return r === 0 ? '0' : `R(${r})`;
  };
  return listBytes(raws, spell, { perLine, lineStart: indent, sep: ',', lineEnd: '', lineSep: ',\n' });
}

/** The scale R(r) multiplies by, 2^-frac as a decimal a C++ compiler reads back exactly. */
export const scaleLiteral = (f: FixedFormat): string => exactDecimal(1, fracBits(f));

/** How listBytes lays out items: `perLine` to a line, each line lineStart item sep item ... lineEnd. */
export interface ListLayout {
  readonly perLine: number;
  readonly lineStart: string;
  readonly sep: string;
  readonly lineEnd: string;
  readonly lineSep: string;
}

/**
 * The items `spell(raws[i])` laid out in lines, as ASCII bytes. Each distinct raw is spelled once (a layer of
 * millions of weights holds at most 2^width of them) and the output is sized first and filled in place: no string
 * of the whole list is ever built, so a header of tens of megabytes costs its bytes and little time.
 */
export function listBytes(raws: ArrayLike<number>, spell: (r: number) => string, l: ListLayout): Buffer {
  const n = raws.length;
  // Spellings cached by raw: an array indexed by raw − min when the raws span a small range (any format up to ~20
  // bits: an array index is several times cheaper than a Map lookup), else a Map. Each distinct spelling's ASCII
  // bytes go once into a pool; the output is then copied byte by byte from the pool (a header of millions of values
  // costs a few short copies per value, no string per line).
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) { const r = raws[i]; if (r < lo) lo = r; if (r > hi) hi = r; }
  const dense = n > 0 && Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && hi - lo <= 1 << 20;
  const slot: Int32Array | undefined = dense ? new Int32Array(hi - lo + 1).fill(-1) : undefined;
  const slots = new Map<number, number>();
  const start: number[] = [];
  const length: number[] = [];
  let pool = new Uint8Array(1024);
  let used = 0;
  const add = (r: number): number => {
    const t = spell(r);
    while (used + t.length > pool.length) { const p = new Uint8Array(pool.length * 2); p.set(pool); pool = p; }
    for (let k = 0; k < t.length; k++) pool[used + k] = t.charCodeAt(k);
    start.push(used);
    length.push(t.length);
    used += t.length;
    return start.length - 1;
  };
  const ids = new Int32Array(n);
  let items = 0;
  for (let i = 0; i < n; i++) {
    const r = raws[i];
    let id: number;
    if (slot) {
      id = slot[r - lo];
      if (id < 0) slot[r - lo] = id = add(r);
    } else {
      const s = slots.get(r);
      if (s === undefined) slots.set(r, (id = add(r))); else id = s;
    }
    ids[i] = id;
    items += length[id];
  }
  const bytes = (s: string) => Buffer.from(s, 'latin1');
  const [ls, sep, le, lsep] = [bytes(l.lineStart), bytes(l.sep), bytes(l.lineEnd), bytes(l.lineSep)];
  const lines = Math.ceil(n / l.perLine);
  const size = items + (n - lines) * sep.length + lines * (ls.length + le.length) + Math.max(0, lines - 1) * lsep.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  const put = (b: Uint8Array) => { for (let k = 0; k < b.length; k++) out[o++] = b[k]; };
  for (let i = 0; i < n; i += l.perLine) {
    if (i > 0) put(lsep);
    put(ls);
    const end = Math.min(n, i + l.perLine);
    for (let k = i; k < end; k++) {
      if (k > i) put(sep);
      const id = ids[k];
      const s0 = start[id];
      const e0 = s0 + length[id];
      for (let b = s0; b < e0; b++) out[o++] = pool[b];
    }
    put(le);
  }
  if (o !== size) throw new Error(`internal error: listBytes wrote ${o} of ${size} bytes`);
  return out;
}

/** Comma-separated literals, wrapped so emitted headers stay readable and diffable. */
export function wrapList(items: readonly string[], perLine = 16, indent = '  '): string {
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += perLine) lines.push(indent + items.slice(i, i + perLine).join(', '));
  return lines.join(',\n');
}

/** `static const unsigned a = 1;` lines for a config struct. */
export function constLines(fields: Readonly<Record<string, number | boolean>>, indent = '  '): string {
  return Object.entries(fields)
    .map(([k, v]) => {
      if (typeof v === 'boolean') return `${indent}static const bool ${k} = ${v};`;
      if (!Number.isSafeInteger(v)) throw new Error(`internal error: config field ${k} = ${v} is not an integer`);
      return v < 0 || Math.abs(v) > 2 ** 31 ? `${indent}static const long long ${k} = ${v}LL;` : `${indent}static const int ${k} = ${v};`;
    })
    .join('\n');
}

/** C++14 keywords and alternative tokens: none can name a function. */
const CPP_KEYWORDS = new Set(('alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t class compl '
  + 'const constexpr const_cast continue decltype default delete do double dynamic_cast else enum explicit export extern false float for '
  + 'friend goto if inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public register '
  + 'reinterpret_cast return short signed sizeof static static_assert static_cast struct switch template this thread_local throw true try '
  + 'typedef typeid typename union unsigned using virtual void volatile wchar_t while xor xor_eq').split(' '));

/**
 * Why `name` cannot be the HLS top function, or undefined when it can: it must be a C identifier that is not a
 * keyword, not reserved to the implementation (`_X`, `__x`), not a name of the testbench or of C's library that the
 * project includes (main, and the few the testbench calls), not the `fpgac`/`hls` namespaces nor an `ap_`/`AP_`
 * name of the ap_types headers, and short enough to stay readable in the tools' file names.
 */
export function topNameProblem(name: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'is not a C identifier';
  if (name.length > 64) return 'is longer than 64 characters';
  if (CPP_KEYWORDS.has(name)) return 'is a C++ keyword';
  if (/^_[A-Z_]|__/.test(name)) return 'is reserved to the C++ implementation (leading underscore and capital, or two underscores)';
  if (['main', 'printf', 'fprintf', 'exit', 'abort', 'malloc', 'free', 'memcpy', 'std', 'NULL', 'assert', 'errno'].includes(name)) return `is a name the testbench or the C library uses`;
  if (name === 'fpgac' || name === 'hls' || /^(ap_|AP_)/.test(name)) return 'is a namespace of the kernels or the hls headers, or starts like the ap_types names';
  return undefined;
}
