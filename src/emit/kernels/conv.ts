import type { Conv2dLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderConv2d(_layer: Conv2dLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
