/**
 * @fileoverview `fpgac verify`: how far the fixed-point design is from the float model, per layer and per output.
 * Runs the design bit-exactly (simulateSample with a trace) and the float reference of the canonical graph (runFloat
 * with a trace) on the same inputs and compares every design tensor with its float counterpart (`DTensor.onnxName`):
 *
 * - max |fixed − float|;
 * - SQNR = 10·log10(Σ float² / Σ (fixed − float)²) in dB over every element of every sample (null when undefined:
 *   no error at all, or an all-zero float signal);
 * - saturation: elements whose float value lies outside the range of the tensor's format (what the hardware clips
 *   or wraps);
 * - for outputs: top-1 agreement between fixed and float (argmax over the last axis, per row), and against
 *   `--reference`: integer labels (accuracy) or float logits (top-1 agreement, max error).
 *
 * Tensors inside loop-region bodies are not compared (the simulator keeps only the last step's values, the float
 * model has one value per step); the region's output is. Their saturation is still counted, over the float values
 * of every step (`regionTensors`). Errors are measured against the float model run on the canonical graph (the graph the design was
 * lowered from: BatchNorm folded, fused activations), which computes the same function in float64.
 * verify reports; it never fails because an error is large.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Design, DTensor, Layer } from '../ir/design.js';
import type { Graph, Tensor } from '../ir/graph.js';
import { compileModel, type CompileOptions } from '../compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { formatToCpp, fracBits, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import { traceFloat } from '../quant/calibrate.js';
import { readData, readSamples, sampleOf } from '../data.js';
import { readNpy } from '../npy.js';
import { loadModel } from '../onnx/load.js';
import { runPipeline } from '../passes/pipeline.js';
import { readDesignFile } from '../design-file.js';
import { fail } from '../diagnostics.js';

export interface VerifyOptions extends CompileOptions {
  /** One .npy/.pb per graph input, first axis = samples. */
  readonly inputs: readonly string[];
  /** Integer labels (one per sample, or per output row) or float reference outputs for the first output. */
  readonly reference?: string;
}

export interface TensorStats {
  /** Design tensor name. */
  readonly tensor: string;
  /** The ONNX value it holds (its float counterpart). */
  readonly onnxName: string;
  /** The layer writing it; null for a graph input. */
  readonly layer: string | null;
  /** Layer kind, or 'input'. */
  readonly kind: string;
  readonly format: string;
  /** Values compared: elements × samples. */
  readonly elements: number;
  /** Largest |float value|. */
  readonly floatMaxAbs: number;
  readonly maxAbsError: number;
  /** Signal-to-quantization-noise ratio in dB; null when undefined (error exactly 0, or the float values all 0). */
  readonly sqnrDb: number | null;
  /** Elements whose float value lies outside the format's range. */
  readonly saturated: number;
}

export interface ReferenceStats {
  readonly kind: 'labels' | 'logits';
  readonly file: string;
  /** labels: fraction of rows whose argmax equals the label, for the fixed design and for the float model. */
  readonly fixedAccuracy?: number;
  readonly floatAccuracy?: number;
  /** logits: fraction of rows whose argmax equals the reference's, and max |output − reference|. */
  readonly fixedTop1Agreement?: number;
  readonly floatTop1Agreement?: number;
  readonly fixedMaxAbsError?: number;
  readonly floatMaxAbsError?: number;
}

export interface OutputStats extends TensorStats {
  /** Rows compared for top-1 (per sample: elements / last axis length). */
  readonly rows: number;
  /** Fraction of rows whose argmax (over the last axis) is the same in fixed and float; null for a last axis of 1. */
  readonly top1Agreement: number | null;
  readonly reference?: ReferenceStats;
}

/** A tensor inside a loop-region body: saturation over the float values of every step (errors not compared). */
export interface RegionTensorStats {
  readonly tensor: string;
  readonly onnxName: string;
  /** The loop layer and the body layer writing the tensor (null: the body's state input). */
  readonly region: string;
  readonly layer: string | null;
  readonly kind: string;
  readonly format: string;
  /** Values counted: elements × steps × samples. */
  readonly elements: number;
  readonly floatMaxAbs: number;
  readonly saturated: number;
}

export interface VerifyReport {
  readonly model: string;
  readonly precision: string;
  readonly samples: number;
  /** Every design tensor with a float counterpart, in execution order (graph inputs first). */
  readonly layers: TensorStats[];
  readonly outputs: OutputStats[];
  /** Tensors inside loop-region bodies, in layer order. */
  readonly regionTensors: RegionTensorStats[];
  /** ONNX names of the tensors with saturation, in layer order (region body tensors as `<loop layer>/<value>`). */
  readonly saturatedLayers: string[];
}

