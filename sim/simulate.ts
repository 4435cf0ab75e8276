/**
 * @fileoverview Bit-exact execution of a fixed-point Design, one sample at a time, exactly as the emitted HLS
 * C++ computes it: inputs are converted from double to the input format (exact, then the format's rounding),
 * every layer runs its kernel on raw integers, and outputs are returned as the exact doubles raw · 2^-frac.
 *
 * Speed: the first run of a Design builds a plan (cached per Design object, so a design must not be mutated
 * after its first run): one raw buffer per layer output and the KernelIO of every layer, reused by every later
 * sample. Kernels prepare their own per-layer data once (WeakMaps keyed by the layer). Nothing is allocated per
 * layer and sample; outputs (and traces) are always fresh arrays. Dense and conv layers whose raws fit int16 run
 * their sums in WebAssembly SIMD (kernels/int16.ts: preconditions checked per layer, exact by construction), and
 * simulateBatch splits large batches across worker threads (batch.ts); neither changes a bit.
 */
import { maxRaw, minRaw, type FixedFormat } from './fixed.js';
import type { ComputeKind, ComputeLayer, Design, Layer, LoopLayer } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import type { KernelIO } from './kernels/common.js';
import { SIM_KERNELS } from './kernels/index.js';
import { autoThreads, parallelBatch, sequentialBatch } from './batch.js';
import { inputSlot, loopCasts, quantize, readInto, readout, runLoop, sameType, type InputSlot, type LoopCasts, type Readout } from './buffers.js';
import { layerMajorPlan, runLayerMajor, type LayerMajorPlan } from './layer-major.js';

export type SimKernel<L extends ComputeLayer> = (layer: L, io: KernelIO) => void;
/** One kernel per compute layer kind; `loop` layers are control flow, run here (see runLoop). */
export type SimKernelTable = { readonly [K in ComputeKind]: SimKernel<Extract<ComputeLayer, { kind: K }>> };

export interface SimResult {
  /** One array per design output, values as exact doubles. */
  readonly outputs: Float64Array[];
  /** Every tensor's values (doubles) when tracing was requested, keyed by DTensor name. */
  readonly trace?: Map<string, Float64Array>;
}

/** A compute layer with its buffers, or a loop: its entry cast, body steps and state buffers. */
type Step =
  | { readonly layer: ComputeLayer; readonly kernel: SimKernel<ComputeLayer>; readonly io: KernelIO; readonly loop?: undefined }
  | { readonly layer: LoopLayer; readonly loop: LoopPlan };

interface LoopPlan extends LoopCasts {
  readonly body: readonly Step[];
}

interface DesignPlan {
  readonly inputs: readonly InputSlot[];
  readonly steps: readonly Step[];
  readonly outputs: readonly Readout[];
  /** Every tensor in the order the original per-sample map first saw it (inputs, then layer outputs). */
  readonly traced: readonly Readout[];
}

const designPlans = new WeakMap<Design, DesignPlan>();

/**
 * Steps for `layers`; `bufs` maps a tensor name to its current buffer. Each layer gets its own output buffer, so
 * a design that writes a tensor twice still behaves as the map of fresh arrays it replaces (readers see the
 * latest write).
 */
function buildSteps(design: Design, layers: readonly Layer[], bufs: Map<string, Float64Array>): Step[] {
  const tensor = (n: string) => {
    const t = design.tensors[n];
    if (!t) throw new Error(`tensor '${n}' is not declared in the design`);
    return t;
  };
  const bufOf = (layer: Layer, n: string) => {
    const b = bufs.get(n);
    if (!b) throw new Error(`layer ${layer.name}: input tensor '${n}' is not computed before it`);
    return b;
  };
  const fresh = (n: string) => {
    const b = new Float64Array(numel(tensor(n).shape));
    bufs.set(n, b);
    return b;
  };
  return layers.map((layer): Step => {
    const ins = layer.inputs.map((n) => bufOf(layer, n));
    if (layer.kind === 'loop') {
      if (!(Number.isInteger(layer.trips) && layer.trips >= 0)) throw new Error(`loop ${layer.name}: trip count ${layer.trips}`);
      if (ins.length !== 1) throw new Error(`loop ${layer.name}: one input (the initial state) expected, got ${ins.length}`);
      const stateIn = fresh(layer.stateIn);
      const body = buildSteps(design, layer.body, bufs);
      const stateOut = bufOf(layer, layer.stateOut);
      const out = fresh(layer.output);
      return { layer, loop: { ...loopCasts(design, layer, ins[0], stateIn, stateOut, out), body } };
    }
    const outT = tensor(layer.output);
    const io: KernelIO = { inputs: ins, inFormats: layer.inputs.map((n) => tensor(n).format), out: fresh(layer.output), outFormat: outT.format };
    return { layer, kernel: SIM_KERNELS[layer.kind] as SimKernel<ComputeLayer>, io };
  });
}

