/**
 * @fileoverview Bit-exact execution of a fixed-point Design, one sample at a time, exactly as the emitted HLS
 * C++ computes it: inputs are converted from double to the input format (exact, then the format's rounding),
 * every layer runs its kernel on raw integers, and outputs are returned as the exact doubles raw · 2^-frac.
 */
import { fromDouble, toDouble } from './fixed.js';
import type { Design, Layer, LayerKind } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import type { KernelIO } from './kernels/common.js';
import { SIM_KERNELS } from './kernels/index.js';

export type SimKernel<L extends Layer> = (layer: L, io: KernelIO) => void;
export type SimKernelTable = { readonly [K in LayerKind]: SimKernel<Extract<Layer, { kind: K }>> };

export interface SimResult {
  /** One array per design output, values as exact doubles. */
  readonly outputs: Float64Array[];
  /** Every tensor's values (doubles) when tracing was requested, keyed by DTensor name. */
  readonly trace?: Map<string, Float64Array>;
}

export function runLayer(layer: Layer, io: KernelIO): void {
  (SIM_KERNELS[layer.kind] as SimKernel<Layer>)(layer, io);
}

/** Runs one sample: `inputs[i]` holds the doubles of design input i (batch axis of 1 included or not). */
export function simulateSample(design: Design, inputs: readonly ArrayLike<number>[], opts: { trace?: boolean } = {}): SimResult {
  const raws = new Map<string, Float64Array>();
  design.inputs.forEach((name, i) => {
    const t = design.tensors[name];
    const src = inputs[i];
    if (!src || src.length !== numel(t.shape)) {
      throw new Error(`input ${i} ('${t.onnxName}') has ${src?.length ?? 0} values, ${numel(t.shape)} expected`);
    }
    const r = new Float64Array(src.length);
    for (let k = 0; k < src.length; k++) r[k] = fromDouble(src[k], t.format);
    raws.set(name, r);
  });
  for (const layer of design.layers) {
    const outT = design.tensors[layer.output];
    const out = new Float64Array(numel(outT.shape));
    runLayer(layer, {
      inputs: layer.inputs.map((n) => raws.get(n)!),
      inFormats: layer.inputs.map((n) => design.tensors[n].format),
      out,
      outFormat: outT.format,
    });
    raws.set(layer.output, out);
  }
  const toDoubles = (name: string): Float64Array => {
    const f = design.tensors[name].format;
    return raws.get(name)!.map((r) => toDouble(r, f));
  };
  const outputs = design.outputs.map(toDoubles);
  if (!opts.trace) return { outputs };
  const trace = new Map<string, Float64Array>();
  for (const name of raws.keys()) trace.set(name, toDoubles(name));
  return { outputs, trace };
}
