// Checks sim/fixed.ts against 220,000 input → output pairs produced with the official Xilinx headers
// (see ../shared/ap-vectors/README.md for the C / D / B line formats).
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  O_MODES, Q_MODES, addFormat, addRaw, addRawBig, castRaw, castRawBig, fixed, fracBits, fromDouble, fromDoubleBig,
  mulFormat, mulRaw, mulRawBig, rawFromBits, rawToBits, subFormat, subRaw, subRawBig,
  type FixedFormat,
} from '../../sim/fixed.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS = path.resolve(repoRoot, '../shared/ap-vectors/vectors.txt.gz');

const formats = new Map<string, FixedFormat>();
function fmt(w: string, i: string, s: string, q = '5', o = '3'): FixedFormat {
  const key = `${w} ${i} ${s} ${q} ${o}`;
  let f = formats.get(key);
  if (!f) {
    f = fixed(Number(w), Number(i), { signed: s === '1', q: Q_MODES[Number(q)], o: O_MODES[Number(o)] });
    formats.set(key, f);
  }
  return f;
}

const hex = (h: string) => BigInt('0x' + h);
const dv = new DataView(new ArrayBuffer(8));
function doubleFromBits(h: string): number {
  dv.setBigUint64(0, hex(h));
  return dv.getFloat64(0);
}

/** Both paths where the number path applies; returns a description of the problem or null. */
function checkC(p: string[]): string | null {
  const [, sw, si, ss, dw, di, ds, q, o, srcHex, dstHex] = p;
  const src = fmt(sw, si, ss);
  const dst = fmt(dw, di, ds, q, o);
  const raw = rawFromBits(hex(srcHex), src);
  const want = hex(dstHex);
  const big = rawToBits(castRawBig(raw, fracBits(src), dst), dst);
  if (big !== want) return `castRawBig gave ${big.toString(16)}`;
  if (src.width <= 53 && dst.width <= 53) {
    const num = castRaw(Number(raw), fracBits(src), dst);
    if (rawToBits(BigInt(num), dst) !== want) return `castRaw gave ${num}`;
  }
  return null;
}

function checkD(p: string[]): string | null {
  const [, dw, di, ds, q, o, bits, dstHex] = p;
  const dst = fmt(dw, di, ds, q, o);
  const x = doubleFromBits(bits);
  const want = hex(dstHex);
  const big = rawToBits(fromDoubleBig(x, dst), dst);
  if (big !== want) return `fromDoubleBig(${x}) gave ${big.toString(16)}`;
  if (dst.width <= 53) {
    const num = fromDouble(x, dst);
    if (rawToBits(BigInt(num), dst) !== want) return `fromDouble(${x}) gave ${num}`;
  }
  return null;
}

const OPS = {
  '+': { format: addFormat, num: addRaw, big: addRawBig },
  '-': { format: subFormat, num: subRaw, big: subRawBig },
  '*': { format: mulFormat, num: mulRaw, big: mulRawBig },
} as const;

function checkB(p: string[]): string | null {
  const [, op, w1, i1, s1, w2, i2, s2, aHex, bHex, rw, ri, rs, rHex] = p;
  const impl = OPS[op as keyof typeof OPS];
  if (!impl) return `unknown op ${op}`;
  const fa = fmt(w1, i1, s1);
  const fb = fmt(w2, i2, s2);
  const rf = impl.format(fa, fb);
  if (`${rf.width} ${rf.int} ${rf.signed ? 1 : 0}` !== `${rw} ${ri} ${rs}`) {
    return `result format <${rf.width},${rf.int},${rf.signed}>`;
  }
  const a = rawFromBits(hex(aHex), fa);
  const b = rawFromBits(hex(bHex), fb);
  const want = hex(rHex);
  const big = rawToBits(impl.big(a, fa, b, fb), rf);
  if (big !== want) return `${op}Big gave ${big.toString(16)}`;
  if (rf.width <= 53) {
    const num = impl.num(Number(a), fa, Number(b), fb);
    if (rawToBits(BigInt(num), rf) !== want) return `${op} gave ${num}`;
  }
  return null;
}

describe('official ap_fixed vectors', () => {
  if (!existsSync(VECTORS)) {
    it.skip(`skipped: reference vectors not found at ${VECTORS}`, () => {});
    return;
  }

  it('reproduces all C/D/B lines bit for bit', () => {
    const lines = gunzipSync(readFileSync(VECTORS)).toString('latin1').split('\n');
    const counts = { C: 0, D: 0, B: 0 };
    const mismatches: string[] = [];
    let total = 0;
    for (const line of lines) {
      if (line === '' || line.startsWith('#')) continue;
      const p = line.trim().split(/\s+/);
      const kind = p[0] as keyof typeof counts;
      let err: string | null;
      if (kind === 'C') err = checkC(p);
      else if (kind === 'D') err = checkD(p);
      else if (kind === 'B') err = checkB(p);
      else err = 'unknown line kind';
      if (kind in counts) counts[kind]++;
      total++;
      if (err !== null) mismatches.push(`${line}  ->  ${err}`);
    }
    if (mismatches.length > 0) {
      console.error(`${mismatches.length} mismatches; first 10:\n` + mismatches.slice(0, 10).join('\n'));
    }
    expect(counts).toEqual({ C: 134400, D: 78400, B: 7200 });
    expect(total).toBe(220000);
    expect(mismatches.length).toBe(0);
  });
});
