/**
 * @fileoverview `fpgac sim`: run a build directory's design.json (or a model compiled on the fly) bit-exactly on
 * .npy/.pb inputs, or its float reference with --float; --trace writes every layer's output.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Design } from '../ir/design.js';
import type { Graph } from '../ir/graph.js';
import { compileModel, type CompileOptions } from '../compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { runFloat } from '../reference.js';
import { readSamples, sampleOf, writeOutputs, outputPath, type SampleData } from '../data.js';
import { loadModel } from '../onnx/load.js';
import { inferAndFold } from '../passes/infer.js';
import { fail } from '../diagnostics.js';
import { cIdent } from '../emit/cpp.js';

export interface SimOptions extends CompileOptions {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly float?: boolean;
  readonly trace?: string;
}

export interface SimTarget {
  readonly design?: Design;
  readonly reference?: Graph;
}

/** Loads what `sim` runs: a build directory (design.json, source/model.onnx) or a model file. */
export function loadTarget(target: string, opts: CompileOptions, float: boolean): SimTarget {
  if (!existsSync(target)) fail('FPGAC001', `'${target}' does not exist`);
  if (statSync(target).isDirectory()) {
    if (float) {
      const src = path.join(target, 'source', 'model.onnx');
      if (!existsSync(src)) fail('FPGAC001', `'${target}' has no source/model.onnx for the float reference`);
      return { reference: inferAndFold(loadModel(src).graph).graph };
    }
    const file = path.join(target, 'design.json');
    if (!existsSync(file)) fail('FPGAC001', `'${target}' is not an fpgac build directory (no design.json)`);
    const design = JSON.parse(readFileSync(file, 'utf8')) as Design;
    if (design.format !== 'fpgac-design') fail('FPGAC001', `'${file}' is not an fpgac design`);
    return { design };
  }
  if (float) return { reference: inferAndFold(loadModel(target).graph).graph };
  return { design: compileModel(target, opts).design };
}

export interface SimRun {
  readonly samples: number;
  readonly outputs: Float64Array[][]; // [output][sample]
  readonly seconds: number;
}

function loadInputs(files: readonly string[], shapes: readonly (readonly number[])[], names: readonly string[]): SampleData[] {
  if (files.length !== shapes.length) fail('FPGAC005', `the model has ${shapes.length} input(s) (${names.join(', ')}); ${files.length} --input file(s) given`);
  const data = files.map((f, i) => readSamples(f, shapes[i], names[i]));
  if (new Set(data.map((d) => d.samples)).size > 1) fail('FPGAC006', `input files hold different sample counts (${data.map((d) => d.samples).join(', ')})`);
  return data;
}

export function runSim(target: SimTarget, opts: SimOptions): SimRun {
  const t0 = performance.now();
  const traces = new Map<string, { shape: readonly number[]; samples: Float64Array[] }>();
  const addTrace = (name: string, shape: readonly number[], v: Float64Array) => {
    const e = traces.get(name) ?? { shape, samples: [] };
    e.samples.push(v);
    traces.set(name, e);
  };
  let outputs: Float64Array[][];
  let outShapes: (readonly number[])[];
  let samples: number;
  if (target.design) {
    const d = target.design;
    const inputs = loadInputs(opts.inputs, d.inputs.map((n) => d.tensors[n].shape), d.inputs.map((n) => d.tensors[n].onnxName));
    samples = inputs.length ? inputs[0].samples : 1; // a model without inputs runs once
    outputs = d.outputs.map(() => []);
    outShapes = d.outputs.map((n) => d.tensors[n].shape);
    for (let s = 0; s < samples; s++) {
      const r = simulateSample(d, inputs.map((x) => sampleOf(x, s)), { trace: !!opts.trace });
      r.outputs.forEach((o, k) => outputs[k].push(o));
      r.trace?.forEach((v, name) => addTrace(name, d.tensors[name].shape, v));
    }
  } else {
    const g = target.reference!;
    const inputs = loadInputs(opts.inputs, g.inputs.map((i) => i.shape), g.inputs.map((i) => i.name));
    samples = inputs.length ? inputs[0].samples : 1; // a model without inputs runs once
    outputs = g.outputs.map(() => []);
    outShapes = g.outputs.map((o) => o.shape);
    for (let s = 0; s < samples; s++) {
      const r = runFloat(g, inputs.map((x) => sampleOf(x, s)), { trace: !!opts.trace });
      r.outputs.forEach((o, k) => { outputs[k].push(o.data); outShapes[k] = o.shape; });
      if (opts.trace) for (const n of g.nodes) for (const o of n.outputs) if (o && r.values!.has(o)) addTrace(cIdent(o), r.values!.get(o)!.shape, r.values!.get(o)!.data);
    }
  }
  outputs.forEach((o, k) => writeOutputs(outputPath(opts.output, k), o, outShapes[k]));
  if (opts.trace) {
    mkdirSync(opts.trace, { recursive: true });
    for (const [name, t] of traces) writeOutputs(path.join(opts.trace, `${name}.npy`), t.samples, t.shape);
  }
  return { samples, outputs, seconds: (performance.now() - t0) / 1000 };
}
