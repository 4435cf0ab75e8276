/**
 * @fileoverview Weights from DDR (issue 14 part 4). A conv2d or dense layer whose weights do not fit the on-chip
 * budget reads them from the weight image — one m_axi port of the board's HP-port width — one tile at a time into
 * one of two on-chip buffers while it computes from the other (hw/fpgac/stream.h; conv.h, dense.h `*_stream`).
 * A tile is what the kernel's outer loop consumes in one step: a conv's channel group (pf_out channels × fan-in), a
 * dense layer's output block (pf_out rows × n_in). The bits never change: the same weights reach the same exact
 * accumulators.
 *
 * The cost model: loading a tile moves one bus word a cycle at most, and its fields land in the tile buffer's banks
 * one per bank and cycle, so a tile of n elements loads in max(ceil(n / per-word), ceil(n / banks)) cycles, and never
 * faster than the board's DDR bandwidth allows (bytes / (GB/s ÷ clock)). With two buffers the layer takes one load
 * plus, per tile, the longer of its compute and the next tile's load; a layer whose load is the longer is
 * DDR-bound, and the report says so.
 */
import type { ComputeLayer, Design, Layer } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import type { Board } from './boards.js';
import { CONTROL_LUT, PIPELINE_DEPTH, type ComputeEstimate } from './estimate.js';

/** What a kind's kernel streams (its `sequential.stream` rule): the tiles its outer loop walks. */
export interface StreamShape {
  readonly tiles: number;
  /** Weights in one tile. */
  readonly tileElems: number;
  /** Cyclic banks of a tile buffer: the kernel's parallel weight reads, consecutive elements of the tile. */
  readonly banks: number;
  /** Cycles the kernel computes on one tile. */
  readonly computePerTile: number;
  /** The index in the layer's weight array of element e of tile t, in the image's order (hw/fpgac/stream.h). */
  source(t: number, e: number): number;
}

/** The weight image of a streamed layer, as the emitter and the testbench need it. */
export interface StreamPlan {
  /** Bits of an image word (the m_axi port's width) and of one weight field. */
  readonly wordBits: number;
  readonly weightBits: number;
  readonly tiles: number;
  readonly tileElems: number;
  readonly tileWords: number;
  /** The layer's first word in the image. */
  readonly offset: number;
  /** The two tile buffers the layer uses (shared with the streamed layers of the same weight type and banks). */
  readonly buffers: readonly [string, string];
  readonly bufferWords: number;
}

/** Bits of an image word on a board: its HP port's data width (128 when the board names none). */
export const imageWordBits = (board: Board): number => board.dmaBits ?? 128;

/** Bytes the DDR delivers per fabric cycle at most (Infinity when the board states no figure). */
export function ddrBytesPerCycle(board: Board, clockMHz: number): number {
  return board.ddrGBps ? (board.ddrGBps * 1e9) / (clockMHz * 1e6) : Infinity;
}

/** Weights one image word holds: fields of exactly the weight's width (hw/fpgac/stream.h). */
export const fieldsPerWord = (wordBits: number, weightBits: number): number => Math.floor(wordBits / weightBits);

/** Words of one tile in the image: each tile starts on a word boundary. */
export const tileWordsOf = (tileElems: number, wordBits: number, weightBits: number): number => Math.ceil(tileElems / fieldsPerWord(wordBits, weightBits));

/** Cycles to load one tile (see the file comment). */
export function tileLoadCycles(shape: StreamShape, weightBits: number, board: Board, clockMHz: number): number {
  const wordBits = imageWordBits(board);
  const words = tileWordsOf(shape.tileElems, wordBits, weightBits);
  const bus = Math.max(words, Math.ceil(shape.tileElems / Math.max(1, shape.banks)));
  const ddr = Math.ceil((words * wordBits) / 8 / ddrBytesPerCycle(board, clockMHz));
  return Math.max(bus, ddr) + PIPELINE_DEPTH;
}

