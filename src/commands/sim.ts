/**
 * @fileoverview `fpgac sim`: run a build directory's design.json (or a model compiled on the fly) bit-exactly on
 * .npy/.pb inputs, or its float reference with --float; --trace writes every layer's output. Loading the target
 * is src/commands/sim-target.ts.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Design, Layer } from '../ir/design.js';
import { numel, type DType, type Graph } from '../ir/graph.js';
import type { CompileOptions } from '../compile.js';
import { simulateBatch, simulateSample } from '../../sim/simulate.js';
import { batchWorkerCount } from '../../sim/batch.js';
import type { FloatRun } from '../reference.js';
import { checkOutputFile, readSamples, sampleOf, writeOutputData, writeOutputs, outputPath, type SampleData } from '../data.js';
import { fail } from '../diagnostics.js';
import { cIdent } from '../emit/cpp.js';

export interface SimOptions extends CompileOptions {
  readonly inputs: readonly string[];
  readonly output: string;
  readonly float?: boolean;
  readonly trace?: string;
  /** Threads for a fixed-point run (default: as many as pay off, see sim/batch.ts autoThreads). */
  readonly threads?: number;
}

/**
 * What `sim` runs: a design, or a float graph with the float reference that runs it (src/commands/sim-target.ts
 * loads either; this module stays light so `fpgac sim DIR` starts without the compiler).
 */
export interface SimTarget {
  readonly design?: Design;
  readonly reference?: Graph;
  readonly runFloat?: (g: Graph, inputs: readonly ArrayLike<number>[], opts?: { trace?: boolean }) => FloatRun;
}


export interface SimRun {
  readonly samples: number;
  readonly outputs: Float64Array[][]; // [output][sample]
  readonly seconds: number;
  /** Tensors with values at a rail of their saturating format (fixed-point runs), in layer order. */
  readonly saturated: readonly { readonly tensor: string; readonly onnxName: string; readonly values: number; readonly of: number }[];
  /** Threads the fixed-point run used (1: the calling thread alone; traced and float runs are sequential). */
  readonly threads: number;
}

function loadInputs(files: readonly string[], shapes: readonly (readonly number[])[], names: readonly string[], dtypes?: readonly DType[]): SampleData[] {
  if (files.length !== shapes.length) fail('FPGAC005', `the model has ${shapes.length} input(s) (${names.join(', ')}); ${files.length} --input file(s) given`);
  const data = files.map((f, i) => readSamples(f, shapes[i], names[i], dtypes?.[i], { shared: true }));
  if (new Set(data.map((d) => d.samples)).size > 1) fail('FPGAC006', `input files hold different sample counts (${data.map((d) => d.samples).join(', ')})`);
  return data;
}

/** How many times per sample each layer output is written: the product of the trip counts of its loops. */
function runsPerSample(layers: readonly Layer[], times = 1, out = new Map<string, number>()): Map<string, number> {
  for (const l of layers) {
    if (l.kind === 'loop') runsPerSample(l.body, times * l.trips, out);
    else out.set(l.output, times);
  }
  return out;
}

export function runSim(target: SimTarget, opts: SimOptions): SimRun {
  const t0 = performance.now();
  // Refused before the run, not after minutes of simulation.
  const outs = (target.design?.outputs.length ?? target.reference?.outputs.length ?? 1);
  for (let k = 0; k < outs; k++) checkOutputFile(outputPath(opts.output, k), opts.inputs);
  const traces = new Map<string, { shape: readonly number[]; samples: Float64Array[] }>();
  const addTrace = (name: string, shape: readonly number[], v: Float64Array) => {
    const e = traces.get(name) ?? { shape, samples: [] };
    e.samples.push(v);
    traces.set(name, e);
  };
  let outputs: Float64Array[][];
  let outShapes: (readonly number[])[];
  let samples: number;
  let threads = 1;
  let flat: Float64Array[] | null = null; // [output] every sample's values, when the run produced them so
  const sat = new Map<string, number>();
  if (target.design) {
    const d = target.design;
    const inputs = loadInputs(opts.inputs, d.inputs.map((n) => d.tensors[n].shape), d.inputs.map((n) => d.tensors[n].onnxName), d.inputs.map((n) => d.tensors[n].dtype ?? 'float32'));
    samples = inputs.length ? inputs[0].samples : 1; // a model without inputs runs once
    outShapes = d.outputs.map((n) => d.tensors[n].shape);
    if (opts.trace) {
      outputs = d.outputs.map(() => []);
      for (let s = 0; s < samples; s++) {
        const r = simulateSample(d, inputs.map((x) => sampleOf(x, s)), { trace: true, saturation: sat });
        r.outputs.forEach((o, k) => outputs[k].push(o));
        r.trace?.forEach((v, name) => addTrace(name, d.tensors[name].shape, v));
      }
    } else {
      // The whole batch at once: layer-major groups and worker threads (sim/simulate.ts), the same bits.
      const outs = simulateBatch(d, inputs.map((x) => x.data.subarray(0, samples * x.per)), samples, { saturation: sat, threads: opts.threads });
      threads = batchWorkerCount() + 1;
      flat = outs;
      outputs = outs.map((o) => { const per = o.length / Math.max(samples, 1); return Array.from({ length: samples }, (_, s) => o.subarray(s * per, (s + 1) * per)); });
    }
  } else {
    const g = target.reference!;
    const inputs = loadInputs(opts.inputs, g.inputs.map((i) => i.shape), g.inputs.map((i) => i.name), g.inputs.map((i) => i.dtype));
    samples = inputs.length ? inputs[0].samples : 1; // a model without inputs runs once
    outputs = g.outputs.map(() => []);
    outShapes = g.outputs.map((o) => o.shape);
    for (let s = 0; s < samples; s++) {
      const r = target.runFloat!(g, inputs.map((x) => sampleOf(x, s)), { trace: !!opts.trace });
      r.outputs.forEach((o, k) => { outputs[k].push(o.data); outShapes[k] = o.shape; });
      if (opts.trace) for (const n of g.nodes) for (const o of n.outputs) if (o && r.values!.has(o)) addTrace(cIdent(o), r.values!.get(o)!.shape, r.values!.get(o)!.data);
    }
  }
  outputs.forEach((o, k) => (flat ? writeOutputData(outputPath(opts.output, k), flat[k], samples, outShapes[k]) : writeOutputs(outputPath(opts.output, k), o, outShapes[k])));
  if (opts.trace) {
    if (existsSync(opts.trace) && !statSync(opts.trace).isDirectory()) fail('FPGAC005', `--trace '${opts.trace}' exists and is not a folder`);
    mkdirSync(opts.trace, { recursive: true });
    for (const [name, t] of traces) writeOutputs(path.join(opts.trace, `${name}.npy`), t.samples, t.shape);
  }
  const d = target.design;
  const runs = d ? runsPerSample(d.layers) : new Map<string, number>();
  const saturated = d ? [...sat].filter(([, n]) => n > 0).map(([t, n]) => ({ tensor: t, onnxName: d.tensors[t].onnxName, values: n, of: numel(d.tensors[t].shape) * samples * (runs.get(t) ?? 1) })) : [];
  return { samples, outputs, seconds: (performance.now() - t0) / 1000, saturated, threads };
}
