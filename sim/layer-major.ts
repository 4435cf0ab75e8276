/**
 * @fileoverview Batches of small designs layer by layer. Run a sample at a time, a model of a few hundred
 * multiply-adds spends most of its time entering kernels (plan lookups, format checks, loop set-up) rather than in
 * their loops. Here B samples' tensors lie side by side in one buffer per tensor, and each layer runs once for all B
 * where its own sizes can say so — a dense layer's rows, the element counts of unary and table layers, softmax's
 * outer count, an element-wise layer's leading axis (the sample's stride for a tensor operand, 0 for a constant) —
 * or where its engine can take B samples (convs on the int16 matrix-product engine), and once per sample, on views
 * of the buffers, otherwise. Every kernel is the one the sample path runs, on the
 * same raws in the same order: the bits cannot differ (test/sim/layer-major.test.ts checks it on every layer kind).
 *
 * Worth it only when the buffers stay bounded (32 MB for B samples) and some layer runs whole: layerMajorPlan
 * returns null otherwise, and a batch's last samples that do not fill B go through the sample path.
 */
import type { ComputeLayer, Conv2dLayer, Design, Layer, Operand } from '../src/ir/design.js';
import type { FixedFormat } from './fixed.js';
import { numel } from '../src/ir/graph.js';
import type { KernelIO } from './kernels/common.js';
import { SIM_KERNELS } from './kernels/index.js';
import { inputSlot, loopCasts, quantize, readInto, readout, runLoop, type InputSlot, type LoopCasts, type Readout } from './buffers.js';
import { planFor } from './kernels/conv.js';
import { ConvI16 } from './kernels/conv-gemm.js';

type Kernel = (layer: ComputeLayer, io: KernelIO) => void;

/** One layer for all B samples at once (`whole`), or once per sample on views; or a loop region. */
type BatchStep =
  | { readonly whole: true; readonly kernel: Kernel; readonly layer: ComputeLayer; readonly io: KernelIO }
  | { readonly whole: false; readonly kernel: Kernel; readonly layer: ComputeLayer; readonly ios: readonly KernelIO[]; readonly all: KernelIO }
  | { readonly loop: BatchLoop };

interface BatchLoop extends LoopCasts {
  readonly trips: number;
  readonly body: readonly BatchStep[];
}

export interface LayerMajorPlan {
  /** Samples per pass (B). */
  readonly size: number;
  readonly inputs: readonly InputSlot[];
  readonly steps: readonly BatchStep[];
  readonly outputs: readonly Readout[];
}

/** Doubles of all B samples' buffers at most (32 MB), samples per pass at most, and at least (else not worth it). */
const BUFFER_BUDGET = 1 << 22;
const MAX_SIZE = 64;
const MIN_SIZE = 8;

/**
 * The layer computing B samples in one kernel call, with the sizes that say so, or null when its kernel has no such
 * size (it then runs per sample). A copy: kernels key their prepared data by the layer object, so the copy gets its
 * own (a dense layer's rows-sized buffers) and the design's layer keeps its.
 */
function wholeLayer(design: Design, layer: ComputeLayer, size: number): ComputeLayer | null {
  switch (layer.kind) {
    case 'dense': return { ...layer, rows: layer.rows * size };
    case 'unary': return { ...layer, n: layer.n * size };
    case 'lut': return { ...layer, n: layer.n * size };
    case 'softmax': return { ...layer, outer: layer.outer * size };
    case 'eltwise': {
      // The walk's leading axis of 1 becomes the sample axis: a tensor operand steps a whole sample, a constant not.
      if (layer.outShape[0] !== 1 || layer.outShape.reduce((a, b) => a * b, 1) !== numel(design.tensors[layer.output].shape)) return null;
      const step = (op: Operand) => ('tensor' in op ? numel(design.tensors[op.tensor].shape) : 0);
      return {
        ...layer, outShape: [size, ...layer.outShape.slice(1)],
        aStrides: [step(layer.a), ...layer.aStrides.slice(1)], bStrides: [step(layer.b), ...layer.bStrides.slice(1)],
      };
    }
    default: return null;
  }
}

/**
 * A conv layer the int16 matrix-product engine (sim/kernels/conv-gemm.ts) takes for B samples a run (their output
 * positions one list of rows), with the sample plan's bias, scale and cast; or null (shifted layers, or a layer the
 * engine does not take, run per sample).
 */
function convWhole(layer: Conv2dLayer, inF: FixedFormat, outF: FixedFormat, size: number): Kernel | null {
  if (layer.shift) return null;
  const engine = ConvI16.create(layer, inF, size);
  if (!engine) return null;
  return (_l, io) => {
    const plan = planFor(layer, inF, outF);
    engine.run(io.inputs[0], io.out, plan.bias, plan.pScale, plan.fused, plan.finish!, plan.acc);
  };
}

