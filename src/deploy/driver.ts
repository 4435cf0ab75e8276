/**
 * @fileoverview The host drivers' description of a design (issue 11): `driver/design.json` in the build folder,
 * read by `driver/fpgac_driver.py` (hw/driver/, copied verbatim) on the board. It says everything the driver needs
 * and nothing it would have to re-derive: the IP and its interface, the bus width and, per port, the fixed-point
 * format (how floats become raws, sim/fixed.ts semantics), the packing (src/deploy/packing.ts) and the testbench
 * files `--check` and `--selftest` compare with.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { formatToCpp, fracBits, type OMode, type QMode } from '../../sim/fixed.js';
import type { Design } from '../ir/design.js';
import { sampleDims } from '../data.js';
import { hwDir } from '../paths.js';
import type { Packing, PortPacking } from './packing.js';
import { wrapperName } from './wrapper.js';
import { WEIGHT_IMAGE_FILE } from '../emit/project.js';
import { WEIGHT_PORT } from '../emit/render.js';

/** A port's fixed-point format: value = raw · 2^−frac, frac = width − int. */
export interface DriverFormat {
  /** C++ spelling, for people: `ap_fixed<16,6,AP_RND_CONV,AP_SAT>`. */
  readonly cpp: string;
  readonly width: number;
  readonly int: number;
  readonly frac: number;
  readonly signed: boolean;
  readonly q: QMode;
  readonly o: OMode;
  readonly n: number;
}

/** One graph input or output. */
export interface DriverPort {
  /** `in<k>` / `out<k>`: the wrapper's port, and with m_axi the name of its pointer register. */
  readonly name: string;
  readonly direction: 'in' | 'out';
  /** k: the graph input's (output's) position. */
  readonly index: number;
  readonly tensor: string;
  readonly onnxName: string;
  /** The tensor's shape (batch axis of 1 included). */
  readonly shape: readonly number[];
  /** One sample's shape in data files and in the driver's arrays ([N, ...sampleShape]; src/data.ts sampleDims). */
  readonly sampleShape: readonly number[];
  /** Raws per sample. */
  readonly elements: number;
  readonly format: DriverFormat;
  /** Bits per raw on the bus (8/16/32/64), sign-extended when signed. */
  readonly fieldBits: number;
  /** numpy dtype of one field as the host reads it: `<i2`, `<u1`, ... */
  readonly fieldDtype: string;
  readonly perWord: number;
  readonly wordsPerSample: number;
  readonly bytesPerSample: number;
  /** axis: the AXI DMA instance (block design name) serving this port; null: the driver finds it (one DMA for one
   *  input and one output, or DMA k for in<k>/out<k>). Always null with m_axi. */
  readonly dma: string | null;
  /** Testbench data, relative to the build folder: the input samples, or the simulator's outputs for them. */
  readonly tbData: string | null;
}

/**
 * Weights from DDR (src/plan/stream.ts): the weight image the IP reads through its m_axi_wimg master. The driver
 * loads the file into a contiguous DDR buffer and writes the buffer's physical address into `register` (a 64-bit
 * address, as the m_axi pointers) before the first start.
 */
export interface DriverWeights {
  /** The image, relative to the build folder: little-endian words of `wordBits`, exactly `words` of them. */
  readonly file: string;
  readonly words: number;
  readonly wordBits: number;
  /** words · wordBits / 8: the file's size and the buffer's. */
  readonly bytes: number;
  /** The s_axilite register (in `control`) holding the image's address. */
  readonly register: string;
}

export interface DriverDescription {
  readonly format: 'fpgac-driver';
  readonly version: 1;
  /** fpgac version that wrote it. */
  readonly generator: string;
  /** The core top function (design name). */
  readonly top: string;
  /** The HLS top of the wrapper = the IP's name (VLNV name) in the block design. */
  readonly ip: string;
  /** The IP's instance name in the block design; null: the driver finds the one IP named `ip`. */
  readonly ipInstance: string | null;
  readonly interface: 'axis' | 'm_axi';
  readonly busBits: number;
  readonly bytesPerWord: number;
  /** Relative to the build folder (PYNQ reads the .hwh of the same name next to it). */
  readonly bitstream: string;
  /** s_axilite registers by name (PYNQ register_map); control is ap_ctrl_hs at offset 0 (ap_start, ap_done). */
  readonly registers: { readonly batch: 'batch'; readonly control: 0 };
  /** axis: TLAST ends each sample's words on the outputs (one DMA receive per sample). */
  readonly tlast: 'sample' | null;
  readonly model: { readonly file: string; readonly sha256: string };
  /** Samples in the tb_data files (null when unknown). */
  readonly tbSamples: number | null;
  readonly ports: readonly DriverPort[];
  /** The weight image of the layers streamed from DDR; null when every weight is on chip. */
  readonly weights: DriverWeights | null;
}

export interface DriverExtra {
  /** fpgac version (`generator`). */
  readonly version?: string;
  /** Input files of the testbench, one per graph input; default `tb_data/input_<k>.npy` (src/build.ts). */
  readonly tbInputs?: readonly string[];
  /** Expected outputs, one per graph output; default `tb_data/sim_output.npy`, `tb_data/sim_output.<k>.npy`. */
  readonly tbOutputs?: readonly string[];
  readonly tbSamples?: number;
  /** Default `bitstream/<top>.bit`. */
  readonly bitstream?: string;
  /** The IP's instance name in the block design, when build_bd.tcl fixes it. */
  readonly ipInstance?: string;
  /** axis: port name (`in0`, `out0`) → AXI DMA instance name, when build_bd.tcl fixes them. */
  readonly dma?: Readonly<Record<string, string>>;
  /** Weights from DDR: the plan's weight image (report.json `plan.weightImage`); absent when nothing streams. */
  readonly weights?: { readonly words: number; readonly wordBits: number };
}

