/**
 * @fileoverview Renders a Conv2dLayer as a config struct and one call of fpgac::conv2d (hw/fpgac/conv.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { Conv2dLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, streamParts, type RenderContext, type RenderedLayer } from '../render.js';
import { productConfig } from '../pragmas.js';
import { lutProducts } from '../../kinds/mac.js';
import { packConfig } from '../../plan/packing.js';

export function renderConv2d(layer: Conv2dLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = layer;
  const par = ctx.parallel(layer.name);
  const sp = par.sparse; // the encoding the plan chose (src/plan/estimate.ts convSparse)
  // Weights from DDR (src/plan/stream.ts): no weights header; the config names the weight type itself.
  const st = par.stream && streamParts(layer, par.stream);
  const types = [
    `  typedef ${st ? formatToCpp(layer.weight.format) : ctx.constTypeOf(sp ? sp.values : layer.weight)} weight_t;`,
    ...(st ? st.types : []),
    ...(sp ? [`  typedef ${ctx.constTypeOf(sp.index)} index_t; // ${sp.gather ? 'input channel' : 'tap code: ic | ky | kx'}`, `  typedef ${ctx.constTypeOf(sp.control)} count_t;`] : []),
    // Without a bias the kernel's 3-argument overload never names bias_t.
    ...(layer.bias ? [`  typedef ${ctx.constTypeOf(layer.bias)} bias_t;`] : []),
    `  typedef ${formatToCpp(layer.acc)} acc_t; // exact: no partial sum is quantized or overflows`,
    ...shiftTypes(layer, ctx),
    // The plan's product binding: low-bit products in LUTs (the same rule the estimate charges).
    ...productConfig(ctx.tool ?? 'vitis', lutProducts(ctx.design, layer)),
  ];
  const sparseFields: Record<string, number | boolean> = !sp ? {} : {
    taps: sp.values.shape[1], index_len: sp.index.raw.length, gather: !!sp.gather, kx_bits: sp.kxBits ?? 0, ky_bits: sp.kyBits ?? 0,
  };
  const config = [
    `struct ${cfg} {`,
    constLines({ c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, pf_out: par.pfOut, pf_px: par.pfPx ?? 1, ...packConfig(ctx.design, layer, par.pack), ...sparseFields, ...st?.fields }),
    ...types,
    actFields(layer.act),
    '};',
  ].join('\n');
  // Sparse: values, tap codes and per-group step counts replace the dense weight array (hw/fpgac/conv.h).
  const weights = st ? [] : sp ? [sp.values, sp.index, sp.control] : [layer.weight];
  const consts = [...weights, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])];
  const args = [ctx.varOf(layer.inputs[0]), ctx.varOf(layer.output), ...(st ? st.args : []), ...consts.map((k) => ctx.constVarOf(k))];
  return {
    config,
    call: `fpgac::${st ? 'conv2d_stream' : sp ? 'conv2d_sparse' : 'conv2d'}<${cfg}>(${args.join(', ')});`,
    constants: consts,
    ...(st ? { tiles: st.tiles } : {}),
  };
}
