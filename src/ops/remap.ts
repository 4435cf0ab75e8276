/**
 * @fileoverview The one form Slice, Pad, Split and nearest Resize/Upsample share: a per-axis index map. On each
 * output axis d, map[d][i] is the input index output index i reads on that axis, or -1 where the element lies
 * outside the input (the pad value). The float reference (`remapData`) and the lowering to a `gather` layer
 * (`lowerRemap`, GatherLayer in src/ir/design.ts) both read the same map, so the compiler resolves reflection,
 * clamping, wrapping and nearest-neighbour rounding once.
 */
import { fixed, fromDouble } from '../../sim/fixed.js';
import { ELT_RANK } from '../ir/design.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, sourcesOf, stridesOf, tensor } from '../ir/graph.js';
import type { LowerContext } from '../quant/context.js';

export type AxisMap = readonly number[];

/** out[i0..] = every map[d][i_d] ≥ 0 ? x[map[0][i0], map[1][i1], ...] : pad. */
export function remapData(x: Tensor, maps: readonly AxisMap[], pad: number): Tensor {
  const shape = maps.map((m) => m.length);
  const inStr = stridesOf(x.shape);
  // Per-axis offsets (-1 stays -1), then the C-order walk adds one entry per axis.
  const offs = maps.map((m, d) => m.map((j) => (j < 0 ? -1 : j * inStr[d])));
  const out = new Float64Array(numel(shape));
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < out.length; k++) {
    let src = 0;
    let inside = true;
    for (let d = 0; d < shape.length; d++) {
      const o = offs[d][idx[d]];
      if (o < 0) inside = false;
      src += o;
    }
    out[k] = inside ? x.data[src] : pad;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return tensor(shape, out, x.dtype);
}

/** The identity map of an axis of length n. */
export const identityMap = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Bits of a non-negative integer (0 → 0). */
function bitLength(v: number): number {
  let b = 0;
  while (2 ** b <= v) b++;
  return b;
}

/**
 * Lowers a remap of graph value `input` into graph value `output` as one gather layer. The tables hold offsets
 * (index × input stride, -1 for pad) in the narrowest signed integer format that holds them; the pad value is
 * cast to the output's format at compile time (its own rounding and overflow modes).
 */
export function lowerRemap(node: Node, ctx: LowerContext, input: string, output: string, maps: readonly AxisMap[], pad: number): void {
  const x = ctx.input(input);
  if (maps.length !== x.shape.length) ctx.fail(node, `internal error: ${maps.length} axis maps for rank ${x.shape.length}`);
  if (maps.length > ELT_RANK) ctx.fail(node, `rank ${maps.length} above ${ELT_RANK} is not supported`);
  const shape = maps.map((m) => m.length);
  if (numel(shape) === 0) ctx.fail(node, 'an empty output is not supported in hardware');
  const out = ctx.output(output, x.format);
  const inStr = stridesOf(x.shape);
  const lead = ELT_RANK - maps.length;
  const name = ctx.layerName(node);
  const offsets = [...Array.from({ length: lead }, () => [0]), ...maps.map((m, d) => m.map((j) => (j < 0 ? -1 : j * inStr[d])))];
  const tables = offsets.map((t, d) => {
    const width = Math.max(2, bitLength(Math.max(...t)) + 1);
    if (width > 32) ctx.fail(node, `input offsets need ${width} bits, above the kernel's 32-bit index`);
    return ctx.rawData(`${name}_idx${d}`, [t.length], t, fixed(width, width));
  });
  ctx.add({
    kind: 'gather', name, sources: sourcesOf(node), inputs: [x.name], output: out.name,
    outShape: offsets.map((t) => t.length), tables, pad: fromDouble(pad, out.format),
  });
}
