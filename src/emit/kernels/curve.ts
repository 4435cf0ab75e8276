/**
 * @fileoverview Renders CurveLayer into a config struct and a call of fpgac::curve (hw/fpgac/curve.h): the index
 * arithmetic's integer types sized from the formats so that nothing overflows, and the slopes of the exact part.
 */
import { fixed, fracBits, formatToCpp } from '../../../sim/fixed.js';
import type { CurveLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

const bitLength = (v: number): number => (v < 1 ? 0 : Math.floor(Math.log2(v)) + 1);

export function renderCurve(layer: CurveLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const inF = ctx.design.tensors[layer.inputs[0]].format;
  const size = layer.table.raw.length;
  const shift = layer.idxShift - fracBits(inF);
  const rBits = Math.max(-shift, 0);
  // A signed container for the raw, room for a left shift, and a bit more than it, the offset and the size.
  const rawBits = inF.width + (inF.signed ? 0 : 1);
  const accBits = Math.max(rawBits + Math.max(shift, 0), bitLength(Math.abs(layer.offset)) + 1, bitLength(size) + 1) + 1;
  const sl = layer.slopes;
  const lines = [
    `struct ${cfg} {`,
    constLines({ n: layer.n, pf: ctx.parallel(layer.name).pfOut, size, shift, offset: layer.offset, r_bits: rBits, r_width: Math.max(rBits, 1), has_p: sl !== null }),
    `  static const long long pos = ${sl ? sl.pos : 0}LL;`,
    `  static const long long neg = ${sl ? sl.neg : 0}LL;`,
    `  typedef ${inF.signed ? 'ap_int' : 'ap_uint'}<${inF.width}> in_raw_t;`,
    `  typedef ap_int<${accBits}> idx_acc_t;`,
    `  typedef ap_ufixed<${Math.max(rBits, 1)}, 0> r_t;`,
    `  typedef ${formatToCpp(sl ? sl.format : fixed(2, 2))} slope_t;`,
    `  typedef ${ctx.constTypeOf(layer.table)} table_t;`,
    '};',
  ];
  if (formatToCpp(layer.delta.format) !== formatToCpp(layer.table.format)) {
    throw new Error(`curve ${layer.name}: table and delta must share one format`);
  }
  const tables = [layer.table, layer.delta];
  return {
    config: lines.join('\n'),
    call: `fpgac::curve<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${tables.map((t) => ctx.constVarOf(t)).join(', ')});`,
    constants: tables,
  };
}
