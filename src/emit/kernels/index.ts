/**
 * @fileoverview The emitter's renderer table: one entry per layer kind, checked exhaustive by the type system.
 */
import type { ComputeLayer } from '../../ir/design.js';
import type { LayerRenderer, RenderContext, RenderedLayer, RendererTable } from '../render.js';
import { renderConv2d } from './conv.js';
import { renderPool2d } from './pool.js';
import { renderDense, renderMatMul } from './dense.js';
import { renderEltwise, renderUnary } from './eltwise.js';
import { renderTranspose } from './layout.js';
import { renderLut, renderSoftmax } from './nonlinear.js';

export const RENDERERS: RendererTable = {
  conv2d: renderConv2d,
  pool2d: renderPool2d,
  dense: renderDense,
  matmul: renderMatMul,
  eltwise: renderEltwise,
  unary: renderUnary,
  transpose: renderTranspose,
  lut: renderLut,
  softmax: renderSoftmax,
};

export function renderLayer(layer: ComputeLayer, ctx: RenderContext): RenderedLayer {
  return (RENDERERS[layer.kind] as LayerRenderer<ComputeLayer>)(layer, ctx);
}
