/**
 * @fileoverview `fpgac build`: compile a model and write the HLS project, with default testbench data (the
 * bundled sample for the example model, otherwise seeded random inputs) and the simulator's outputs for them.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { compileModel, type CompileOptions, type Compiled } from './compile.js';
import { DEFAULT_PRECISION } from './quant/precision.js';
import type { Plan } from './plan/types.js';
import { renderProject } from './emit/project.js';
import { checkOutputDir, rewriteBuildFiles, writeOutputDir } from './outdir.js';
import { designPacking, type InterfaceKind } from './deploy/packing.js';
import { interfaceReport } from './deploy/transfer.js';
import { renderBlockDesign } from './deploy/blockdesign.js';
import { wrapperName } from './deploy/wrapper.js';
import { driverFiles } from './deploy/driver.js';
import { prepareSplit, type PreparedSplit } from './deploy/split-build.js';
import { encodeNpy } from './npy.js';
import { simulateBatch } from '../sim/simulate.js';
import { stopBatchWorkers } from '../sim/batch.js';
import { numel, type Graph } from './ir/graph.js';
import { isOp } from './ops/registry.js';
import { fail } from './diagnostics.js';
import { readSamples, sampleDims } from './data.js';
import { buildReport, flushedWeights, flushedWeightWarnings, renderReportMd, type Report } from './report.js';
import { parsePrecision } from './quant/precision.js';
import { boards, resolveBoard, type Board } from './plan/boards.js';
import { planDesign, type WeightsFrom } from './plan/plan.js';
import type { HlsTool } from './emit/pragmas.js';
import { emitPlanOf } from './emit/block.js';
import type { Schedule, UtilizationBudget } from './plan/types.js';
import { budgetWarnings } from './plan/totals.js';
import { exampleModel } from './paths.js';
import { externalDataFiles } from './onnx/load.js';
import { VERSION } from './version.js';
import { renderReportHtml } from './emit/report-html.js';
import { runSynthesis } from './plan/synth-run.js';
import { seededGrid } from './util/random.js';
import { maxRaw, minRaw, type FixedFormat } from '../sim/fixed.js';

export interface BuildOptions extends CompileOptions {
  readonly board?: string;
  readonly part?: string;
  readonly clockMHz?: number;
  /** Inputs for the default csim run (one file per graph input); default: seeded random samples. */
  readonly inputs?: readonly string[];
  /** Build even when the plan exceeds the board (`--allow-overflow`). */
  readonly allowOverflow?: boolean;
  /** Pragma spelling and Tcl flow: Vitis HLS (default) or Vivado HLS 2019.x/2020.1 (`--hls-tool`). */
  readonly hlsTool?: HlsTool;
  /** Stop adding parallelism at this throughput (`--target-fps`); default: the best that fits. */
  readonly targetFps?: number;
  /** Reuse factor per layer from the configuration file (`--config`). */
  readonly reuse?: ReadonlyMap<string, number>;
  /** Sequential layers, one pipeline at II = 1, or (default) pipelined when that fits (`--schedule`). */
  readonly schedule?: Schedule | 'auto';
  /** Where MAC weights live: on chip, streamed from DDR, or (auto) streamed only where on-chip memory runs out (`--weights`). */
  readonly weightsFrom?: WeightsFrom;
  /** Run vitis_hls/vivado_hls (csynth) after writing the project and merge its report (`--synth`). */
  readonly synth?: boolean;
  /** Replace an output folder fpgac did not write, or files changed since it did (`--force`). */
  readonly force?: boolean;
  /** Other files the build reads (the `--config` file): the output folder may not hold them. */
  readonly alsoReads?: readonly string[];
  /** How the IP meets the outside (`--interface`): default axis on Zynq boards, m_axi on Alveo (docs/deploy.md). */
  readonly interface?: InterfaceKind;
  /** `--fpga-from` / `--fpga-to`: the first and last nodes of the part the FPGA runs; the rest goes to host/. */
  readonly fpgaFrom?: readonly string[];
  readonly fpgaTo?: readonly string[];
  /** Shares of each resource the planner may fill (`--max-utilization`); default src/plan/totals.ts defaultBudget. */
  readonly maxUtilization?: Partial<UtilizationBudget>;
}

export interface BuildResult {
  readonly dir: string;
  /** Entries of the previous build folder that fpgac did not write and kept (Vitis results, your files). */
  readonly kept: readonly string[];
  /** Repairs of folders an interrupted earlier build left. */
  readonly repaired: readonly string[];
  readonly compiled: Compiled;
  readonly report: Report;
  readonly board: Board;
  readonly seconds: number;
}

