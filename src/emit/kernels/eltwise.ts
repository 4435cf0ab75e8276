/**
 * @fileoverview Renders EltwiseLayer / UnaryLayer into config structs and calls of fpgac::eltwise /
 * fpgac::unary (hw/fpgac/eltwise.h).
 */
import { ELT_RANK, eltwiseIsFlat, shiftedFormat, type EltwiseLayer, type Operand, type UnaryLayer } from '../../ir/design.js';
import { numel } from '../../ir/graph.js';
import { cppComment } from '../../util/escape.js';
import { formatToCpp } from '../../../sim/fixed.js';
import { constLines } from '../cpp.js';
import { actFields, configName, type RenderContext, type RenderedLayer } from '../render.js';

const OP_CODES = { add: 'fpgac::ELT_ADD', sub: 'fpgac::ELT_SUB', mul: 'fpgac::ELT_MUL', max: 'fpgac::ELT_MAX', min: 'fpgac::ELT_MIN' } as const;

/** Element count of an operand's array (the kernel's a_len / b_len). */
function operandLength(op: Operand, ctx: RenderContext): number {
  return 'tensor' in op ? numel(ctx.design.tensors[op.tensor].shape) : op.constant.raw.length;
}

/** `prefix0 .. prefix5` fields from a rank-6 list. */
function rank6(prefix: string, values: readonly number[], what: string): Record<string, number> {
  if (values.length !== ELT_RANK) throw new Error(`internal error: ${what} has rank ${values.length}, ${ELT_RANK} expected`);
  return Object.fromEntries(values.map((v, k) => [`${prefix}${k}`, v]));
}

export function renderEltwise(layer: EltwiseLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const n = numel(layer.outShape);
  const lens = { a_len: operandLength(layer.a, ctx), b_len: operandLength(layer.b, ctx) };
  // Without axis broadcasting the lane kernel runs the plan's lanes (pf_out); otherwise the general 6-D kernel.
  const flat = eltwiseIsFlat(layer);
  const fields = flat ? { n, ...lens, pf: ctx.parallel(layer.name).pfOut } : {
    n, ...lens,
    ...rank6('d', layer.outShape, `${layer.name}.outShape`),
    ...rank6('as', layer.aStrides, `${layer.name}.aStrides`),
    ...rank6('bs', layer.bStrides, `${layer.name}.bStrides`),
  };
  const config = [
    `struct ${cfg} {`,
    `  static const int op = ${OP_CODES[layer.op]};`,
    constLines(fields),
    actFields(layer.act),
    '};',
  ].join('\n');
  const constants = [layer.a, layer.b].flatMap((o) => ('constant' in o ? [o.constant] : []));
  return {
    config,
    call: `fpgac::${flat ? 'eltwise_lanes' : 'eltwise'}<${cfg}>(${ctx.operandVar(layer.a)}, ${ctx.operandVar(layer.b)}, ${ctx.varOf(layer.output)});`,
    // Both operands may be the same constant; the writer keys constants by name, so a duplicate is harmless.
    constants,
  };
}

export function renderUnary(layer: UnaryLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  return {
    config: [
      `struct ${cfg} {`,
      constLines({ n: layer.n, shift: layer.shift ?? 0, pf: ctx.parallel(layer.name).pfOut }),
      // The input type with its binary point moved by shift: reading the same bits as x · 2^shift.
      `  typedef ${formatToCpp(shiftedFormat(ctx.design.tensors[layer.inputs[0]].format, layer.shift ?? 0))} shifted_t;`,
      actFields(layer.act),
      '};',
    ].join('\n'),
    // Absorbed by the MAC layer before it (thresholds after its accumulator, src/plan/thresholds.ts).
    call: ctx.parallel(layer.name).fused ? `// ${cppComment(`${layer.name}: computed by the thresholds of the layer before`)}` : `fpgac::unary<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)});`,
    constants: [],
  };
}
