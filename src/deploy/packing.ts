/**
 * @fileoverview How a design's inputs and outputs travel over AXI (issue 11), written once: the HLS wrapper
 * (src/deploy/wrapper.ts), the testbench, the host drivers (driver/) and the report all read this description, and
 * `packSample`/`unpackSample` here are the reference the C++ and Python packers are tested against.
 *
 * A port is one graph input or output. Its raws are packed little-endian into bus words of `busBits`: each raw fills
 * a byte-aligned field of `fieldBits` (8, 16, 32 or 64: the format's width rounded up, so the host sees a plain
 * int8/int16/int32/int64 or uint* array), sign-extended when the format is signed (zero-extended otherwise), field k
 * of a word holding element `word · perWord + k` at bits [k·fieldBits, (k+1)·fieldBits). The last word of a sample is
 * padded with zero fields. With AXI4-Stream, TLAST marks the last word of each sample; with m_axi, the samples of a
 * batch follow each other word by word in memory.
 */
import { formatToCpp } from '../../sim/fixed.js';
import type { Design } from '../ir/design.js';
import type { InterfaceKind, Packing, PortPacking } from '../ir/io.js';
import { numel } from '../ir/graph.js';
import { fail } from '../diagnostics.js';

export type { InterfaceKind, Packing, PortPacking } from '../ir/io.js';
export const INTERFACES: readonly InterfaceKind[] = ['axis', 'm_axi', 'memory'];

/** The smallest byte-aligned power-of-two width holding a raw of `width` bits. */
export function fieldBitsFor(width: number): number {
  for (const b of [8, 16, 32, 64]) if (width <= b) return b;
  throw new Error(`internal error: raws of ${width} bits do not fit a 64-bit field`);
}

/** The packing of every input and output of `design` on a bus of `busBits`. */
export function designPacking(design: Design, kind: InterfaceKind, busBits: number): Packing {
  if (![32, 64, 128, 256, 512].includes(busBits)) throw new Error(`internal error: bus width ${busBits}`);
  const port = (tensor: string, direction: 'in' | 'out', index: number): PortPacking => {
    const t = design.tensors[tensor];
    const fieldBits = fieldBitsFor(t.format.width);
    if (fieldBits > busBits) fail('FPGAC005', `${direction === 'in' ? 'input' : 'output'} '${t.onnxName}' holds ${t.format.width}-bit values, wider than the ${busBits}-bit bus of the ${kind} interface`, { hint: 'use a narrower --precision or --interface memory' });
    const perWord = busBits / fieldBits;
    const elements = numel(t.shape);
    return {
      tensor, onnxName: t.onnxName, direction, index, format: t.format, cpp: formatToCpp(t.format), shape: t.shape,
      elements, fieldBits, perWord, wordsPerSample: Math.ceil(elements / perWord), signed: t.format.signed,
    };
  };
  return {
    interface: kind, busBits,
    ports: [...design.inputs.map((n, i) => port(n, 'in', i)), ...design.outputs.map((n, i) => port(n, 'out', i))],
  };
}

/** One sample's raws as bus words (each word a BigInt of busBits, little-endian fields). */
export function packSample(raws: ArrayLike<number>, p: PortPacking): bigint[] {
  if (raws.length !== p.elements) throw new Error(`internal error: ${raws.length} raws for a port of ${p.elements}`);
  const mask = (1n << BigInt(p.fieldBits)) - 1n;
  const words: bigint[] = [];
  for (let w = 0; w < p.wordsPerSample; w++) {
    let word = 0n;
    for (let k = 0; k < p.perWord; k++) {
      const i = w * p.perWord + k;
      if (i >= p.elements) break;
      // Two's complement in the field: sign extension for signed raws, the raw itself for unsigned ones.
      word |= (BigInt(raws[i]) & mask) << BigInt(k * p.fieldBits);
    }
    words.push(word);
  }
  return words;
}

/** The raws of one sample from its bus words (sign-extended from the field when the format is signed). */
export function unpackSample(words: readonly bigint[], p: PortPacking): number[] {
  if (words.length !== p.wordsPerSample) throw new Error(`internal error: ${words.length} words for a port of ${p.wordsPerSample}`);
  const mask = (1n << BigInt(p.fieldBits)) - 1n;
  const raws: number[] = [];
  for (let i = 0; i < p.elements; i++) {
    const v = (words[Math.floor(i / p.perWord)] >> BigInt((i % p.perWord) * p.fieldBits)) & mask;
    raws.push(Number(p.signed ? BigInt.asIntN(p.fieldBits, v) : v));
  }
  return raws;
}

/** Words as little-endian bytes (what a DMA buffer holds): busBits/8 bytes per word. */
export function wordsToBytes(words: readonly bigint[], busBits: number): Uint8Array {
  const n = busBits / 8;
  const out = new Uint8Array(words.length * n);
  words.forEach((w, j) => {
    let v = BigInt.asUintN(busBits, w);
    for (let b = 0; b < n; b++, v >>= 8n) out[j * n + b] = Number(v & 0xffn);
  });
  return out;
}
