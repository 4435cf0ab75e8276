/**
 * @fileoverview Renders TransposeLayer into a config struct and a call of fpgac::transpose (hw/fpgac/layout.h).
 */
import { transposeWalk, type TransposeLayer } from '../../ir/design.js';
import { numel } from '../../ir/graph.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

export function renderTranspose(layer: TransposeLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const { dims, strides } = transposeWalk(layer.inShape, layer.perm);
  const fields: Record<string, number> = { n: numel(layer.inShape) };
  dims.forEach((d, k) => (fields[`d${k}`] = d));
  strides.forEach((st, k) => (fields[`s${k}`] = st));
  return {
    config: [`struct ${cfg} {`, constLines(fields), '};'].join('\n'),
    call: `fpgac::transpose<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)});`,
    constants: [],
  };
}
