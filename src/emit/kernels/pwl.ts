/**
 * @fileoverview Renders PwlLayer into a config struct and a call of fpgac::pwl / fpgac::pwl_leaky (hw/fpgac/pwl.h).
 * Every type the kernel names exists in every config (unused ones are small stand-ins), since all branches of the
 * kernel compile for every function; the intermediate types are sized here so that no value is rounded or wraps.
 */
import { fixed, fracBits, formatToCpp, type FixedFormat } from '../../../sim/fixed.js';
import type { FixedScalar, PwlLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

const FN_CODES = {
  leaky: 'PWL_LEAKY', thresholded: 'PWL_THRESHOLDED', hardsigmoid: 'PWL_HARDSIGMOID', hardswish: 'PWL_HARDSWISH', abs: 'PWL_ABS',
  neg: 'PWL_NEG', sign: 'PWL_SIGN', floor: 'PWL_FLOOR', ceil: 'PWL_CEIL', round: 'PWL_ROUND',
} as const;

const STAND_IN: FixedScalar = { raw: 0, format: fixed(2, 2) };

/** A signed type holding every value of `f` and its negation. */
function wideOf(f: FixedFormat): FixedFormat {
  return fixed(f.width + (f.signed ? 1 : 2), f.int + (f.signed ? 1 : 2));
}

/** The exact type of a · x + b (formats of a, x, b), with room to spare: h_t of the kernel. */
export function hardSigmoidFormat(a: FixedFormat, x: FixedFormat, b: FixedFormat): FixedFormat {
  const frac = Math.max(fracBits(a) + fracBits(x), fracBits(b));
  const int = Math.max(a.int + x.int + (x.signed ? 0 : 1), b.int) + 2;
  return fixed(int + frac, int);
}

export function renderPwl(layer: PwlLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const inF = ctx.design.tensors[layer.inputs[0]].format;
  const a = layer.a ?? STAND_IN;
  const b = layer.b ?? STAND_IN;
  const leakySlope = layer.fn === 'leaky' && layer.slope !== null;
  const fields: Record<string, number> = leakySlope
    ? { n: layer.n, inner: layer.inner, slope_len: layer.slope!.raw.length }
    : { n: layer.n, pf: ctx.parallel(layer.name).pfOut, frac: fracBits(inF) };
  const lines = [
    `struct ${cfg} {`,
    `  static const int fn = fpgac::${FN_CODES[layer.fn]};`,
    constLines(fields),
    `  static const long long a_raw = ${a.raw}LL;`,
    `  static const long long b_raw = ${b.raw}LL;`,
    `  typedef ${formatToCpp(a.format)} a_t;`,
    `  typedef ${formatToCpp(b.format)} b_t;`,
    `  typedef ${formatToCpp(hardSigmoidFormat(a.format, inF, b.format))} h_t;`,
    `  typedef ${formatToCpp(wideOf(inF))} wide_t;`,
    `  typedef ${inF.signed ? 'ap_int' : 'ap_uint'}<${inF.width}> in_raw_t;`,
    `  typedef ap_int<${inF.width + 2}> wide_raw_t;`,
    ...(leakySlope ? [`  typedef ${ctx.constTypeOf(layer.slope!)} slope_t;`] : []),
    '};',
  ];
  const x = ctx.varOf(layer.inputs[0]);
  const y = ctx.varOf(layer.output);
  return {
    config: lines.join('\n'),
    call: leakySlope ? `fpgac::pwl_leaky<${cfg}>(${x}, ${y}, ${ctx.constVarOf(layer.slope!)});` : `fpgac::pwl<${cfg}>(${x}, ${y});`,
    constants: leakySlope ? [layer.slope!] : [],
  };
}