export interface VerifyTarget {
  readonly design: Design;
  /** The canonical graph the design was lowered from (the float reference for every layer). */
  readonly graph: Graph;
}

/** A build directory (design.json + source/model.onnx) or a model compiled with the build options. */
export function loadVerifyTarget(target: string, opts: CompileOptions): VerifyTarget {
  if (!existsSync(target)) fail('FPGAC001', `'${target}' does not exist`);
  if (statSync(target).isDirectory()) {
    const design = readDesignFile(target, opts.limits);
    const src = path.join(target, 'source', 'model.onnx');
    if (!existsSync(src)) fail('FPGAC001', `'${target}' has no source/model.onnx for the float reference`);
    return { design, graph: runPipeline(loadModel(src, { limits: opts.limits }).graph, { limits: opts.limits }).graph };
  }
  const c = compileModel(target, opts);
  return { design: c.design, graph: c.canonical };
}

/** Reads the input files into samples[s][i] (input i of sample s). */
export function readVerifyInputs(design: Design, files: readonly string[]): Float64Array[][] {
  const names = design.inputs.map((n) => design.tensors[n].onnxName);
  if (files.length !== design.inputs.length) fail('FPGAC005', `the model has ${names.length} input(s) (${names.join(', ')}); ${files.length} --input file(s) given`);
  const data = files.map((f, i) => readSamples(f, design.tensors[design.inputs[i]].shape, names[i], design.tensors[design.inputs[i]].dtype));
  if (new Set(data.map((d) => d.samples)).size > 1) fail('FPGAC006', `input files hold different sample counts (${data.map((d) => d.samples).join(', ')})`);
  return Array.from({ length: data.length ? data[0].samples : 1 }, (_, s) => data.map((d) => sampleOf(d, s))); // no inputs: one run
}

export interface ReferenceData {
  readonly file: string;
  /** True when the file's dtype is an integer type (labels). */
  readonly integer: boolean;
  readonly data: Float64Array;
}

export function readReference(file: string): ReferenceData {
  if (file.endsWith('.npy')) {
    let a;
    try {
      a = readNpy(file);
    } catch (e) {
      fail('FPGAC006', `cannot read reference '${file}': ${(e as Error).message}`);
    }
    return { file, integer: !a.dtype.startsWith('float'), data: a.data };
  }
  return { file, integer: false, data: readData(file).data };
}

/** Running sums of one compared tensor. */
class Acc {
  n = 0;
  sig = 0;
  noise = 0;
  maxErr = 0;
  maxAbs = 0;
  sat = 0;
  constructor(readonly lo: number, readonly hi: number) {}
  add(fx: ArrayLike<number>, fl: ArrayLike<number>): void {
    if (fx.length !== fl.length) throw new Error(`internal error: fixed and float tensors have ${fx.length} and ${fl.length} values`);
    for (let i = 0; i < fl.length; i++) {
      const v = fl[i];
      const e = fx[i] - v;
      this.sig += v * v;
      this.noise += e * e;
      const ae = Math.abs(e);
      if (ae > this.maxErr || Number.isNaN(ae)) this.maxErr = ae;
      if (Math.abs(v) > this.maxAbs) this.maxAbs = Math.abs(v);
      if (v < this.lo || v > this.hi) this.sat++;
    }
    this.n += fl.length;
  }
  /** Saturation and range only (no fixed counterpart). */
  addFloat(fl: ArrayLike<number>): void {
    for (let i = 0; i < fl.length; i++) {
      const v = fl[i];
      if (Math.abs(v) > this.maxAbs) this.maxAbs = Math.abs(v);
      if (v < this.lo || v > this.hi) this.sat++;
    }
    this.n += fl.length;
  }
  sqnr(): number | null {
    if (this.noise === 0 || this.sig === 0) return null;
    return 10 * Math.log10(this.sig / this.noise);
  }
}

/** The values a format holds: [lo, hi] (AP_SAT_SYM excludes the most negative code). */
export function formatRange(f: FixedFormat): { lo: number; hi: number } {
  const scale = 2 ** -fracBits(f);
  const hi = maxRaw(f);
  const lo = f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f);
  return { lo: lo * scale, hi: hi * scale };
}

/** argmax of every row of `len` values (the first maximum, as numpy). */
function argmaxRows(v: ArrayLike<number>, len: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * len < v.length; r++) {
    let best = 0;
    for (let k = 1; k < len; k++) if (v[r * len + k] > v[r * len + best]) best = k;
    out.push(best);
  }
  return out;
}

