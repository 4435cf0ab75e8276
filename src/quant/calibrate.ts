/**
 * @fileoverview Formats from calibration data (`--calibrate`). The float reference runs the canonical graph on the
 * samples and records the largest magnitude of every value; region bodies run step by step, so a body value's
 * range covers every step and one format serves all of them (the hardware is one engine).
 *
 * Rules (`calibrateFormats`):
 * - activations (graph inputs, every node output): the `--precision` width W, signedness and modes; integer bits
 *   I = the fewest for which the largest representable value is ≥ max |x| seen (no saturation on the calibration
 *   data), plus `marginBits` (default 0) of headroom for inputs larger than the calibration set's; fraction bits
 *   W − I. A value that was 0 on every sample keeps the `--precision` format.
 * - loop-region states: the same rule on the range over the initial state and every step's state.
 * - constants (weights, biases, multiplier and addend constants): per tensor, the weight/bias width with the fewest
 *   integer bits that hold every value (`paramFormat` in context.ts, no margin: the values are known). A bias is
 *   never given more fraction bits than the product it is added to, so the exact accumulator does not grow.
 * Accumulators stay exact: acc.ts sizes them from the quantized weights and the (calibrated) input format; at wide
 * precisions (e.g. 24 bits) weights are coarsened by whole bits where the exact sum would exceed 52 bits
 * (`macFormats`).
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { Graph, Tensor } from '../ir/graph.js';
import { numel, tensor } from '../ir/graph.js';
import { FLOAT_ENV } from '../reference.js';
import { formatForRange, maxAbsOf } from './range.js';
import { isOp, lookupOp, paramsOf } from '../ops/registry.js';

export { capFraction, formatForRange, maxAbsOf } from './range.js';

/**
 * Largest |x| of every computed value over the samples: graph inputs and node outputs by name, region body values
 * (including the body's state input and output) as `<region>/<value>` over every step.
 */
export function valueRanges(g: Graph, samples: readonly (readonly ArrayLike<number>[])[]): Map<string, number> {
  const ranges = new Map<string, number>();
  const note = (prefix: string, name: string, t: Tensor) => {
    const key = prefix + name;
    const m = maxAbsOf(t.data);
    const prev = ranges.get(key);
    if (prev === undefined || m > prev) ranges.set(key, m);
  };
  for (const s of samples) traceFloat(g, s, note);
  return ranges;
}

/**
 * The float reference (as runFloat) reporting every value to `visit`: graph inputs and node outputs with prefix
 * '' (the graph's own values, once each), and the values of LoopRegion bodies at every step, with prefix
 * `<region node>/` (nested regions: `<outer>/<inner>/`). Returns the graph's outputs.
 */
export function traceFloat(g: Graph, inputs: readonly ArrayLike<number>[], visit: (prefix: string, name: string, t: Tensor) => void, prefix = ''): Tensor[] {
  const env = new Map<string, Tensor>(g.constants);
  g.inputs.forEach((vi, i) => {
    const d = inputs[i];
    if (!d || d.length !== numel(vi.shape)) throw new Error(`input ${i} ('${vi.name}') has ${d?.length ?? 0} values, ${numel(vi.shape)} expected`);
    const t = tensor(vi.shape, Float64Array.from(d), vi.dtype);
    env.set(vi.name, t);
    visit(prefix, vi.name, t);
  });
  for (const node of g.nodes) {
    const ins = node.inputs.map((i) => (i ? env.get(i) : undefined));
    let outs: Tensor[];
    if (isOp(node, 'LoopRegion')) {
      const p = node.params;
      let x = ins[0]!;
      for (let t = 0; t < p.trips; t++) {
        const y = traceFloat(p.body, [x.data], visit, `${prefix}${node.name}/`)[0];
        x = tensor(x.shape, y.data, x.dtype);
      }
      outs = [x];
    } else {
      const def = lookupOp(node.op, node.domain);
      if (!def) throw new Error(`internal error: no op ${node.op}`);
      outs = def.evaluate(node, node.params, ins, FLOAT_ENV);
    }
    node.outputs.forEach((o, k) => {
      if (!o) return;
      env.set(o, outs[k]);
      visit(prefix, o, outs[k]);
    });
  }
  return g.outputs.map((o) => env.get(o.name)!);
}

export interface CalibratedFormats {
  /** Activation formats by value key (see valueRanges). */
  readonly values: Map<string, FixedFormat>;
  /** Loop-region state formats by region node name. */
  readonly regions: Map<string, FixedFormat>;
}

/** Activation and region-state formats for the ranges of `valueRanges` (rules in the file overview). */
export function calibrateFormats(g: Graph, ranges: ReadonlyMap<string, number>, activation: FixedFormat, marginBits = 0): CalibratedFormats {
  const values = new Map<string, FixedFormat>();
  for (const [k, m] of ranges) values.set(k, formatForRange(activation, m, marginBits));
  const regions = new Map<string, FixedFormat>();
  const visit = (graph: Graph, prefix: string) => {
    for (const n of graph.nodes) {
      if (n.op !== 'LoopRegion') continue;
      const p = paramsOf(n, 'LoopRegion');
      const inner = `${prefix}${n.name}/`;
      const m = Math.max(
        ranges.get(prefix + n.inputs[0]) ?? 0, ranges.get(prefix + n.outputs[0]) ?? 0,
        ranges.get(inner + p.body.inputs[0].name) ?? 0, ranges.get(inner + p.body.outputs[0].name) ?? 0,
      );
      regions.set(n.name, formatForRange(activation, m, marginBits));
      visit(p.body, inner);
    }
  };
  visit(g, '');
  return { values, regions };
}
