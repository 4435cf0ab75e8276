/**
 * @fileoverview Renders a ReduceLayer as a config struct and one call of fpgac::reduce (hw/fpgac/reduce.h). Every
 * field is written for every mode (unused ones inert), so the one template compiles for all of them.
 */
import { fixed, formatToCpp } from '../../../sim/fixed.js';
import { l2Geometry } from '../../../sim/kernels/reduce.js';
import type { ReduceLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

const MODE_CODES: Record<ReduceLayer['mode'], string> = {
  sum: 'fpgac::RED_SUM', mean: 'fpgac::RED_MEAN', max: 'fpgac::RED_MAX', min: 'fpgac::RED_MIN', l1: 'fpgac::RED_L1',
  l2: 'fpgac::RED_L2', sumsq: 'fpgac::RED_SUMSQ', argmax: 'fpgac::RED_ARGMAX', argmin: 'fpgac::RED_ARGMIN',
};

export function renderReduce(layer: ReduceLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const outF = ctx.design.tensors[layer.output].format;
  // l2: V = raw(s) << v_shift, q = isqrt(V), read at G fraction bits in root_t, one spare integer bit at least.
  const geo = layer.mode === 'l2' ? l2Geometry(layer.acc, outF) : { g: 0, vShift: 0, vWidth: layer.acc.width, qWidth: 1 };
  const rootW = Math.max(geo.qWidth, geo.g) + 1;
  const lines = [
    `struct ${cfg} {`,
    `  static const int mode = ${MODE_CODES[layer.mode]};`,
    constLines({
      outer: layer.outer, len: layer.len, inner: layer.inner, select_last: layer.selectLast === true,
      acc_w: layer.acc.width, v_shift: geo.vShift, v_w: geo.vWidth, q_w: geo.qWidth, root_w: rootW,
    }),
    `  typedef ${formatToCpp(layer.acc)} acc_t; // exact sum (or the compare's format)`,
    `  typedef ${formatToCpp(layer.recip ?? fixed(2, 1, { signed: false }))} recip_t; // mean: 1/len from a double`,
    `  typedef ${formatToCpp(fixed(rootW, rootW - geo.g, { signed: false }))} root_t; // l2: the root at G fraction bits`,
    '};',
  ];
  return {
    config: lines.join('\n'),
    call: `fpgac::reduce<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)});`,
    constants: [],
  };
}
