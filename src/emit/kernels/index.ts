/**
 * @fileoverview Renders a layer through its kind's renderer (src/kinds/: each kind names its own).
 */
import type { ComputeLayer } from '../../ir/design.js';
import { kindOf } from '../../kinds/index.js';
import type { RenderContext, RenderedLayer } from '../render.js';

export function renderLayer(layer: ComputeLayer, ctx: RenderContext): RenderedLayer {
  return kindOf(layer).render(layer, ctx);
}