/** Values a sample's buffers hold: inputs and every layer output (a loop's state and body too). */
function sampleValues(design: Design, layers: readonly Layer[]): number {
  let n = 0;
  for (const l of layers) {
    n += numel(design.tensors[l.output].shape);
    if (l.kind === 'loop') n += numel(design.tensors[l.stateIn].shape) + sampleValues(design, l.body);
  }
  return n;
}

/** The plan for B samples at a time, or null when the design is too large for it or no layer would run whole. */
export function layerMajorPlan(design: Design): LayerMajorPlan | null {
  const per = sampleValues(design, design.layers) + design.inputs.reduce((s, n) => s + numel(design.tensors[n].shape), 0);
  const size = Math.min(MAX_SIZE, Math.floor(BUFFER_BUDGET / Math.max(1, per)));
  if (size < MIN_SIZE) return null;
  const bufs = new Map<string, Float64Array>();
  const inputs = design.inputs.map((name) => {
    const t = design.tensors[name];
    const buf = new Float64Array(size * numel(t.shape));
    bufs.set(name, buf);
    return inputSlot(buf, t.format);
  });
  let whole = 0;
  const build = (layers: readonly Layer[]): BatchStep[] => layers.map((layer): BatchStep => {
    const ins = layer.inputs.map((n) => bufs.get(n)!);
    const fresh = (n: string) => {
      const b = new Float64Array(size * numel(design.tensors[n].shape));
      bufs.set(n, b);
      return b;
    };
    if (layer.kind === 'loop') {
      const stateIn = fresh(layer.stateIn);
      const body = build(layer.body);
      const out = fresh(layer.output);
      return { loop: { ...loopCasts(design, layer, ins[0], stateIn, bufs.get(layer.stateOut)!, out), trips: layer.trips, body } };
    }
    const kernel = SIM_KERNELS[layer.kind] as Kernel;
    const inFormats = layer.inputs.map((n) => design.tensors[n].format);
    const outFormat = design.tensors[layer.output].format;
    const out = fresh(layer.output);
    const conv = layer.kind === 'conv2d' ? convWhole(layer, inFormats[0], outFormat, size) : null;
    if (conv) {
      whole++;
      return { whole: true, kernel: conv, layer, io: { inputs: ins, inFormats, out, outFormat } };
    }
    const w = wholeLayer(design, layer, size);
    if (w) {
      whole++;
      return { whole: true, kernel, layer: w, io: { inputs: ins, inFormats, out, outFormat } };
    }
    const view = (b: Float64Array, s: number) => { const n = b.length / size; return b.subarray(s * n, (s + 1) * n); };
    const ios = Array.from({ length: size }, (_, s): KernelIO => ({ inputs: ins.map((b) => view(b, s)), inFormats, out: view(out, s), outFormat }));
    return { whole: false, kernel, layer, ios, all: { inputs: ins, inFormats, out, outFormat } };
  });
  const steps = build(design.layers);
  if (!whole) return null;
  const outputs = design.outputs.map((name) => readout(design, name, bufs.get(name)!));
  return { size, inputs, steps, outputs };
}

/**
 * Called after each layer (every trip of a loop body too) with the I/O of all B samples: the output buffer holds
 * exactly B samples' values, so a count over it (saturation) is the sum of the B samples' own counts.
 */
export type AfterBatchLayer = ((layer: ComputeLayer, io: KernelIO) => void) | null;

function runSteps(steps: readonly BatchStep[], after: AfterBatchLayer): void {
  for (const s of steps) {
    if ('loop' in s) {
      const l = s.loop;
      runLoop(l.trips, l, () => runSteps(l.body, after));
    } else if (s.whole) {
      s.kernel(s.layer, s.io);
      if (after) after(s.layer, s.io);
    } else {
      for (const io of s.ios) s.kernel(s.layer, io);
      if (after) after(s.layer, s.all);
    }
  }
}

/**
 * Samples first .. first + B − 1 of the batch: `inputs[i]` holds design input i of every sample (concatenated),
 * `outs[k]` receives output k of each at its place. `quantized` sees each input's B quantized samples.
 */
export function runLayerMajor(plan: LayerMajorPlan, inputs: readonly Float64Array[], first: number, outs: readonly Float64Array[],
  after: AfterBatchLayer = null, quantized: ((i: number, t: InputSlot) => void) | null = null): void {
  plan.inputs.forEach((t, i) => {
    quantize(inputs[i], first * (t.buf.length / plan.size), t);
    if (quantized) quantized(i, t);
  });
  runSteps(plan.steps, after);
  plan.outputs.forEach((r, k) => readInto(r, outs[k], first * (r.buf.length / plan.size)));
}
