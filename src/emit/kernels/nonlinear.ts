import type { LutLayer, SoftmaxLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderLut(_layer: LutLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
export function renderSoftmax(_layer: SoftmaxLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
