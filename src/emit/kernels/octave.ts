/**
 * @fileoverview Renders OctaveLayer into a config struct and a call of fpgac::octave (hw/fpgac/octave.h).
 */
import { formatToCpp, fracBits } from '../../../sim/fixed.js';
import type { OctaveLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

export function renderOctave(layer: OctaveLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const inF = ctx.design.tensors[layer.inputs[0]].format;
  const size = layer.table.raw.length;
  const fr = layer.magBits - 1 - layer.knotBits;
  if (formatToCpp(layer.delta.format) !== formatToCpp(layer.table.format)) throw new Error(`octave ${layer.name}: table and delta must share one format`);
  if (fracBits(layer.table.format) < 0) throw new Error(`octave ${layer.name}: table format without fraction bits`);
  const lines = [
    `struct ${cfg} {`,
    constLines({ n: layer.n, pf: ctx.parallel(layer.name).pfOut, size, u: layer.magBits, k: layer.knotBits, fr, fr_width: Math.max(fr, 1), raw_bits: inF.width, odd: layer.odd }),
    `  static const long long under = ${layer.under}LL;`,
    `  typedef ${inF.signed ? 'ap_int' : 'ap_uint'}<${inF.width}> in_raw_t;`,
    `  typedef ap_ufixed<${Math.max(fr, 1)}, 0> r_t;`,
    `  typedef ${ctx.constTypeOf(layer.table)} table_t;`,
    '};',
  ];
  const tables = [layer.table, layer.delta];
  return {
    config: lines.join('\n'),
    call: `fpgac::octave<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${tables.map((t) => ctx.constVarOf(t)).join(', ')});`,
    constants: tables,
  };
}