function buildPlan(design: Design): DesignPlan {
  const bufs = new Map<string, Float64Array>();
  const inputs = design.inputs.map((name) => {
    const t = design.tensors[name];
    const buf = new Float64Array(numel(t.shape));
    bufs.set(name, buf);
    return inputSlot(buf, t.format);
  });
  const steps = buildSteps(design, design.layers, bufs);
  const outputs = design.outputs.map((name) => {
    const b = bufs.get(name);
    if (!b) throw new Error(`design output '${name}' is neither an input nor computed by a layer`);
    return readout(design, name, b);
  });
  const traced = [...bufs].map(([name, b]) => readout(design, name, b));
  return { inputs, steps, outputs, traced };
}

/**
 * Why the simulator cannot run this design (undeclared tensors, a layer reading a tensor nothing computed before
 * it, malformed fields), or undefined when it can: wiring the plan is where those show.
 */
export function designProblem(design: Design): string | undefined {
  try {
    if (!Array.isArray(design.layers) || !Array.isArray(design.inputs) || !Array.isArray(design.outputs)) return 'layers, inputs and outputs must be lists';
    planFor(design);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function planFor(design: Design): DesignPlan {
  let plan = designPlans.get(design);
  if (!plan) designPlans.set(design, (plan = buildPlan(design)));
  return plan;
}

function checkInput(design: Design, i: number, src: ArrayLike<number> | undefined, want: number): void {
  if (!src || src.length !== want) {
    const got = src?.length ?? 0;
    const t = design.tensors[design.inputs[i]];
    throw new Error(`input ${i} ('${t.onnxName}') has ${got} values, ${want} expected`);
  }
}

/** Called after each compute layer (every trip of a loop body too) when saturation is counted. */
type AfterLayer = ((layer: ComputeLayer, io: KernelIO) => void) | null;

function runSteps(steps: readonly Step[], after: AfterLayer = null): void {
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k];
    if (s.loop) { const loop = s.loop; runLoop(s.layer.trips, loop, () => runSteps(loop.body, after)); }
    else {
      s.kernel(s.layer, s.io);
      if (after) after(s.layer, s.io);
    }
  }
}

/**
 * Saturation: a saturating format (AP_SAT, AP_SAT_SYM) clamps an out-of-range value to its largest or smallest
 * code, so an output raw at either rail is counted (a value that lands there exactly counts too; it is at the edge
 * of the range either way). Pure copies (reshapes into the same format, transposes) repeat their input's count and
 * are skipped; wrapping formats do not show overflow in their raws and are not counted (fpgac verify compares with
 * the float model instead).
 */
export function countRails(buf: Float64Array, f: FixedFormat): number {
  if (f.o !== 'AP_SAT' && f.o !== 'AP_SAT_SYM') return 0;
  const hi = maxRaw(f);
  const lo = f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] >= hi || buf[i] <= lo) n++;
  return n;
}

function isCopy(l: ComputeLayer, io: KernelIO): boolean {
  return l.kind === 'transpose' || (l.kind === 'unary' && l.act.kind === 'none' && !l.shift && sameType(io.inFormats[0], io.outFormat));
}

/**
 * Adds saturation counts to `sat` (see countRails): each quantized input, and each compute layer's output except
 * pure copies. The buffers may hold one sample or several side by side: the counts add up the same.
 */
function railCounter(design: Design, sat: Map<string, number>): { input: (i: number, t: InputSlot) => void; after: (l: ComputeLayer, io: KernelIO) => void } {
  const add = (name: string, buf: Float64Array, f: FixedFormat) => { sat.set(name, (sat.get(name) ?? 0) + countRails(buf, f)); };
  return {
    input: (i, t) => add(design.inputs[i], t.buf, t.format),
    after: (l, io) => { if (!isCopy(l, io)) add(l.output, io.out, io.outFormat); },
  };
}

function read(r: Readout): Float64Array {
  const dst = new Float64Array(r.buf.length);
  readInto(r, dst, 0);
  return dst;
}

export interface SampleOptions {
  /** Return every tensor's values. */
  readonly trace?: boolean;
  /**
   * Add, per design tensor name, the number of values at a rail of their saturating format (see countRails):
   * inputs as quantized, each compute layer's output (a loop body's on every trip).
   */
  readonly saturation?: Map<string, number>;
}

