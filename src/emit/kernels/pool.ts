import type { Pool2dLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderPool2d(_layer: Pool2dLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