/** Files of the driver in a build folder, and where their sources are in the package. */
export const DRIVER_PY = {
  target: 'driver/fpgac_driver.py',
  source: (): string => path.join(hwDir(), 'driver', 'fpgac_driver.py'),
} as const;
export const DRIVER_JSON = 'driver/design.json';
export const DRIVER_C = {
  targets: ['driver/fpgac_driver.c', 'driver/fpgac_driver.h'],
  sources: (): string[] => ['fpgac_driver.c', 'fpgac_driver.h'].map((f) => path.join(hwDir(), 'driver', f)),
} as const;

function driverPort(p: PortPacking, busBits: number, tbData: string | null, dma: string | null): DriverPort {
  const f = p.format;
  if (p.fieldBits < f.width) {
    throw new Error(`internal error: port ${p.direction}${p.index} (${formatToCpp(f)}) does not fit ${p.fieldBits}-bit fields on a ${busBits}-bit bus`);
  }
  return {
    name: `${p.direction}${p.index}`, direction: p.direction, index: p.index, tensor: p.tensor, onnxName: p.onnxName,
    shape: [...p.shape], sampleShape: sampleDims(p.shape), elements: p.elements,
    format: { cpp: formatToCpp(f), width: f.width, int: f.int, frac: fracBits(f), signed: f.signed, q: f.q, o: f.o, n: f.n },
    fieldBits: p.fieldBits, fieldDtype: `<${p.signed ? 'i' : 'u'}${p.fieldBits / 8}`, perWord: p.perWord,
    wordsPerSample: p.wordsPerSample, bytesPerSample: (p.wordsPerSample * busBits) / 8, dma, tbData,
  };
}

/** design.json for the host driver of `design` packed as `packing` (axis or m_axi). */
export function driverDescription(design: Design, packing: Packing, extra: DriverExtra = {}): DriverDescription {
  if (packing.interface === 'memory') throw new Error('internal error: the memory interface has no host driver');
  const nIn = design.inputs.length;
  const nOut = design.outputs.length;
  const tbInputs = extra.tbInputs ?? design.inputs.map((_, k) => `tb_data/input_${k}.npy`);
  const tbOutputs = extra.tbOutputs ?? design.outputs.map((_, k) => (k === 0 ? 'tb_data/sim_output.npy' : `tb_data/sim_output.${k}.npy`));
  if (tbInputs.length !== nIn || tbOutputs.length !== nOut) throw new Error('internal error: one testbench file per port');
  const dma = extra.dma ?? {};
  for (const name of Object.keys(dma)) {
    if (!packing.ports.some((p) => `${p.direction}${p.index}` === name)) throw new Error(`internal error: DMA for unknown port ${name}`);
  }
  const isAxis = packing.interface === 'axis';
  const w = extra.weights;
  if (w && !(Number.isInteger(w.words) && w.words > 0 && Number.isInteger(w.wordBits) && w.wordBits > 0 && w.wordBits % 8 === 0)) {
    throw new Error(`internal error: weight image of ${w.words} words of ${w.wordBits} bits`);
  }
  const weights: DriverWeights | null = w ? { file: WEIGHT_IMAGE_FILE, words: w.words, wordBits: w.wordBits, bytes: (w.words * w.wordBits) / 8, register: WEIGHT_PORT } : null;
  return {
    format: 'fpgac-driver', version: 1, generator: `fpgac ${extra.version ?? ''}`.trim(),
    top: design.name, ip: wrapperName(design.name, packing.interface), ipInstance: extra.ipInstance ?? null,
    interface: packing.interface, busBits: packing.busBits, bytesPerWord: packing.busBits / 8,
    bitstream: extra.bitstream ?? `bitstream/${design.name}.bit`,
    registers: { batch: 'batch', control: 0 }, tlast: isAxis ? 'sample' : null,
    model: { file: design.model.file, sha256: design.model.sha256 },
    tbSamples: extra.tbSamples ?? null,
    ports: packing.ports.map((p) => {
      const name = `${p.direction}${p.index}`;
      const tb = (p.direction === 'in' ? tbInputs : tbOutputs)[p.index] ?? null;
      return driverPort(p, packing.busBits, tb, isAxis ? dma[name] ?? null : null);
    }),
    weights,
  };
}

/** The build folder's driver/ files: the Python driver (verbatim), its design.json, and the C driver. */
export function driverFiles(design: Design, packing: Packing, extra: DriverExtra = {}): Map<string, string> {
  const files = new Map<string, string>();
  files.set(DRIVER_PY.target, readFileSync(DRIVER_PY.source(), 'utf8'));
  files.set(DRIVER_JSON, JSON.stringify(driverDescription(design, packing, extra), null, 2) + '\n');
  DRIVER_C.targets.forEach((t, i) => files.set(t, readFileSync(DRIVER_C.sources()[i], 'utf8')));
  return files;
}