/** Runs one sample: `inputs[i]` holds the doubles of design input i (batch axis of 1 included or not). */
export function simulateSample(design: Design, inputs: readonly ArrayLike<number>[], opts: SampleOptions = {}): SimResult {
  const plan = planFor(design);
  const rails = opts.saturation ? railCounter(design, opts.saturation) : null;
  plan.inputs.forEach((t, i) => {
    checkInput(design, i, inputs[i], t.buf.length);
    quantize(inputs[i], 0, t);
    if (rails) rails.input(i, t);
  });
  runSteps(plan.steps, rails && rails.after);
  const outputs = plan.outputs.map(read);
  if (!opts.trace) return { outputs };
  const trace = new Map<string, Float64Array>();
  for (const r of plan.traced) trace.set(r.name, read(r));
  return { outputs, trace };
}

export interface BatchOptions {
  /**
   * Threads to split the samples across (the caller plus threads − 1 worker threads, see batch.ts); 1 runs
   * sequentially. Default: os.availableParallelism() when the batch is estimated to take long enough to pay for
   * the workers, else 1. The result is the same either way.
   */
  readonly threads?: number;
  /** As SampleOptions.saturation: summed over the batch's samples (worker threads' counts included). */
  readonly saturation?: Map<string, number>;
  /**
   * Arrays to write the outputs into (one per design output, samples · numel values each), returned instead of
   * fresh ones: a worker thread writes its chunk straight into the shared result.
   */
  readonly into?: readonly Float64Array[];
}

/**
 * Runs `samples` samples: `inputs[i]` holds design input i of every sample, concatenated (samples · numel values).
 * Returns one array per design output with every sample's values concatenated; the same bits as simulateSample.
 */
export function simulateBatch(design: Design, inputs: readonly Float64Array[], samples: number, opts: BatchOptions = {}): Float64Array[] {
  const plan = planFor(design);
  if (!(Number.isInteger(samples) && samples >= 0)) throw new Error(`simulateBatch: sample count ${samples} is not a whole number`);
  plan.inputs.forEach((t, i) => checkInput(design, i, inputs[i], samples * t.buf.length));
  const into = opts.into;
  if (into && (into.length !== plan.outputs.length || into.some((o, k) => o.length !== samples * plan.outputs[k].buf.length))) {
    throw new Error(`simulateBatch: 'into' must hold ${plan.outputs.map((o) => samples * o.buf.length).join(', ')} values for the ${plan.outputs.length} output(s)`);
  }
  const threads = Math.min(samples, Math.max(1, Math.floor(opts.threads ?? autoThreads(design, samples))));
  if (threads > 1) {
    const pers = plan.inputs.map((t) => t.buf.length);
    const r = parallelBatch(design, inputs, samples, threads, pers, plan.outputs.map((o) => o.buf.length), (ins, n, outs) => runBatch(design, plan, ins, n, opts.saturation, outs), opts.saturation);
    if (r) {
      if (!into) return r;
      r.forEach((o, k) => into[k].set(o));
      return [...into];
    }
  }
  sequentialBatch();
  return runBatch(design, plan, inputs, samples, opts.saturation, into ? [...into] : undefined);
}

const layerMajorPlans = new WeakMap<Design, LayerMajorPlan | null>();
/** Batches shorter than twice this run one sample at a time (the layer-major plan is not even built). */
const MIN_LAYER_MAJOR = 32;

/** Whole groups of B samples layer by layer (layer-major.ts) where the design suits it; the rest one at a time. */
function runBatch(design: Design, plan: DesignPlan, inputs: readonly Float64Array[], samples: number, sat?: Map<string, number>,
  into?: readonly Float64Array[]): Float64Array[] {
  const outs = into ? [...into] : plan.outputs.map((r) => new Float64Array(samples * r.buf.length));
  const rails = sat ? railCounter(design, sat) : null;
  let lm = layerMajorPlans.get(design);
  if (lm === undefined && samples >= 2 * MIN_LAYER_MAJOR) layerMajorPlans.set(design, (lm = layerMajorPlan(design)));
  let first = 0;
  if (lm) for (; first + lm.size <= samples; first += lm.size) runLayerMajor(lm, inputs, first, outs, rails && rails.after, rails && rails.input);
  for (let s = first; s < samples; s++) {
    plan.inputs.forEach((t, i) => {
      const n = t.buf.length;
      quantize(inputs[i], s * n, t);
      if (rails) rails.input(i, t);
    });
    runSteps(plan.steps, rails && rails.after);
    plan.outputs.forEach((r, k) => readInto(r, outs[k], s * r.buf.length));
  }
  return outs;
}
