/**
 * @fileoverview The weight image (issue 14 part 4): the weights of every layer the plan streams from DDR, as the
 * bytes the testbench reads (tb_data/weights.bin) and the driver loads into DDR. Layout (hw/fpgac/stream.h): layers
 * in design order from the plan's word offsets; each tile from a word boundary; element e of a tile is field e mod PER
 * of word e div PER, PER = floor(word bits / weight bits) fields of exactly the weight's width (its raw, two's
 * complement), spare bits 0; words little-endian, word bits / 8 bytes each. Which weight is element e of tile t is
 * the kind's rule (`sequential.stream(...).source`), the same rule its kernel reads by.
 */
import type { ComputeLayer, Design } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { kindOf } from '../kinds/index.js';
import type { Parallelism } from './render.js';
import { fieldsPerWord } from '../plan/stream.js';

export interface WeightImage {
  readonly words: number;
  readonly wordBits: number;
  readonly bytes: Uint8Array;
}

/** ORs the low `bits` bits of v (a non-negative integer below 2^32) into buf at bit position pos. */
function putBits(buf: Uint8Array, pos: number, v: number, bits: number): void {
  while (bits > 0) {
    const byte = Math.floor(pos / 8);
    const shift = pos % 8;
    const take = Math.min(8 - shift, bits);
    buf[byte] |= (v % 2 ** take) << shift;
    v = Math.floor(v / 2 ** take);
    pos += take;
    bits -= take;
  }
}

/** The image of the streamed layers, or undefined when no layer streams. */
export function weightImage(design: Design, parallel: (layer: string) => Parallelism): WeightImage | undefined {
  const streamed = computeLayers(design.layers).filter((l) => parallel(l.name).stream);
  if (!streamed.length) return undefined;
  const wordBits = parallel(streamed[0].name).stream!.wordBits;
  let words = 0;
  for (const l of streamed) { const s = parallel(l.name).stream!; words = Math.max(words, s.offset + s.tiles * s.tileWords); }
  const bytes = new Uint8Array((words * wordBits) / 8);
  for (const l of streamed) writeLayer(bytes, l, parallel(l.name));
  return { words, wordBits, bytes };
}

function writeLayer(bytes: Uint8Array, l: ComputeLayer, p: Parallelism): void {
  const s = p.stream!;
  const w = kindOf(l).report.macWeight(l);
  const shape = kindOf(l).sequential.stream?.(l, p);
  if (!w || !shape || shape.tileElems !== s.tileElems || shape.tiles !== s.tiles) throw new Error(`internal error: layer ${l.name} streams no weights as planned`);
  const per = fieldsPerWord(s.wordBits, s.weightBits);
  const mod = 2 ** s.weightBits;
  for (let t = 0; t < s.tiles; t++) {
    const word0 = s.offset + t * s.tileWords;
    for (let e = 0; e < s.tileElems; e++) {
      const raw = w.raw[shape.source(t, e)];
      const pos = (word0 + Math.floor(e / per)) * s.wordBits + (e % per) * s.weightBits;
      putBits(bytes, pos, ((raw % mod) + mod) % mod, s.weightBits);
    }
  }
}