/** With --precision auto: the widths tried and what the chosen one saves against the 16-bit default. */
function precisionSearchReport(opts: BuildOptions, compiled: Compiled, plan: Plan, board: Board, clockMHz: number) {
  if (!compiled.search) return {};
  const refPlan = planDesign(compiled.designAt(DEFAULT_PRECISION), board, { clockMHz, allowOverflow: true, targetFps: opts.targetFps, reuse: opts.reuse, schedule: opts.schedule, maxUtilization: opts.maxUtilization, weightsFrom: opts.weightsFrom }).plan;
  const cost = (p: Plan) => ({ dsp: p.totals.dsp, bram18: p.totals.bram18, uram: p.totals.uram, lut: p.totals.lut, latencyCycles: p.totals.latencyCycles });
  return { precisionSearch: { ...compiled.search, chosenCost: cost(plan), defaultPrecision: DEFAULT_PRECISION, defaultCost: cost(refPlan) } };
}

/** Deterministic inputs in [-1, 1): the same bytes on every build. */
function seededSamples(shape: readonly number[], count: number, seed: number): Float64Array {
  // On the 1/1024 grid so the values are exact in any format with ≥ 10 fraction bits, and in float32.
  return seededGrid(count * numel(shape), seed);
}

/** Deterministic whole numbers spread over an integer input's whole range (uint8 pixels 0..255, ...). */
function seededIntegers(shape: readonly number[], count: number, seed: number, f: FixedFormat): Float64Array {
  const lo = minRaw(f);
  const span = maxRaw(f) - lo + 1;
  return seededGrid(count * numel(shape), seed).map((v) => lo + Math.min(span - 1, Math.floor(((v + 1) / 2) * span)));
}

/** The float weights of the canonical node a layer comes from (its weight input), for the flushed-weight check. */
function floatWeightsOf(compiled: Compiled): (node: string) => ArrayLike<number> | undefined {
  const byName = new Map<string, ArrayLike<number>>();
  // Region bodies (LoopRegion params.body) hold the nodes of weight-tied steps, with their own constants.
  const visit = (g: Graph) => {
    for (const n of g.nodes) {
      const w = n.inputs[1] ? g.constants.get(n.inputs[1])?.data : undefined;
      if (w) byName.set(n.name, w);
      if (isOp(n, 'LoopRegion')) visit(n.params.body);
    }
  };
  visit(compiled.canonical);
  return (name) => byName.get(name);
}

/**
 * What the user asked for but did not get, and designs that "fit" for the wrong reason: a --target-fps the plan
 * cannot reach, a precision whose step exceeds 1, and weights that mostly round to zero; and the loader's warnings
 * (an opset newer than fpgac knows).
 */
function buildWarnings(opts: BuildOptions, compiled: Compiled, plan: Plan): string[] {
  const out: string[] = compiled.loaded.warnings.map((w) => `${w.code}: ${w.message}`);
  if (opts.targetFps !== undefined && plan.totals.throughputFps < opts.targetFps) {
    out.push(`--target-fps ${opts.targetFps} is not reached: the plan gives ${plan.totals.throughputFps.toFixed(1)} inferences/s (II ${plan.totals.iiCycles} cycles at ${plan.clockMHz} MHz) with every layer as parallel as the utilization budget on ${plan.board.name} allows; a bigger --board, a higher --clock, a narrower --precision or a higher --max-utilization would raise it`);
  }
  const p = opts.precision && opts.precision !== 'auto' ? parsePrecision(opts.precision) : undefined;
  if (p && p.int > p.width) {
    const step = 2 ** (p.int - p.width);
    const [lo, hi] = p.signed ? [-(2 ** (p.int - 1)), 2 ** (p.int - 1) - step] : [0, 2 ** p.int - step];
    out.push(`--precision ${opts.precision} has more integer bits than bits: its step is 2^${p.int - p.width} = ${step}, so every value is a multiple of ${step} from ${lo} to ${hi}, and anything smaller in magnitude than half a step rounds to 0 (legal ap_fixed, rarely what a network needs)`);
  }
  out.push(...budgetWarnings(plan));
  out.push(...flushedWeightWarnings(compiled.design, floatWeightsOf(compiled)));
  return out;
}

/** Zynq boards get a DMA-ready AXI4-Stream IP, Alveo boards memory-mapped ports (docs/deploy.md). */
function defaultInterface(board: Board): InterfaceKind {
  return board.ps ? 'axis' : 'm_axi';
}

