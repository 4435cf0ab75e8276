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

/**
 * ORs the low `bits` bits of v (an integer from 0 to 2^32 - 1) into buf at bit position pos, a byte at a time
 * (pos may pass 2^31: it is split with arithmetic, the value with 32-bit operations, exact below 2^32).
 */
function putBits(buf: Uint8Array, pos: number, v: number, bits: number): void {
  let byte = Math.floor(pos / 8);
  let shift = pos - byte * 8;
  while (bits > 0) {
    const take = Math.min(8 - shift, bits);
    buf[byte] |= (v & ((1 << take) - 1)) << shift;
    v >>>= take;
    bits -= take;
    byte++;
    shift = 0;
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
  const raw = w.raw;
  for (let t = 0; t < s.tiles; t++) {
    // Element e is field `field` of word `word`: both advance together instead of a division per element.
    let word = s.offset + t * s.tileWords;
    let field = 0;
    for (let e = 0; e < s.tileElems; e++) {
      const r = raw[shape.source(t, e)];
      const v = r < 0 ? r + mod : r;
      const pos = word * s.wordBits + field * s.weightBits;
      // Whole bytes (8-, 16-, 24- and 32-bit weights; fields start on byte boundaries then): stored directly.
      if (s.weightBits % 8 === 0) for (let b = pos / 8, k = 0; k < s.weightBits; k += 8) bytes[b++] = (v >>> k) & 255;
      else putBits(bytes, pos, v, s.weightBits);
      if (++field === per) { field = 0; word++; }
    }
  }
}