interface BodyTensor { readonly t: DTensor; readonly loop: Layer; readonly layer: Layer | null; readonly acc: Acc }

/**
 * Tensors of loop-region bodies, keyed as traceFloat reports body values (`<region node>/<value>`): a loop layer
 * belongs to the LoopRegion node whose output its output tensor holds.
 */
function bodyTensors(design: Design, layers: readonly Layer[], g: Graph, prefix: string, into: Map<string, BodyTensor>): Map<string, BodyTensor> {
  for (const l of layers) {
    if (l.kind !== 'loop') continue;
    const node = g.nodes.find((n) => n.op === 'LoopRegion' && n.outputs[0] === design.tensors[l.output].onnxName);
    const add = (name: string, layer: Layer | null) => {
      const t = design.tensors[name];
      const { lo, hi } = formatRange(t.format);
      into.set(node ? `${prefix}${node.name}/${t.onnxName}` : `\0${name}`, { t, loop: l, layer, acc: new Acc(lo, hi) });
    };
    add(l.stateIn, null);
    for (const b of l.body) add(b.output, b);
    if (node) bodyTensors(design, l.body, (node.params as { body: Graph }).body, `${prefix}${node.name}/`, into);
  }
  return into;
}

function stats(t: DTensor, layer: Layer | null, a: Acc): TensorStats {
  return {
    tensor: t.name, onnxName: t.onnxName, layer: layer?.name ?? null, kind: layer?.kind ?? 'input', format: formatToCpp(t.format),
    elements: a.n, floatMaxAbs: a.maxAbs, maxAbsError: a.maxErr, sqnrDb: a.sqnr(), saturated: a.sat,
  };
}

/** Compares `design` with the float run of `graph` on samples[s][i] (input i of sample s). */
export function verifyDesign(design: Design, graph: Graph, samples: readonly (readonly ArrayLike<number>[])[], opts: { reference?: ReferenceData } = {}): VerifyReport {
  if (!samples.length) fail('FPGAC006', 'no input samples');
  const body = bodyTensors(design, design.layers, graph, '', new Map());
  const skip = new Set([...body.values()].map((b) => b.t.name));
  const writer = new Map<string, Layer>();
  for (const l of design.layers) writer.set(l.output, l);
  const order = [...design.inputs, ...design.layers.map((l) => l.output)].filter((n, i, all) => !skip.has(n) && all.indexOf(n) === i);
  const accs = new Map<string, Acc>();
  const outLen = design.outputs.map((n) => {
    const s = design.tensors[n].shape;
    return s.length ? s[s.length - 1] : 1;
  });
  const top1 = design.outputs.map(() => ({ same: 0, rows: 0 }));
  const fixedOut: Float64Array[][] = design.outputs.map(() => []);
  const floatOut: Float64Array[][] = design.outputs.map(() => []);
  let compared: string[] | undefined;
  for (const s of samples) {
    const fx = simulateSample(design, s, { trace: true }).trace!;
    const fl = new Map<string, Tensor>();
    traceFloat(graph, s, (prefix, name, t) => {
      if (!prefix) fl.set(name, t);
      else body.get(prefix + name)?.acc.addFloat(t.data);
    });
    if (!compared) {
      compared = order.filter((n) => fl.has(design.tensors[n].onnxName) && fx.has(n));
      for (const n of compared) {
        const { lo, hi } = formatRange(design.tensors[n].format);
        accs.set(n, new Acc(lo, hi));
      }
    }
    for (const n of compared) accs.get(n)!.add(fx.get(n)!, fl.get(design.tensors[n].onnxName)!.data);
    design.outputs.forEach((n, k) => {
      const a = fx.get(n)!;
      const b = fl.get(design.tensors[n].onnxName)?.data;
      fixedOut[k].push(a);
      if (!b) return;
      floatOut[k].push(b);
      const ra = argmaxRows(a, outLen[k]);
      const rb = argmaxRows(b, outLen[k]);
      ra.forEach((v, i) => { if (v === rb[i]) top1[k].same++; });
      top1[k].rows += ra.length;
    });
  }
  const layers = compared!.map((n) => stats(design.tensors[n], writer.get(n) ?? null, accs.get(n)!));
  const outputs: OutputStats[] = design.outputs.flatMap((n, k) => {
    const a = accs.get(n);
    if (!a) return [];
    const st: OutputStats = {
      ...stats(design.tensors[n], writer.get(n) ?? null, a), rows: top1[k].rows,
      top1Agreement: outLen[k] >= 2 && top1[k].rows ? top1[k].same / top1[k].rows : null,
    };
    if (k === 0 && opts.reference) return [{ ...st, reference: compareReference(opts.reference, fixedOut[0], floatOut[0], outLen[0]) }];
    return [st];
  });
  const regionTensors: RegionTensorStats[] = [...body.values()].map((b) => ({
    tensor: b.t.name, onnxName: b.t.onnxName, region: b.loop.name, layer: b.layer?.name ?? null, kind: b.layer?.kind ?? 'state',
    format: formatToCpp(b.t.format), elements: b.acc.n, floatMaxAbs: b.acc.maxAbs, saturated: b.acc.sat,
  }));
  return {
    model: design.model.file, precision: design.precision, samples: samples.length, layers, outputs, regionTensors,
    saturatedLayers: [
      ...layers.filter((l) => l.saturated > 0).map((l) => l.onnxName),
      ...regionTensors.filter((t) => t.saturated > 0).map((t) => `${t.region}/${t.onnxName}`),
    ],
  };
}