/**
 * The bus width: the board's HP port / DMA width on Zynq (64 bits on Zynq-7000, 128 on UltraScale+), 128 bits on
 * Alveo (fpgac's host headers stop at 128-bit integers, so C-simulation keeps working).
 */
function busBitsFor(board: Board, kind: InterfaceKind): number {
  if (kind === 'memory') return 64;
  return board.dmaBits ?? 128;
}

function defaultInputFiles(modelPath: string): string[] | undefined {
  if (path.resolve(modelPath) !== path.resolve(exampleModel())) return undefined;
  const sample = path.join(path.dirname(exampleModel()), 'sample_x.npy');
  return existsSync(sample) ? [sample] : undefined;
}

export function buildProject(modelPath: string, outDir: string, opts: BuildOptions = {}): BuildResult {
  const t0 = performance.now();
  const board = resolveBoard(opts.board, opts.part);
  if (opts.clockMHz !== undefined && !(opts.clockMHz >= 1 && opts.clockMHz <= 1000)) fail('FPGAC005', `clock ${opts.clockMHz} MHz is outside 1 to 1000 MHz`);
  if (!existsSync(modelPath)) fail('FPGAC001', `model file '${modelPath}' not found`);
  // Refuse a dangerous output folder before any work (and again, definitively, when writing).
  const reads = [modelPath, ...(opts.inputs ?? []), ...(opts.calibrate ?? []), ...(opts.alsoReads ?? [])];
  checkOutputDir(outDir, { force: opts.force, reads, model: modelPath });
  const split = opts.fpgaFrom?.length || opts.fpgaTo?.length
    ? prepareSplit(modelPath, opts.fpgaFrom ?? [], opts.fpgaTo ?? [], { inputs: opts.inputs, calibrate: opts.calibrate, limits: opts.limits })
    : undefined;
  try {
    return buildFrom(split ? split.fabricPath : modelPath, modelPath, outDir, board, reads, t0, split, split ? { ...opts, inputs: split.inputs, calibrate: split.calibrate } : opts);
  } finally {
    split?.cleanup();
  }
}

/**
 * The build proper: `source` is the model the design is compiled from (the fabric part of a split), `modelPath` the
 * user's model (its folder is protected, its bytes go to source/model.onnx when not split).
 */
