/**
 * @fileoverview Renders DenseLayer / MatMulLayer into config structs and calls of fpgac::dense / fpgac::matmul
 * (hw/fpgac/dense.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { DenseLayer, MatMulLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, type RenderContext, type RenderedLayer } from '../render.js';

export function renderDense(layer: DenseLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const lines = [
    `struct ${cfg} {`,
    constLines({ rows: layer.rows, n_in: layer.nIn, n_out: layer.nOut, pf_in: ctx.parallel(layer.name).pfIn, pf_out: ctx.parallel(layer.name).pfOut }),
    `  typedef ${ctx.constTypeOf(layer.weight)} weight_t;`,
    ...(layer.bias ? [`  typedef ${ctx.constTypeOf(layer.bias)} bias_t;`] : []),
    `  typedef ${formatToCpp(layer.acc)} acc_t;`,
    ...shiftTypes(layer, ctx),
    actFields(layer.act),
    '};',
  ];
  const args = [ctx.varOf(layer.inputs[0]), ctx.varOf(layer.output), ctx.constVarOf(layer.weight)];
  if (layer.bias) args.push(ctx.constVarOf(layer.bias));
  if (layer.shift) args.push(ctx.constVarOf(layer.shift.k));
  return {
    config: lines.join('\n'),
    call: `fpgac::dense<${cfg}>(${args.join(', ')});`,
    constants: [layer.weight, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])],
  };
}

export function renderMatMul(layer: MatMulLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const lines = [
    `struct ${cfg} {`,
    constLines({
      batch: layer.batch, m: layer.m, k: layer.k, n: layer.n,
      a_batch_stride: layer.aBatchStride, b_batch_stride: layer.bBatchStride,
    }),
    `  typedef ${formatToCpp(layer.acc)} acc_t;`,
    '};',
  ];
  const [a, b] = layer.inputs.length === 1 ? [layer.inputs[0], layer.inputs[0]] : layer.inputs;
  return {
    config: lines.join('\n'),
    call: `fpgac::matmul<${cfg}>(${ctx.varOf(a)}, ${ctx.varOf(b)}, ${ctx.varOf(layer.output)});`,
    constants: [],
  };
}
