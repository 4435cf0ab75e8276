import type { DenseLayer, MatMulLayer } from '../../ir/design.js';
import type { RenderContext, RenderedLayer } from '../render.js';
export function renderDense(_layer: DenseLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
export function renderMatMul(_layer: MatMulLayer, _ctx: RenderContext): RenderedLayer { throw new Error('not implemented'); }
