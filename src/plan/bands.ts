/**
 * @fileoverview Row bands (issue 14 part 4, feature maps that do not fit): a conv2d whose output is read by exactly
 * one conv2d, both at the top level, can skip storing that map. The reader's output rows are split into bands of R
 * rows; for each band the producer computes just the input rows the band's windows read — HB = (R − 1)·sh + (kh −
 * 1)·dh + 1 rows from row b·R·sh − pt — into a small buffer [oc][HB][ow] (rows outside the map set to zero, the
 * reader's padding), and the reader consumes it at once (hw/fpgac/conv.h conv2d_rows, zero_rows). Rows the windows
 * of neighbouring bands share are computed twice: the cost is recomputation, chosen at most MAX_OVERHEAD. Every
 * value the reader uses is the producer's exact output, so the bits never change.
 */
import type { Conv2dLayer, Design } from '../ir/design.js';
import { divisors } from './estimate.js';

/** The most recomputation of the producer's rows a band split may cost (R is the smallest meeting it). */
export const MAX_OVERHEAD = 0.15;

/** A fused pair: the producer, its reader, and the band geometry. */
export interface BandPair {
  readonly map: string;
  readonly producer: Conv2dLayer;
  readonly reader: Conv2dLayer;
  /** Output rows of the reader per band, bands, and producer rows per band. */
  readonly rows: number;
  readonly bands: number;
  readonly bandRows: number;
}

/** The band buffer's name in the C++ and in the plan. */
export const bandBuffer = (reader: string): string => `${reader}_band`;

/** Producer rows one band of R reader rows needs. */
export const bandRowsOf = (reader: Conv2dLayer, rows: number): number => (rows - 1) * reader.sh + (reader.kh - 1) * reader.dh + 1;

/** The first producer row band b reads (negative: top padding). */
export const bandStart = (reader: Conv2dLayer, rows: number, b: number): number => b * rows * reader.sh - reader.pt;

/** The smallest band (fewest rows buffered) whose recomputation is at most MAX_OVERHEAD; undefined when none helps. */
export function chooseBand(producer: Conv2dLayer, reader: Conv2dLayer): { rows: number; bands: number; bandRows: number } | undefined {
  for (const rows of divisors(reader.oh)) {
    const bands = reader.oh / rows;
    if (bands < 2) break;
    const bandRows = bandRowsOf(reader, rows);
    if ((bands * bandRows) / producer.oh - 1 <= MAX_OVERHEAD) return { rows, bands, bandRows };
  }
  return undefined;
}

/**
 * Maps that may be banded: made by a top-level conv2d of more than one row, read by exactly one layer, a top-level
 * conv2d over the whole map, and not a design output; largest first.
 */
export function bandCandidates(design: Design): BandPair[] {
  const readers = new Map<string, number>();
  const count = (ts: readonly string[]) => ts.forEach((t) => readers.set(t, (readers.get(t) ?? 0) + 1));
  const walk = (ls: Design['layers']) => ls.forEach((l) => { count(l.inputs); if (l.kind === 'loop') walk(l.body); });
  walk(design.layers);
  const outputs = new Set(design.outputs);
  const out: BandPair[] = [];
  for (const p of design.layers) {
    if (p.kind !== 'conv2d' || p.oh < 2 || outputs.has(p.output) || readers.get(p.output) !== 1) continue;
    const r = design.layers.find((l) => l.inputs.includes(p.output));
    if (!r || r.kind !== 'conv2d' || r.h !== p.oh || r.c !== p.oc || r.w !== p.ow) continue;
    const band = chooseBand(p, r);
    if (band) out.push({ map: p.output, producer: p, reader: r, ...band });
  }
  const words = (b: BandPair) => b.producer.oc * b.producer.oh * b.producer.ow;
  return out.sort((a, b) => words(b) - words(a) || (a.map < b.map ? -1 : 1));
}

/** The producer as one band computes it: bandRows output rows, windows shifted per band (conv2d_rows in_oy0). */
export function producerBand(pair: BandPair): Conv2dLayer {
  return { ...pair.producer, oh: pair.bandRows };
}

/** The reader as one band computes it: rows output rows from the band buffer (its padding rows in place). */
export function readerBand(pair: BandPair): Conv2dLayer {
  return { ...pair.reader, h: pair.bandRows, pt: 0, oh: pair.rows };
}

/** A banded layer's role, as the emitter reads it from the plan's parallel factors. */
export interface BandRole {
  readonly role: 'producer' | 'reader';
  readonly map: string;
  readonly producer: string;
  readonly reader: string;
  readonly rows: number;
  readonly bands: number;
  readonly bandRows: number;
  readonly buffer: string;
}

export const bandRole = (pair: BandPair, role: 'producer' | 'reader'): BandRole => ({
  role, map: pair.map, producer: pair.producer.name, reader: pair.reader.name, rows: pair.rows, bands: pair.bands, bandRows: pair.bandRows, buffer: bandBuffer(pair.reader.name),
});

/**
 * A banded layer's estimate: its dense form (the band kernel reads its weights as stored, no sparse encoding) run
 * `bands` times at the band's geometry, `cyclesPerRun` from the kind's own per-group rule; the producer also writes
 * zeros over the rows outside the map, one element a cycle.
 */
export function bandEstimate<E extends { latency: number; sparse?: unknown; weights?: { storage: string; weights: number; zeros: number; stored: number; why: string } }>(
  e: E, pair: BandPair, role: 'producer' | 'reader', cyclesPerRun: number): E {
  const { sparse: _sparse, ...dense } = e;
  void _sparse;
  let zeros = 0;
  if (role === 'producer') {
    for (let b = 0; b < pair.bands; b++) {
      const y0 = bandStart(pair.reader, pair.rows, b);
      for (let r = 0; r < pair.bandRows; r++) if (y0 + r < 0 || y0 + r >= pair.producer.oh) zeros += pair.producer.oc * pair.producer.ow;
    }
  }
  const why = role === 'producer'
    ? `computed in ${pair.bands} bands of ${pair.bandRows} rows for ${pair.reader.name}, the map never stored whole`
    : `reads ${pair.producer.name}'s map in ${pair.bands} bands of ${pair.rows} output rows`;
  const w = e.weights;
  return {
    ...(dense as E), latency: pair.bands * cyclesPerRun + zeros,
    ...(w ? { weights: { ...w, storage: 'dense', stored: w.weights, why: `${why}; dense weights` } } : {}),
  };
}
