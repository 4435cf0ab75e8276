/**
 * @fileoverview Renders DenseLayer / MatMulLayer into config structs and calls of fpgac::dense / fpgac::matmul
 * (hw/fpgac/dense.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import type { DenseLayer, MatMulLayer } from '../../ir/design.js';
import { constLines } from '../cpp.js';
import { actFields, configName, shiftTypes, streamParts, thresholdLines, type RenderContext, type RenderedLayer } from '../render.js';
import { productConfig } from '../pragmas.js';
import { lutProducts } from '../../kinds/mac.js';
import { packConfig } from '../../plan/packing.js';

export function renderDense(layer: DenseLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const par = ctx.parallel(layer.name);
  const sp = par.sparse;
  // Weights from DDR (src/plan/stream.ts): no weights header; the config names the weight type itself.
  const st = par.stream && streamParts(layer, par.stream);
  const lines = [
    `struct ${cfg} {`,
    constLines({ rows: layer.rows, n_in: layer.nIn, n_out: layer.nOut, pf_in: par.pfIn, pf_out: par.pfOut, ...packConfig(ctx.design, layer, par.pack), ...(sp ? { steps: sp.steps } : {}), ...st?.fields }),
    `  typedef ${st ? formatToCpp(layer.weight.format) : ctx.constTypeOf(sp ? sp.values : layer.weight)} weight_t;`,
    ...(st ? st.types : []),
    ...(sp ? [`  typedef ${ctx.constTypeOf(sp.index)} index_t;`, `  typedef ${ctx.constTypeOf(sp.control)} last_t;`] : []),
    ...(layer.bias ? [`  typedef ${ctx.constTypeOf(layer.bias)} bias_t;`] : []),
    `  typedef ${formatToCpp(layer.acc)} acc_t;`,
    ...shiftTypes(layer, ctx),
    // The plan's product binding: low-bit products in LUTs (the same rule the estimate charges).
    ...productConfig(ctx.tool ?? 'vitis', lutProducts(ctx.design, layer)),
    actFields(layer.act),
    ...(par.thresholds ? thresholdLines(par.thresholds) : []),
    '};',
  ];
  // Sparse: values, lane indices and last-step flags replace the dense weight array (hw/fpgac/dense.h).
  const weights = st ? [] : sp ? [sp.values, sp.index, sp.control] : [layer.weight];
  const consts = [...weights, ...(layer.bias ? [layer.bias] : []), ...(layer.shift ? [layer.shift.k] : [])];
  // Thresholds: the output is the absorbed unary layer's array.
  const args = [ctx.varOf(layer.inputs[0]), ctx.varOf(par.thresholds?.output ?? layer.output), ...(st ? st.args : []), ...consts.map((c) => ctx.constVarOf(c))];
  return {
    config: lines.join('\n'),
    call: `fpgac::${st ? 'dense_stream' : sp ? 'dense_sparse' : 'dense'}<${cfg}>(${args.join(', ')});`,
    constants: consts,
    ...(st ? { tiles: st.tiles } : {}),
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