/** Labels (integers, one per output row) or logits (the output's size per sample) for the first output. */
function compareReference(ref: ReferenceData, fixedOut: readonly Float64Array[], floatOut: readonly Float64Array[], len: number): ReferenceStats {
  const per = fixedOut[0].length;
  const n = fixedOut.length;
  const rowsPer = per / len;
  const allInt = ref.data.every((v) => Number.isInteger(v));
  const fraction = (outs: readonly Float64Array[], want: (s: number, r: number) => number) => {
    let hit = 0;
    outs.forEach((o, s) => argmaxRows(o, len).forEach((v, r) => { if (v === want(s, r)) hit++; }));
    return hit / (outs.length * rowsPer);
  };
  const isLabels = ref.integer || (ref.data.length !== n * per && ref.data.length === n * rowsPer && allInt);
  if (isLabels) {
    if (ref.data.length !== n * rowsPer) fail('FPGAC006', `reference '${ref.file}' has ${ref.data.length} labels for ${n * rowsPer} output row(s)`);
    const label = (s: number, r: number) => ref.data[s * rowsPer + r];
    return {
      kind: 'labels', file: path.basename(ref.file), fixedAccuracy: fraction(fixedOut, label),
      floatAccuracy: floatOut.length === n ? fraction(floatOut, label) : undefined,
    };
  }
  if (ref.data.length !== n * per) {
    fail('FPGAC006', `reference '${ref.file}' has ${ref.data.length} values: expected ${n * rowsPer} labels or ${n * per} output values for ${n} samples`);
  }
  const refTop = Array.from({ length: n }, (_, s) => argmaxRows(ref.data.subarray(s * per, (s + 1) * per), len));
  const maxErr = (outs: readonly Float64Array[]) => {
    let m = 0;
    outs.forEach((o, s) => o.forEach((v, i) => { m = Math.max(m, Math.abs(v - ref.data[s * per + i])); }));
    return m;
  };
  return {
    kind: 'logits', file: path.basename(ref.file),
    fixedTop1Agreement: fraction(fixedOut, (s, r) => refTop[s][r]), fixedMaxAbsError: maxErr(fixedOut),
    floatTop1Agreement: floatOut.length === n ? fraction(floatOut, (s, r) => refTop[s][r]) : undefined,
    floatMaxAbsError: floatOut.length === n ? maxErr(floatOut) : undefined,
  };
}

/** `fpgac verify TARGET --input X.npy [--reference REF.npy]`. */
export function runVerify(target: string, opts: VerifyOptions): VerifyReport {
  const t = loadVerifyTarget(target, opts);
  const samples = readVerifyInputs(t.design, opts.inputs);
  return verifyDesign(t.design, t.graph, samples, { reference: opts.reference ? readReference(opts.reference) : undefined });
}

function num(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? v.toFixed(Math.max(0, digits - Math.floor(Math.log10(a)))).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') : v.toExponential(2);
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `${(100 * v).toFixed(2)}%`);
const db = (v: number | null) => (v === null ? '-' : v.toFixed(1));

