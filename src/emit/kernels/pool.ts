/**
 * @fileoverview Renders a Pool2dLayer as a config struct and one call of fpgac::max_pool2d or
 * fpgac::avg_pool2d (hw/fpgac/pool.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { Pool2dLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

/**
 * True when every window lies inside the input: then the in-bounds count is always kh·kw, and telling the kernel
 * so (count_all) lets HLS fold 1/count into a constant instead of building a divider.
 */
export function windowsInside(layer: Pool2dLayer): boolean {
  const { h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw } = layer;
  return pt === 0 && pl === 0 && (oh - 1) * sh + (kh - 1) * dh < h && (ow - 1) * sw + (kw - 1) * dw < w;
}

export function renderPool2d(layer: Pool2dLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const { c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw } = layer;
  const lines = [`struct ${cfg} {`, constLines({ c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, pf: ctx.parallel(layer.name).pfOut })];
  if (layer.mode === 'avg') {
    lines.push(
      constLines({
        count_all: (layer.countIncludePad && layer.pb === undefined) || windowsInside(layer),
        count_padded: layer.countIncludePad && layer.pb !== undefined && !windowsInside(layer),
        pb: layer.pb ?? 0, pr: layer.pr ?? 0,
      }),
      `  typedef ${formatToCpp(layer.acc)} acc_t; // exact window sum`,
      `  typedef ${formatToCpp(layer.recip)} recip_t; // 1/count, rounded from a double`,
    );
  }
  lines.push('};');
  if (layer.mode === 'argmax') lines.splice(lines.length - 1, 0, constLines({ storage_order: layer.storageOrder ?? 0 }));
  const fn = layer.mode === 'max' ? 'max_pool2d' : layer.mode === 'argmax' ? 'argmax_pool2d' : 'avg_pool2d';
  return {
    config: lines.join('\n'),
    call: `fpgac::${fn}<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)});`,
    constants: [],
  };
}