/**
 * The layer's estimate when its weights stream: the multipliers of its dense form (no sparse encoding: the image
 * holds every weight), the loader's control and word register, and the double-buffered latency.
 */
export function streamedEstimate(e: ComputeEstimate, shape: StreamShape, weightBits: number, weights: number, board: Board, clockMHz: number): ComputeEstimate {
  const load = tileLoadCycles(shape, weightBits, board, clockMHz);
  const perTile = Math.max(shape.computePerTile, load);
  const wordBits = imageWordBits(board);
  const bound = load > shape.computePerTile ? `DDR-bound: a tile loads in ${load} cycles, computes in ${shape.computePerTile}` : `compute-bound: a tile computes in ${shape.computePerTile} cycles, loads in ${load}`;
  const { sparse: _sparse, ...dense } = e;
  void _sparse;
  return {
    ...dense,
    // The loader: its control, a word register of the bus width, and a 64-bit image address.
    lut: e.lut + CONTROL_LUT + wordBits, ff: e.ff + wordBits + 64,
    latency: load + shape.tiles * perTile,
    weights: { storage: 'streamed', weights, zeros: e.weights?.zeros ?? 0, stored: weights, why: `from DDR in ${shape.tiles} tiles of ${shape.tileElems} (${wordBits}-bit words, two on-chip buffers); ${bound}` },
    stream: { ddrBound: load > shape.computePerTile, loadCycles: load, computeCycles: shape.computePerTile, tiles: shape.tiles },
  };
}

/** Layers that may stream: conv2d and dense at the top level (a loop region's weights are read by every step). */
export function streamableLayers(design: Design, streamable: (l: ComputeLayer) => boolean): ComputeLayer[] {
  const top = new Set<Layer>(design.layers);
  return computeLayers(design.layers).filter((l) => top.has(l) && streamable(l));
}

/** Offsets of every streamed layer's weights in the image, in layer order; and the image's length in words. */
export function imageLayout(order: readonly ComputeLayer[], streamed: ReadonlySet<string>, tileWordsOf: (l: ComputeLayer) => { tiles: number; tileWords: number }): { offsets: Map<string, number>; words: number } {
  const offsets = new Map<string, number>();
  let words = 0;
  for (const l of order) {
    if (!streamed.has(l.name)) continue;
    offsets.set(l.name, words);
    const t = tileWordsOf(l);
    words += t.tiles * t.tileWords;
  }
  return { offsets, words };
}

/** The two tile buffers named after the first streamed layer that uses them (array and memory names). */
export const tileBuffers = (layer: string): [string, string] => [`${layer}_wtile0`, `${layer}_wtile1`];

/**
 * Layers run one after another, so streamed layers whose tiles have the same C type and banks share one pair of
 * tile buffers, as long as the longest tile. Cyclic banks make that safe: a shorter tile's parallel reads are still
 * consecutive elements, in distinct banks.
 */
export function tileGroups(layers: readonly { name: string; cpp: string; banks: number; elems: number }[]): Map<string, { buffers: [string, string]; words: number; banks: number; owner: string }> {
  const byKey = new Map<string, { buffers: [string, string]; words: number; banks: number; owner: string }>();
  const out = new Map<string, { buffers: [string, string]; words: number; banks: number; owner: string }>();
  for (const l of layers) {
    const key = `${l.cpp}|${l.banks}`;
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { buffers: tileBuffers(l.name), words: 0, banks: l.banks, owner: l.name }));
    g.words = Math.max(g.words, l.elems);
    out.set(l.name, g);
  }
  return out;
}

export const STREAM_MODEL =
  'Weights from DDR: a conv or dense layer whose weights do not fit the on-chip budget (largest first) reads them ' +
  'over one m_axi port (the HP port width) tile by tile (a conv channel group, a dense output block) into two ' +
  'on-chip buffers, loading the next tile while computing the current one: one load plus tiles x max(compute, ' +
  'load) cycles, a load taking max(words, elements / buffer banks) cycles and no less than the board\'s peak DDR ' +
  'bandwidth allows; layers whose load is the longer are DDR-bound.';
