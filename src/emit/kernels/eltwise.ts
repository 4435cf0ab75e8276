import type { EltwiseLayer, UnaryLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderEltwise(_layer: EltwiseLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
export function renderUnary(_layer: UnaryLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
