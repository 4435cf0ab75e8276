/**
 * @fileoverview The AXI wrapper around the core top function (issue 11, docs/deploy.md): the view models of
 * templates/firmware/axi_top.{h,cpp}.hbs and templates/tb/tb_axi.cpp.hbs, built from the design's Packing. The core
 * stays as it is; the wrapper is the HLS top (the IP) for `axis` and `m_axi`, and the testbench drives it as a host
 * would: packed words, one start per batch, TLAST checked.
 */
import type { Packing, PortPacking } from './packing.js';
import type { Design } from '../ir/design.js';

/** The wrapper's function name, which is also the IP's name. */
export function wrapperName(top: string, kind: Packing['interface']): string {
  return kind === 'axis' ? `${top}_axis` : kind === 'm_axi' ? `${top}_maxi` : top;
}

export interface WrapperPort {
  readonly port: string; // in0, out0, ...
  readonly upperPort: string;
  readonly index: number;
  readonly decl: string;
  readonly type: string; // the core's element typedef
  readonly var: string; // the wrapper's local array
  readonly size: number;
  readonly field: number;
  readonly per: number;
  readonly words: number;
  readonly width: number;
  readonly signed: boolean;
  readonly depth: number; // m_axi: words the co-simulation transfers
  readonly burst: string;
  readonly pragmas: readonly string[];
  readonly dims: readonly number[];
  readonly shape: readonly number[];
  readonly onnxName: string; // already escaped for a C++ comment
  readonly cpp: string;
  readonly elements: number;
}

export interface WrapperView {
  readonly interface: 'axis' | 'm_axi';
  readonly isAxis: boolean;
  readonly wrapper: string;
  readonly upper: string;
  readonly bus: number;
  readonly word: string;
  readonly bus_t: string;
  readonly keepAll: string;
  readonly tripMax: number;
  /** The core is a dataflow region: the sample loop is one too (read, core, write as processes), so samples overlap. */
  readonly dataflow: boolean;
  readonly ports: readonly WrapperPort[];
  readonly inputs: readonly WrapperPort[];
  readonly outputs: readonly WrapperPort[];
}

export interface WrapperOptions {
  /** Samples the co-simulation testbench sends (m_axi depth). */
  readonly tbSamples: number;
  /** typedef name of a design tensor's element type. */
  readonly typeOf: (tensor: string) => string;
  /** The core's partition pragma for a port tensor, rewritten for the wrapper's local array `variable`. */
  readonly portPragmas: (tensor: string, variable: string) => readonly string[];
  readonly sampleDims: (shape: readonly number[]) => readonly number[];
  readonly comment: (s: string) => string;
  /** The core's schedule is dataflow (src/plan/dataflow.ts). */
  readonly dataflow?: boolean;
}

export function wrapperView(design: Design, packing: Packing, opts: WrapperOptions): WrapperView {
  if (packing.interface === 'memory') throw new Error('internal error: the memory interface has no wrapper');
  const isAxis = packing.interface === 'axis';
  const wrapper = wrapperName(design.name, packing.interface);
  const word = isAxis ? 'fpgac_axis_word_t' : 'fpgac_bus_t';
  const port = (p: PortPacking): WrapperPort => {
    const name = `${p.direction}${p.index}`;
    const varName = `${p.direction === 'in' ? 'x' : 'y'}${p.index}`;
    const ptr = p.direction === 'in' ? `const ${word} *${name}` : `${word} *${name}`;
    return {
      port: name, upperPort: name.toUpperCase(), index: p.index,
      decl: isAxis ? `hls::stream<${word}> &${name}` : ptr,
      type: opts.typeOf(p.tensor), var: varName, size: p.elements, field: p.fieldBits, per: p.perWord, words: p.wordsPerSample,
      width: p.format.width, signed: p.signed, depth: Math.max(1, opts.tbSamples) * p.wordsPerSample,
      burst: p.direction === 'in' ? 'max_read_burst_length=256' : 'max_write_burst_length=256',
      pragmas: opts.portPragmas(p.tensor, varName), dims: opts.sampleDims(p.shape), shape: p.shape,
      onnxName: opts.comment(p.onnxName), cpp: p.cpp, elements: p.elements,
    };
  };
  const inputs = packing.ports.filter((p) => p.direction === 'in').map(port);
  const outputs = packing.ports.filter((p) => p.direction === 'out').map(port);
  return {
    interface: packing.interface, isAxis, wrapper, upper: wrapper.toUpperCase(), bus: packing.busBits, word,
    bus_t: `ap_uint<${packing.busBits}>`, keepAll: `ap_uint<${packing.busBits / 8}>(-1)`,
    tripMax: Math.max(1, opts.tbSamples), dataflow: !!opts.dataflow, ports: [...inputs, ...outputs], inputs, outputs,
  };
}
