/**
 * @fileoverview `fpgac build --fpga-from A --fpga-to B` (issue 11, docs/deploy.md): the model is split by
 * src/deploy/split.ts, the fabric part becomes the design, and the head and tail go to `host/` for the driver to run
 * on the CPU. Data the user gives for the whole model (`--input`, `--calibrate`) is carried to the fabric's inputs
 * by running the head's float reference, as the CPU would before handing the cut tensors to the FPGA.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { splitModel, type Cut, type SplitResult } from './split.js';
import { decodeModel, loadModel } from '../onnx/load.js';
import { inferAndFold } from '../passes/infer.js';
import { runFloat } from '../reference.js';
import { readSamples, sampleDims, sampleOf } from '../data.js';
import { encodeNpy } from '../npy.js';
import type { Limits } from '../limits.js';
import { fail } from '../diagnostics.js';
import { numel, type Graph } from '../ir/graph.js';

export interface SplitReport {
  readonly from: readonly string[];
  readonly to: readonly string[];
  readonly headNodes: number;
  readonly fabricNodes: number;
  readonly tailNodes: number;
  /** The tensors crossing into and out of the fabric, with their size per sample. */
  readonly cuts: readonly Cut[];
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly notes: readonly string[];
}

export interface PreparedSplit {
  /** The fabric model, written to a temporary folder (removed by `cleanup`). */
  readonly fabricPath: string;
  /** The fabric's input files for --input / --calibrate, when whole-model files were given. */
  readonly inputs?: string[];
  readonly calibrate?: string[];
  /** host/head.onnx, host/tail.onnx, host/split.json. */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  readonly report: SplitReport;
  cleanup(): void;
}

/** Whole-model data files → the fabric's input files (head run in float), written into `dir`. */
function carry(files: readonly string[], whole: Graph, head: Graph | undefined, fabric: Graph, dir: string, tag: string): string[] {
  if (files.length !== whole.inputs.length) fail('FPGAC005', `the model has ${whole.inputs.length} input(s); ${files.length} ${tag} file(s) given`);
  const data = files.map((f, i) => readSamples(f, whole.inputs[i].shape, whole.inputs[i].name, whole.inputs[i].dtype));
  const n = Math.min(...data.map((d) => d.samples));
  const byName = new Map<string, Float64Array[]>();
  whole.inputs.forEach((vi, i) => byName.set(vi.name, Array.from({ length: n }, (_, s) => sampleOf(data[i], s))));
  if (head) {
    const outs = head.outputs.map(() => [] as Float64Array[]);
    for (let s = 0; s < n; s++) {
      const r = runFloat(head, head.inputs.map((vi) => byName.get(vi.name)![s]));
      r.outputs.forEach((o, k) => outs[k].push(o.data));
    }
    head.outputs.forEach((o, k) => byName.set(o.name, outs[k]));
  }
  return fabric.inputs.map((vi, i) => {
    const samples = byName.get(vi.name);
    if (!samples) throw new Error(`internal error: fabric input '${vi.name}' is neither a model input nor a head output`);
    const per = numel(vi.shape);
    const flat = new Float64Array(n * per);
    samples.forEach((x, s) => flat.set(x.subarray(0, per), s * per));
    const file = path.join(dir, `${tag}_${i}.npy`);
    writeFileSync(file, encodeNpy({ shape: [n, ...sampleDims(vi.shape)], data: flat }));
    return file;
  });
}

export function prepareSplit(modelPath: string, from: readonly string[], to: readonly string[], opts: { inputs?: readonly string[]; calibrate?: readonly string[]; limits?: Partial<Limits> }): PreparedSplit {
  if (!from.length || !to.length) fail('FPGAC005', '--fpga-from and --fpga-to go together: give the first and the last node the FPGA runs');
  const baseDir = path.dirname(path.resolve(modelPath));
  const split: SplitResult = splitModel(readFileSync(modelPath), from, to, { baseDir, limits: opts.limits, label: path.basename(modelPath) });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-split-'));
  try {
    const fabricPath = path.join(dir, `${path.basename(modelPath, '.onnx')}-fabric.onnx`);
    writeFileSync(fabricPath, split.fabric);
    const graphOf = (bytes: Uint8Array) => inferAndFold(decodeModel(bytes, dir, 'part', { limits: opts.limits }).graph, { limits: opts.limits }).graph;
    const whole = inferAndFold(loadModel(modelPath, { limits: opts.limits }).graph, { limits: opts.limits, fold: false }).graph;
    const head = split.head ? graphOf(split.head) : undefined;
    const fabric = graphOf(split.fabric);
    const inputs = opts.inputs?.length ? carry(opts.inputs, whole, head, fabric, dir, 'input') : undefined;
    const calibrate = opts.calibrate?.length ? carry(opts.calibrate, whole, head, fabric, dir, 'calibrate') : undefined;
    const crossing = split.cuts.filter((c) => c.to === 'fabric' || c.from === 'fabric');
    const report: SplitReport = {
      from, to, headNodes: split.headNodes.length, fabricNodes: split.fabricNodes.length, tailNodes: split.tailNodes.length, cuts: crossing,
      bytesIn: crossing.filter((c) => c.to === 'fabric').reduce((a, c) => a + c.bytesPerSample, 0),
      bytesOut: crossing.filter((c) => c.from === 'fabric').reduce((a, c) => a + c.bytesPerSample, 0),
      notes: split.notes,
    };
    const files = new Map<string, string | Uint8Array>();
    if (split.head) files.set('host/head.onnx', split.head);
    if (split.tail) files.set('host/tail.onnx', split.tail);
    files.set('host/split.json', JSON.stringify({
      from, to, head: split.head ? 'head.onnx' : null, tail: split.tail ? 'tail.onnx' : null,
      // The whole model's inputs and outputs, in order: what the driver's --input and -o mean for a split model.
      inputs: whole.inputs.map((i) => i.name), outputs: whole.outputs.map((o) => o.name), cuts: split.cuts,
      headNodes: split.headNodes, fabricNodes: split.fabricNodes, tailNodes: split.tailNodes, notes: split.notes,
    }, null, 2) + '\n');
    return { fabricPath, inputs, calibrate, files, report, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
