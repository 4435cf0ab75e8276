/**
 * @fileoverview What the interface costs (issue 11, report): per port the words a sample takes, and per sample the
 * cycles the wrapper spends moving data around the core's compute. The wrapper is sequential per sample (read every
 * input word, run the core, write every output word, one word per cycle on each stream or burst), so an end-to-end
 * sample takes Σ input words + the core's latency + Σ output words cycles; with m_axi each burst also waits for
 * memory, taken as DDR_LATENCY cycles (an assumption, stated in the report). The core alone would accept a sample
 * every II cycles; the report shows both.
 */
import type { Packing } from './packing.js';

/** Cycles from an m_axi burst request to its first data beat on a Zynq HP port or Alveo DDR (assumed). */
export const DDR_LATENCY = 64;
/** Words per m_axi burst (max_read/write_burst_length in the wrapper). */
export const BURST_WORDS = 256;

export interface InterfaceReport {
  readonly kind: Packing['interface'];
  readonly busBits: number;
  readonly ports: readonly {
    readonly port: string; readonly onnxName: string; readonly format: string; readonly elements: number;
    readonly fieldBits: number; readonly perWord: number; readonly wordsPerSample: number; readonly bytesPerSample: number;
  }[];
  /** Cycles per sample spent moving words (inputs then outputs), bursts' memory latency included. */
  readonly transferCycles: number;
  readonly transferUs: number;
  /** The core's latency and initiation interval (cycles). */
  readonly computeLatency: number;
  readonly computeII: number;
  /** A sample through the wrapper: transfer + the core's latency (cycles, µs), and samples per second. */
  readonly endToEndCycles: number;
  readonly endToEndUs: number;
  readonly endToEndFps: number;
  /** Samples per second of the core alone (clock / II). */
  readonly computeFps: number;
  readonly model: string;
}

/**
 * `dataflow` (the core is a dataflow region, and so is the wrapper's sample loop): reading, computing and writing
 * overlap across samples, so a sample leaves every max(input transfer, II, output transfer) cycles; the latency of
 * one sample is still transfer + the core's latency.
 */
export function interfaceReport(p: Packing, clockMHz: number, latency: number, ii: number, dataflow = false): InterfaceReport {
  const ports = p.ports.map((q) => ({
    port: `${q.direction}${q.index}`, onnxName: q.onnxName, format: q.cpp, elements: q.elements, fieldBits: q.fieldBits,
    perWord: q.perWord, wordsPerSample: q.wordsPerSample, bytesPerSample: q.wordsPerSample * p.busBits / 8,
  }));
  // Cycles moving one direction's words: a word a cycle, plus each m_axi burst's memory latency.
  const side = (dir: 'in' | 'out') => p.ports.filter((q) => q.direction === dir)
    .reduce((a, q) => a + q.wordsPerSample + (p.interface === 'm_axi' ? Math.ceil(q.wordsPerSample / BURST_WORDS) * DDR_LATENCY : 0), 0);
  const transferCycles = p.interface === 'memory' ? 0 : side('in') + side('out');
  const endToEndCycles = p.interface === 'memory' ? ii : transferCycles + latency;
  const interval = p.interface === 'memory' ? ii : dataflow ? Math.max(ii, side('in'), side('out')) : endToEndCycles;
  const us = (c: number) => c / clockMHz;
  const model = p.interface === 'memory'
    ? 'memory ports: the surrounding design moves the data; only the core is estimated'
    : `the ${p.interface} wrapper ${dataflow ? 'overlaps samples (its sample loop is a dataflow region: reading sample s+1, the core on s, writing s-1), so a sample leaves every max(input words, the core\'s II, output words) cycles; one sample takes' : 'handles one sample at a time:'} input words (one per cycle), the core's latency, output words${p.interface === 'm_axi' ? `, plus ${DDR_LATENCY} cycles of memory latency per burst of up to ${BURST_WORDS} words (an assumption)` : ''}`;
  return {
    kind: p.interface, busBits: p.busBits, ports, transferCycles, transferUs: us(transferCycles),
    computeLatency: latency, computeII: ii, endToEndCycles, endToEndUs: us(endToEndCycles),
    endToEndFps: (clockMHz * 1e6) / interval, computeFps: (clockMHz * 1e6) / ii, model,
  };
}
