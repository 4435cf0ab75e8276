/**
 * @fileoverview Sqrt, Reciprocal and Log of run-time tensors: one `octave` layer each (src/kinds/octave.ts), a table
 * whose knots are spaced relatively, per octave of the input, since √x, 1/x and log x change fastest near 0. Tables
 * and their error bound: src/quant/octave.ts (≤ 1/4 + 1/16 output LSB before the output cast wherever the table cap
 * does not bind). Outside the domain ONNX gives NaN or ±inf; the hardware gives, and the float reference keeps
 * ONNX's values (so a comparison there reports them):
 *   Sqrt(x < 0) = 0;  Log(0) and Log(x < 0) = the output's minimum;  Reciprocal(0) = the output's maximum
 *   (1/x of negative x is computed, −1/|x|, and saturates at the minimum like any large value).
 * `lowerReciprocal` also serves Div of two run-time tensors (src/ops/elementwise.ts).
 */
import { numel, sourcesOf, tensor } from '../ir/graph.js';
import type { Node, Tensor } from '../ir/graph.js';
import type { DTensor, OctaveFn } from '../ir/design.js';
import type { FixedFormat } from '../../sim/fixed.js';
import type { LowerContext } from '../quant/context.js';
import { OCTAVE_FLOAT, octaveTable } from '../quant/octave.js';
import type { InputInfo, OpDef } from './types.js';

export interface OctaveParams { readonly fn: OctaveFn }

/** One octave layer computing fn(x) into `out` (its format the output's). */
export function addOctave(ctx: LowerContext, node: Node, name: string, fn: OctaveFn, x: DTensor, out: DTensor): void {
  const t = octaveTable(fn, x.format, out.format);
  ctx.add({
    kind: 'octave', fn, name, sources: sourcesOf(node), inputs: [x.name], output: out.name, n: numel(x.shape),
    magBits: t.magBits, knotBits: t.knotBits, odd: t.odd, under: t.under,
    table: ctx.rawData(`${name}_table`, [t.table.length], t.table, t.format),
    delta: ctx.rawData(`${name}_delta`, [t.delta.length], t.delta, t.format),
  });
}

/** 1/y into a temp of `format` (Div's divisor). */
export function lowerReciprocal(ctx: LowerContext, node: Node, name: string, y: DTensor, format: FixedFormat): DTensor {
  const r = ctx.temp(name, y.shape, format);
  addOctave(ctx, node, name, 'reciprocal', y, r);
  return r;
}

function octaveOp<Op extends string>(op: Op, fn: OctaveFn): OpDef<OctaveParams, Op> {
  return {
    op, family: 'arith-curve',
    arity: { inputs: [1, 1], outputs: [1, 1] },
    parse: () => ({ fn }),
    infer: (_n: Node, _p: OctaveParams, ins: readonly (InputInfo | undefined)[]) => [{ shape: ins[0]!.shape, dtype: ins[0]!.dtype }],
    // ONNX defines these ops on float types only: NaN and ±inf outside the domain, as here.
    evaluate: (_n, p, ins) => {
      const x = ins[0] as Tensor;
      return [tensor(x.shape, x.data.map((v) => OCTAVE_FLOAT[p.fn](v)), x.dtype)];
    },
    lower(node, p, ctx) {
      const x = ctx.input(node.inputs[0]);
      addOctave(ctx, node, ctx.layerName(node), p.fn, x, ctx.output(node.outputs[0]));
    },
  };
}

export const SqrtOp = octaveOp('Sqrt', 'sqrt');
export const ReciprocalOp = octaveOp('Reciprocal', 'reciprocal');
export const LogOp = octaveOp('Log', 'log');
