/**
 * @fileoverview design.json, the build folder's copy of the design IR (what `fpgac sim DIR` and `fpgac verify DIR`
 * run; read and checked by src/design-file.ts). File version 1 is the IR as plain JSON; version 2, written since,
 * is the same IR with every constant's raws of at least 64 integers that fit 32 bits as base64 of little-endian
 * 8-, 16- or 32-bit integers (`"raw": {"i16": "..."}`): a few million weights then cost the writer and the reader a
 * string instead of millions of numbers to print and parse. The in-memory design stays version 1.
 */
import type { Design } from './design.js';

export const DESIGN_FILE_VERSION = 2;

/** Element types of encoded raws: bytes per element and the range each holds. */
const ENCODINGS = [
  { key: 'i8', bytes: 1, lo: -(2 ** 7), hi: 2 ** 7 - 1 },
  { key: 'i16', bytes: 2, lo: -(2 ** 15), hi: 2 ** 15 - 1 },
  { key: 'i32', bytes: 4, lo: -(2 ** 31), hi: 2 ** 31 - 1 },
] as const;

/** Raw arrays shorter than this stay plain JSON (readable, and no faster encoded). */
const ENCODE_FROM = 64;

function encodeRaws(raw: readonly number[]): unknown {
  if (raw.length < ENCODE_FROM) return raw;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    if (!Number.isInteger(r)) return raw;
    if (r < lo) lo = r; else if (r > hi) hi = r;
  }
  const e = ENCODINGS.find((x) => lo >= x.lo && hi <= x.hi);
  if (!e) return raw;
  const buf = Buffer.alloc(raw.length * e.bytes);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  if (e.bytes === 1) for (let i = 0; i < raw.length; i++) view.setInt8(i, raw[i]);
  else if (e.bytes === 2) for (let i = 0; i < raw.length; i++) view.setInt16(2 * i, raw[i], true);
  else for (let i = 0; i < raw.length; i++) view.setInt32(4 * i, raw[i], true);
  return { [e.key]: buf.toString('base64') };
}

/** design.json's text (file version 2): the design with its long raw arrays encoded. */
export function designJson(design: Design): string {
  return JSON.stringify({ ...design, version: DESIGN_FILE_VERSION }, (key, value: unknown) => (key === 'raw' && Array.isArray(value) ? encodeRaws(value as number[]) : value)) + '\n';
}

/**
 * Decodes every encoded `raw` in place (the parsed file is ours to change); returns what is wrong with one that is
 * not a base64 string of whole elements, or undefined.
 */
export function decodeRaws(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const x of node) { const bad = decodeRaws(x); if (bad) return bad; }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const o = node as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'raw' && v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const e = ENCODINGS.find((x) => x.key === keys[0]);
      const text = (v as Record<string, unknown>)[keys[0]];
      if (keys.length !== 1 || !e || typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return 'a constant\'s raws are neither a list nor one base64 string of i8, i16 or i32';
      const buf = Buffer.from(text, 'base64');
      if (buf.length % e.bytes) return `a constant's ${e.key} raws are ${buf.length} bytes, not whole elements`;
      const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
      const out = new Array<number>(buf.length / e.bytes);
      if (e.bytes === 1) for (let i = 0; i < out.length; i++) out[i] = view.getInt8(i);
      else if (e.bytes === 2) for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true);
      else for (let i = 0; i < out.length; i++) out[i] = view.getInt32(4 * i, true);
      o[k] = out;
    } else {
      const bad = decodeRaws(v);
      if (bad) return bad;
    }
  }
  return undefined;
}
