/**
 * @fileoverview Renders a Conv2dLayer as a config struct and one call of fpgac::conv2d (hw/fpgac/conv.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { Conv2dLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, type RenderContext, type RenderedLayer } from '../render.js';

export function renderConv2d(layer: Conv2dLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = layer;
  const types = [
    `  typedef ${ctx.constTypeOf(layer.weight)} weight_t;`,
    // Without a bias the kernel's 3-argument overload never names bias_t.
    ...(layer.bias ? [`  typedef ${ctx.constTypeOf(layer.bias)} bias_t;`] : []),
    `  typedef ${formatToCpp(layer.acc)} acc_t; // exact: no partial sum is quantized or overflows`,
    ...shiftTypes(layer, ctx),
  ];
  const config = [
    `struct ${cfg} {`,
    constLines({ c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, pf_out: ctx.parallel(layer.name).pfOut }),
    ...types,
    actFields(layer.act),
    '};',
  ].join('\n');
  const args = [
    ctx.varOf(layer.inputs[0]),
    ctx.varOf(layer.output),
    ctx.constVarOf(layer.weight),
    ...(layer.bias ? [ctx.constVarOf(layer.bias)] : []),
    ...(layer.shift ? [ctx.constVarOf(layer.shift.k)] : []),
  ];
  return {
    config,
    call: `fpgac::conv2d<${cfg}>(${args.join(', ')});`,
    constants: [layer.weight, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])],
  };
}