function buildFrom(source: string, modelPath: string, outDir: string, board: Board, reads: readonly string[], t0: number, split: PreparedSplit | undefined, opts: BuildOptions): BuildResult {
  const compiled = compileModel(source, opts);
  const { design } = compiled;
  const clockMHz = opts.clockMHz ?? board.clockMHz;
  const planned = planDesign(design, board, { clockMHz, allowOverflow: opts.allowOverflow, targetFps: opts.targetFps, reuse: opts.reuse, schedule: opts.schedule, maxUtilization: opts.maxUtilization, weightsFrom: opts.weightsFrom });
  const emitPlan = emitPlanOf(planned, opts.hlsTool ?? 'vitis');
  const files = opts.inputs ?? (split ? undefined : defaultInputFiles(modelPath));
  const inputs = design.inputs.map((name, i) => {
    const shape = design.tensors[name].shape;
    if (files?.[i]) return readSamples(files[i], shape, design.tensors[name].onnxName, design.tensors[name].dtype);
    const dtype = design.tensors[name].dtype;
    const data = dtype ? seededIntegers(shape, 4, 1 + i, design.tensors[name].format) : seededSamples(shape, 4, 1 + i);
    return { file: '', samples: 4, per: numel(shape), data };
  });
  const samples = inputs.length ? Math.min(...inputs.map((d) => d.samples)) : 1; // no inputs: one run
  const extra = new Map<string, string | Uint8Array>();
  const inputPaths = inputs.map((_, i) => `tb_data/input_${i}.npy`);
  inputs.forEach((d, i) => {
    const shape = design.tensors[design.inputs[i]].shape;
    extra.set(inputPaths[i], encodeNpy({ shape: [samples, ...sampleDims(shape)], data: d.data.subarray(0, samples * d.per) }));
  });
  // The simulator's outputs for the testbench data: one batch (fast kernels, worker threads for many samples).
  const outs = simulateBatch(design, inputs.map((d) => d.data.subarray(0, samples * d.per)), samples);
  // The batch's worker threads hold a copy of the design and its kernels' plans: free them before rendering.
  stopBatchWorkers();
  design.outputs.forEach((name, k) => {
    const shape = design.tensors[name].shape;
    extra.set(k === 0 ? 'tb_data/sim_output.npy' : `tb_data/sim_output.${k}.npy`, encodeNpy({ shape: [samples, ...sampleDims(shape)], data: outs[k] }));
  });
  const kind = opts.interface ?? defaultInterface(board);
  const packing = designPacking(design, kind, busBitsFor(board, kind));
  const iface = interfaceReport(packing, clockMHz, planned.plan.totals.latencyCycles, planned.plan.totals.iiCycles, planned.plan.schedule === 'dataflow');
  const base = { ...buildReport(design, compiled.log, `fpgac ${VERSION}`), interface: iface, ...(split ? { split: split.report } : {}) };
  const warnings = [...(base.warnings ?? []), ...buildWarnings(opts, compiled, planned.plan)];
  const flushed = flushedWeights(compiled.design, floatWeightsOf(compiled));
  const report: Report = { ...base, ...(warnings.length ? { warnings } : {}), ...(flushed ? { flushedWeights: flushed } : {}), plan: planned.plan, ...precisionSearchReport(opts, compiled, planned.plan, board, clockMHz) };
  extra.set('report.json', JSON.stringify(report, null, 2) + '\n');
  extra.set('report.md', renderReportMd(report));
  extra.set('report.html', renderReportHtml(report));
  // `fpgac sim DIR --float` runs the float reference of the model this project was built from.
  // (the fabric part of a split: what the design computes; host/ holds the head and the tail)
  extra.set('source/model.onnx', readFileSync(source));
  for (const [k, v] of split?.files ?? []) extra.set(k, v);
  const external = externalDataFiles(source);
  for (const f of external) {
    try {
      extra.set(path.posix.join('source', f), readFileSync(path.join(path.dirname(source), f)));
    } catch (e) {
      // Read moments ago by the loader: gone or unreadable since.
      fail('FPGAC001', `external data file '${f}' of the model cannot be read any more (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  extra.set('source/build.json', JSON.stringify({ precision: opts.precision ?? null, top: design.name, board: board.name, part: board.part, clockMHz, hlsTool: emitPlan.tool, calibrate: (opts.calibrate ?? []).map((f) => path.basename(f)) }, null, 2) + '\n');
  // The Vivado block design for a Zynq board (docs/deploy.md): the wrapper's IP, the PS, DMA or HP connections.
  // Only for the board's own part: with --part naming another device, the board's preset would not apply.
  const zynq = board.ps !== undefined && kind !== 'memory' && board.part.toLowerCase() === boards().get(board.name)?.part.toLowerCase();
  if (zynq) {
    extra.set('build_bd.tcl', renderBlockDesign({
      name: design.name, top: wrapperName(design.name, kind), ipName: wrapperName(design.name, kind), interface: kind as 'axis' | 'm_axi', board, clockMHz,
      busBits: packing.busBits, inPorts: design.inputs.length, outPorts: design.outputs.length, weightImage: !!planned.plan.weightImage, version: VERSION,
    }));
  }
  // The host drivers read the packing and formats from driver/design.json (docs/deploy.md).
  if (kind !== 'memory') for (const [k, v] of driverFiles(design, packing, { version: VERSION, tbSamples: samples, ipInstance: `${wrapperName(design.name, kind)}_0`, weights: planned.plan.weightImage })) extra.set(k, v);
  const project = renderProject({ ...design, io: packing }, { part: board.part, clockNs: +(1000 / clockMHz).toFixed(3), defaultInputs: inputPaths, extra, plan: emitPlan, packing, tbSamples: samples, bitstream: zynq });
  const written = writeOutputDir(outDir, project.files, { force: opts.force, reads: [...reads, ...external.map((f) => path.join(path.dirname(source), f))], model: modelPath, version: VERSION });
  const done = { kept: written.kept, repaired: written.repaired };
  if (opts.synth) {
    // The HLS run writes into the finished project; its results join the estimate in the reports.
    const synthesis = runSynthesis(outDir, { tool: emitPlan.tool === 'vivado' ? 'vivado_hls' : 'vitis_hls' });
    const merged = { ...report, plan: { ...planned.plan, synthesis } };
    rewriteBuildFiles(outDir, new Map([
      ['report.json', JSON.stringify(merged, null, 2) + '\n'], ['report.md', renderReportMd(merged)], ['report.html', renderReportHtml(merged)],
    ]));
    return { dir: path.resolve(outDir), ...done, compiled, report: merged, board, seconds: (performance.now() - t0) / 1000 };
  }
  return { dir: path.resolve(outDir), ...done, compiled, report, board, seconds: (performance.now() - t0) / 1000 };
}
