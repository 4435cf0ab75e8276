/**
 * @fileoverview Renders GatherLayer, ConcatLayer and InterpLayer into config structs and calls of fpgac::gather,
 * fpgac::concat_part and fpgac::interp (hw/fpgac/movement.h).
 */
import { formatToCpp } from '../../../sim/fixed.js';
import { ELT_RANK, type ConcatLayer, type GatherLayer, type InterpLayer } from '../../ir/design.js';
import { numel } from '../../ir/graph.js';
import { constLines } from '../cpp.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

export function renderGather(layer: GatherLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  if (layer.tables.length !== ELT_RANK) throw new Error(`gather ${layer.name}: ${ELT_RANK} tables expected`);
  const fields: Record<string, number> = { n_in: numel(ctx.design.tensors[layer.inputs[0]].shape), n_out: numel(layer.outShape) };
  layer.outShape.forEach((d, k) => (fields[`d${k}`] = d));
  const tables = layer.tables.map((t) => ctx.constVarOf(t)).join(', ');
  return {
    config: [`struct ${cfg} {`, constLines(fields), `  static const long long pad = ${layer.pad}LL;`, '};'].join('\n'),
    call: `fpgac::gather<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${tables});`,
    // The same table may serve several axes (identical constants are stored once); the writer keys them by name.
    constants: [...layer.tables],
  };
}

/** One nested config struct per part (p0, p1, ...) and one fpgac::concat_part call each. */
export function renderConcat(layer: ConcatLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const total = layer.lens.reduce((a, b) => a + b, 0) * layer.inner;
  const structs: string[] = [];
  const calls: string[] = [];
  let off = 0;
  layer.parts.forEach((part, k) => {
    const len = layer.lens[k] * layer.inner;
    structs.push(`  struct p${k} {`, constLines({ outer: layer.outer, len, total, off, n_out: layer.outer * total, pf: ctx.parallel(layer.name).pfOut }).replace(/^/gm, '  '), '  };');
    calls.push(`fpgac::concat_part<${cfg}::p${k}>(${ctx.operandVar(part)}, ${ctx.varOf(layer.output)});`);
    off += len;
  });
  return {
    config: [`struct ${cfg} {`, ...structs, '};'].join('\n'),
    call: calls.join('\n'),
    constants: layer.parts.flatMap((p) => ('constant' in p ? [p.constant] : [])),
  };
}

export function renderInterp(layer: InterpLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  if (layer.index.length !== ELT_RANK || layer.weight.length !== ELT_RANK) throw new Error(`interp ${layer.name}: ${ELT_RANK} tables expected`);
  const fields: Record<string, number> = { n_in: numel(ctx.design.tensors[layer.inputs[0]].shape), n_out: numel(layer.outShape) };
  layer.outShape.forEach((d, k) => (fields[`d${k}`] = d));
  layer.taps.forEach((t, k) => (fields[`t${k}`] = t));
  const tables = [...layer.index, ...layer.weight].map((t) => ctx.constVarOf(t)).join(', ');
  return {
    config: [`struct ${cfg} {`, constLines(fields), `  static const long long pad = ${layer.pad}LL;`, `  typedef ${formatToCpp(layer.acc)} acc_t;`, '};'].join('\n'),
    call: `fpgac::interp<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${tables});`,
    constants: [...layer.index, ...layer.weight],
  };
}