/** The text report: one row per tensor, then the outputs, then the saturation summary. */
export function renderVerify(r: VerifyReport): string {
  const head = ['tensor', 'layer', 'format', 'max|float|', 'max|err|', 'SQNR dB', 'saturated'];
  const row = (t: TensorStats) => [t.onnxName, t.kind, t.format, num(t.floatMaxAbs), num(t.maxAbsError), db(t.sqnrDb), t.saturated ? `${t.saturated}/${t.elements}` : '0'];
  const table = (rows: string[][]) => {
    const w = rows[0].map((_, c) => Math.max(...rows.map((x) => x[c].length)));
    return rows.map((x) => x.map((v, c) => (c >= 3 ? v.padStart(w[c]) : v.padEnd(w[c]))).join('  ').trimEnd());
  };
  const lines = [`fpgac verify: ${r.model}, precision ${r.precision}, ${r.samples} sample(s); fixed-point design vs float reference`, ''];
  lines.push(...table([head, ...r.layers.map(row)]));
  lines.push('', 'outputs:');
  for (const o of r.outputs) {
    lines.push(`  ${o.onnxName}: max|err| ${num(o.maxAbsError)}, SQNR ${db(o.sqnrDb)} dB, saturated ${o.saturated}, top-1 agreement fixed/float ${pct(o.top1Agreement)} of ${o.rows} row(s)`);
    const ref = o.reference;
    if (ref?.kind === 'labels') lines.push(`    vs labels ${ref.file}: fixed accuracy ${pct(ref.fixedAccuracy)}, float accuracy ${pct(ref.floatAccuracy)}`);
    if (ref?.kind === 'logits') {
      lines.push(`    vs reference ${ref.file}: top-1 agreement fixed ${pct(ref.fixedTop1Agreement)}, float ${pct(ref.floatTop1Agreement)}; max|err| fixed ${num(ref.fixedMaxAbsError!)}, float ${ref.floatMaxAbsError === undefined ? '-' : num(ref.floatMaxAbsError)}`);
    }
  }
  if (r.regionTensors.length) {
    lines.push('', 'loop-region body tensors (float values of every step vs the format; errors are compared at the region output):');
    const rows = r.regionTensors.map((t) => [`${t.region}/${t.onnxName}`, t.kind, t.format, num(t.floatMaxAbs), t.saturated ? `${t.saturated}/${t.elements}` : '0']);
    lines.push(...table([['tensor', 'layer', 'format', 'max|float|', 'saturated'], ...rows]));
  }
  lines.push('');
  if (r.saturatedLayers.length) {
    lines.push(`saturation in ${r.saturatedLayers.length} tensor(s) (float values outside the format's range):`);
    for (const t of r.layers.filter((l) => l.saturated > 0)) lines.push(`  ${t.onnxName} (${t.kind}, ${t.format}): ${t.saturated} of ${t.elements} values, max|float| ${num(t.floatMaxAbs)}`);
    for (const t of r.regionTensors.filter((l) => l.saturated > 0)) lines.push(`  ${t.region}/${t.onnxName} (${t.kind} in a loop region, ${t.format}): ${t.saturated} of ${t.elements} values over all steps, max|float| ${num(t.floatMaxAbs)}`);
  } else lines.push('no saturation: every float value lies within its tensor\'s format');
  return lines.join('\n');
}


/** `verify --min-agreement F --min-sqnr DB`: the thresholds the fixed-point design must meet on every output. */
export interface VerifyThresholds {
  readonly minAgreement?: number;
  readonly minSqnrDb?: number;
}

/**
 * Every threshold an output misses, one line each (empty: all met). SQNR is the float output's power over the
 * error's; an output equal to the float model bit for bit has no error and meets any SQNR. A threshold no output
 * can be measured against (top-1 of a single-value output) is a usage error, not a pass.
 */
export function thresholdFailures(r: VerifyReport, t: VerifyThresholds): string[] {
  const out: string[] = [];
  if (t.minAgreement !== undefined) {
    const measured = r.outputs.filter((o) => o.top1Agreement !== null);
    if (!measured.length) fail('FPGAC005', '--min-agreement: no output has a last axis of 2 or more values, so top-1 agreement is not defined');
    for (const o of measured) {
      if (o.top1Agreement! < t.minAgreement) out.push(`output '${o.onnxName}': top-1 agreement with the float model ${(100 * o.top1Agreement!).toFixed(2)}% is below --min-agreement ${(100 * t.minAgreement).toFixed(2)}%`);
    }
  }
  if (t.minSqnrDb !== undefined) {
    for (const o of r.outputs) {
      if (o.sqnrDb !== null && o.sqnrDb < t.minSqnrDb) out.push(`output '${o.onnxName}': SQNR ${o.sqnrDb.toFixed(2)} dB is below --min-sqnr ${t.minSqnrDb} dB`);
      // No SQNR with an error: the float output is all zeros and the fixed one is not (−∞ dB).
      if (o.sqnrDb === null && o.maxAbsError > 0) out.push(`output '${o.onnxName}': the float output is 0 everywhere but the fixed-point one differs by up to ${o.maxAbsError} (SQNR −∞ dB, below --min-sqnr ${t.minSqnrDb} dB)`);
    }
  }
  return out;
}
