/**
 * @fileoverview On-chip memory primitives and the cost of holding an array in each. Shapes are the primitives'
 * real aspect ratios (UltraScale+): a BRAM18 is 16K×1, 8K×2, 4K×4, 2K×9, 1K×18 or 512×36; a BRAM36 is two BRAM18
 * ganged (counted as 2); a URAM is 4K×72; a LUTRAM LUT (SLICEM LUT6) holds 64×1; registers hold one bit per FF.
 */
import type { MemKind } from './types.js';

export const BRAM18_BITS = 18 * 1024;
export const URAM_BITS = 4096 * 72;
const BRAM18_SHAPES: readonly [number, number][] = [[16384, 1], [8192, 2], [4096, 4], [2048, 9], [1024, 18], [512, 36]];

/** BRAM18 blocks for one bank of `words` × `bits`: the best aspect ratio. */
export function bram18Blocks(words: number, bits: number): number {
  let best = Infinity;
  for (const [depth, width] of BRAM18_SHAPES) best = Math.min(best, Math.ceil(bits / width) * Math.ceil(words / depth));
  return best;
}

export function uramBlocks(words: number, bits: number): number {
  return Math.ceil(bits / 72) * Math.ceil(words / 4096);
}

/**
 * A feature map in URAM with `reshape` elements side by side in each word (ARRAY_RESHAPE), so a 16-bit map fills 64
 * of each 72 bits instead of 16. The reshape replaces the partition the kernels need (`banks` of `layout`): R is a
 * multiple of the banks, so the elements one cycle accesses in different banks share one word — the same offset
 * in each of B blocks (engines, lanes of block layout: `block` reshape, word k holding element k of every block of
 * N/R), or B consecutive aligned elements (cyclic lanes: `cyclic` reshape). R fills whole 72-bit URAM columns as well
 * as it can, words at most MAX_RESHAPE_BITS. Only for widths that are whole bytes: a URAM writes one element of a
 * packed word with its byte-write enables (9 bytes of 8 bits), with no read-modify-write. Undefined when no reshape
 * packs at least two elements a column.
 */
export function packedUram(words: number, bits: number, banks = 1, layout: 'cyclic' | 'block' = 'cyclic'): { blocks: number; reshape: number; layout: 'cyclic' | 'block' } | undefined {
  const perColumn = Math.floor(72 / bits);
  if (bits % 8 !== 0 || perColumn < 2) return undefined;
  const reshape = banks * Math.max(1, Math.floor(perColumn / banks));
  // Block words pair offsets of equal blocks: the blocks must divide the array evenly (cyclic words need not).
  if (reshape * bits > MAX_RESHAPE_BITS || (banks > 1 && words % reshape !== 0)) return undefined;
  const columns = Math.ceil((reshape * bits) / 72);
  if (reshape / columns < 2) return undefined;
  return { blocks: columns * Math.ceil(words / reshape / 4096), reshape, layout: banks > 1 ? layout : 'cyclic' };
}

/** LUTs of a LUTRAM/ROM bank: 64 words × 1 bit per LUT (a ROM is the same LUT used read-only). */
export function lutramLuts(words: number, bits: number): number {
  return Math.ceil(words / 64) * bits;
}

export interface MemoryCost {
  readonly kind: MemKind;
  readonly blocks: number; // BRAM18 or URAM primitives (0 for LUTRAM/registers)
  readonly capacityBits: number;
  readonly lut: number;
  readonly ff: number;
}

/**
 * Where an array of `banks` banks of `words` × `bits` goes. Rules (in order): one-word banks and arrays of ≤ 1 Kb
 * are registers;
 * small arrays (≤ 8 Kb a bank, ≤ 64 words, or ≤ 512 LUTs in all) are LUTRAM, since a block RAM (18 Kb) would be
 * half empty; large arrays go
 * to URAM when the board has it and a URAM bank is at least as well filled as the BRAM18s it replaces (deep,
 * wide arrays); everything else is BRAM18.
 */
export function placeArray(words: number, bits: number, banks: number, hasUram: boolean, rom = false): MemoryCost {
  const perBank = Math.ceil(words / banks);
  // A bank of one word, or a tiny array (≤ 1 Kb: biases, scalars), is cheapest as registers (fully partitioned).
  // A completely partitioned constant is no storage at all: HLS folds each element into the logic that reads it.
  if (rom && perBank <= 1) return { kind: 'registers', blocks: 0, capacityBits: words * bits, lut: 0, ff: 0 };
  if (perBank <= 1 || words * bits <= 1024) return { kind: 'registers', blocks: 0, capacityBits: words * bits, lut: 0, ff: words * bits };
  if (perBank * bits <= 8192 || perBank <= 64 || lutramLuts(perBank, bits) * banks <= 512) {
    const luts = banks * lutramLuts(perBank, bits);
    return { kind: 'lutram', blocks: 0, capacityBits: luts * 64, lut: luts, ff: 0 };
  }
  const bram = banks * bram18Blocks(perBank, bits);
  const uram = banks * uramBlocks(perBank, bits);
  // URAM cannot be initialized as a ROM by HLS: constants stay in BRAM or LUTRAM.
  if (hasUram && !rom && perBank >= 4096 && uram * URAM_BITS <= bram * BRAM18_BITS) {
    return { kind: 'uram', blocks: uram, capacityBits: uram * URAM_BITS, lut: 0, ff: 0 };
  }
  return { kind: 'bram18', blocks: bram, capacityBits: bram * BRAM18_BITS, lut: 0, ff: 0 };
}

/** The widest word fpgac reshapes a constant into (Vivado HLS's default ap_uint limit). */
export const MAX_RESHAPE_BITS = 1024;

/**
 * Where a constant goes when each cycle reads `reads` consecutive, aligned elements (the dense kernels' weights;
 * `consecutive` false for engines that read far-apart elements, as conv's block-partitioned weights). Partitioned
 * into `reads` banks, a 16-bit array in BRAM18 fills at most 16/18 of each 1K×18 block; reshaped instead (F
 * consecutive elements side by side in one word of F·bits, F a multiple of `reads`, so a cycle's reads are still
 * one word), the word can fill whole block columns: 10,000 × 16 bits take 9 BRAM18 as 1,000 × 160 instead of 10.
 * The reshape is kept only when it needs fewer blocks than the partition.
 */
export function placeConstant(words: number, bits: number, reads: number, consecutive: boolean, hasUram: boolean): MemoryCost & { reshape?: number } {
  const partitioned = placeArray(words, bits, reads, hasUram, true);
  if (partitioned.kind !== 'bram18' || (!consecutive && reads > 1)) return partitioned;
  let best: MemoryCost & { reshape?: number } = partitioned;
  for (let f = reads; f <= words && f * bits <= MAX_RESHAPE_BITS; f += reads) {
    const blocks = bram18Blocks(Math.ceil(words / f), f * bits);
    if (blocks < best.blocks) best = { kind: 'bram18', blocks, capacityBits: blocks * BRAM18_BITS, lut: 0, ff: 0, reshape: f };
  }
  return best;
}
