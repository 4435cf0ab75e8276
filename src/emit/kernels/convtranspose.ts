/**
 * @fileoverview Renders a ConvTranspose2dLayer as a config struct and one call of fpgac::convtranspose2d
 * (hw/fpgac/convtranspose.h), with the phase constants the kernel's tap walk needs.
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { ConvTranspose2dLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, type RenderContext, type RenderedLayer } from '../render.js';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * One axis's tap walk (hw/fpgac/convtranspose.h): taps of one phase are `step` apart, at most `n` of them, and the
 * input index falls by `m` from one to the next.
 */
export function phaseWalk(k: number, s: number, d: number): { step: number; n: number; m: number } {
  const g = gcd(s, d);
  const step = s / g;
  return { step, n: Math.ceil(k / step), m: d / g };
}

export function renderConvTranspose2d(layer: ConvTranspose2dLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = layer;
  const par = ctx.parallel(layer.name);
  const ph = phaseWalk(kh, sh, dh);
  const pw = phaseWalk(kw, sw, dw);
  const config = [
    `struct ${cfg} {`,
    constLines({
      c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group, pf_out: par.pfOut,
      step_h: ph.step, step_w: pw.step, nty: ph.n, ntx: pw.n, mh: ph.m, mw: pw.m,
    }),
    `  typedef ${ctx.constTypeOf(layer.weight)} weight_t;`,
    // Without a bias the kernel's 3-argument overload never names bias_t.
    ...(layer.bias ? [`  typedef ${ctx.constTypeOf(layer.bias)} bias_t;`] : []),
    `  typedef ${formatToCpp(layer.acc)} acc_t; // exact: no partial sum is quantized or overflows`,
    ...shiftTypes(layer, ctx),
    actFields(layer.act),
    '};',
  ].join('\n');
  const consts = [layer.weight, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])];
  const args = [ctx.varOf(layer.inputs[0]), ctx.varOf(layer.output), ...consts.map((k) => ctx.constVarOf(k))];
  return { config, call: `fpgac::convtranspose2d<${cfg}>(${args.join(', ')});`, constants: consts };
}
