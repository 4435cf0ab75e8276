import type { TransposeLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderTranspose(_layer: TransposeLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
