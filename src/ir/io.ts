/**
 * @fileoverview The interface description stored in design.json (`Design.io`): how each input and output travels
 * over AXI. The types live here, beside the design IR that holds them; src/deploy/packing.ts computes them and is
 * the reference the wrapper, testbench and drivers are checked against.
 */
import type { FixedFormat } from '../../sim/fixed.js';

export type InterfaceKind = 'axis' | 'm_axi' | 'memory';

export interface PortPacking {
  /** Design tensor name; the port's C name is `in<k>`/`out<k>`. */
  readonly tensor: string;
  readonly onnxName: string;
  readonly direction: 'in' | 'out';
  readonly index: number;
  readonly format: FixedFormat;
  /** The format as C++ (`ap_fixed<16,6,AP_RND_CONV,AP_SAT>`), for the drivers. */
  readonly cpp: string;
  readonly shape: readonly number[];
  /** Raws per sample. */
  readonly elements: number;
  readonly fieldBits: number;
  readonly perWord: number;
  readonly wordsPerSample: number;
  readonly signed: boolean;
}

export interface Packing {
  readonly interface: InterfaceKind;
  /** AXI data width of every port (bits). */
  readonly busBits: number;
  readonly ports: readonly PortPacking[];
}
