/**
 * @fileoverview Renders a Conv2dLayer as a config struct and one call of fpgac::conv2d (hw/fpgac/conv.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import { cppComment } from '../../util/escape.js';
import type { Conv2dLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, streamParts, thresholdLines, type RenderContext, type RenderedLayer } from '../render.js';
import { productConfig } from '../pragmas.js';
import { lutProducts } from '../../kinds/mac.js';
import { packConfig } from '../../plan/packing.js';
import type { BandRole } from '../../plan/bands.js';

/** conv2d_rows arguments after in/out: weights, bias and shift (the weights stand in for an absent one). */
function rowsArgs(l: Conv2dLayer, ctx: RenderContext): string[] {
  const wv = ctx.constVarOf(l.weight);
  return [wv, l.bias ? ctx.constVarOf(l.bias) : wv, l.shift ? ctx.constVarOf(l.shift.k) : wv];
}

/**
 * A banded pair's statement: nothing for the producer, and for the reader the band loop — the producer's rows into
 * the band buffer, the rows outside the map zeroed, then the reader's band of output rows.
 */
function bandCall(layer: Conv2dLayer, band: BandRole, ctx: RenderContext): Pick<RenderedLayer, 'call' | 'band'> {
  if (band.role === 'producer') return { call: `// ${cppComment(`${layer.name}: computed band by band in ${band.reader}'s loop below`)}` };
  const p = ctx.design.layers.find((l) => l.name === band.producer) as Conv2dLayer;
  const y0 = `b * ${band.rows * layer.sh} - ${layer.pt}`;
  const buf = band.buffer;
  return {
    call: [
      `${layer.name}_bands: for (int b = 0; b < ${band.bands}; b++) {`,
      `  fpgac::conv2d_rows<${configName(p)}>(${[ctx.varOf(p.inputs[0]), buf, ...rowsArgs(p, ctx)].join(', ')}, ${y0}, 0);`,
      `  fpgac::zero_rows<${configName(p)}>(${buf}, ${y0});`,
      `  fpgac::conv2d_rows<${configName(layer)}>(${[buf, ctx.varOf(ctx.parallel(layer.name).thresholds?.output ?? layer.output), ...rowsArgs(layer, ctx)].join(', ')}, 0, b * ${band.rows});`,
      '}',
    ].join('\n'),
    band: { name: buf, type: ctx.typeOf(band.map), words: p.oc * band.bandRows * p.ow, map: band.map },
  };
}

export function renderConv2d(layer: Conv2dLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const par = ctx.parallel(layer.name);
  // Row bands (src/plan/bands.ts): the config is one band's geometry (hw/fpgac/conv.h conv2d_rows).
  const band = par.band;
  const geo = !band ? layer : band.role === 'producer' ? { ...layer, oh: band.bandRows } : { ...layer, h: band.bandRows, pt: 0, oh: band.rows };
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = geo;
  const outH = !band ? layer.oh : band.role === 'producer' ? band.bandRows : layer.oh;
  const bandFields: Record<string, number | boolean> = !band ? {} : { has_bias: !!layer.bias, has_shift: !!layer.shift, map_h: layer.oh };
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
    constLines({ c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, out_h: outH, pf_out: par.pfOut, pf_px: par.pfPx ?? 1, ...packConfig(ctx.design, layer, par.pack), ...sparseFields, ...st?.fields, ...bandFields }),
    ...types,
    actFields(layer.act),
    ...(par.thresholds ? thresholdLines(par.thresholds) : []),
    '};',
  ].join('\n');
  // Sparse: values, tap codes and per-group step counts replace the dense weight array (hw/fpgac/conv.h).
  const weights = st ? [] : sp ? [sp.values, sp.index, sp.control] : [layer.weight];
  const consts = [...weights, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])];
  // Thresholds: the output is the absorbed unary layer's array.
  const args = [ctx.varOf(layer.inputs[0]), ctx.varOf(par.thresholds?.output ?? layer.output), ...(st ? st.args : []), ...consts.map((k) => ctx.constVarOf(k))];
  if (band) return { config, constants: consts, ...bandCall(layer, band, ctx) };
  return {
    config,
    call: `fpgac::${st ? 'conv2d_stream' : sp ? 'conv2d_sparse' : 'conv2d'}<${cfg}>(${args.join(', ')});`,
    constants: consts,
    ...(st ? { tiles: st.tiles } : {}),
  };
}
