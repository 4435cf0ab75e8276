/**
 * @fileoverview Renders LutLayer / SoftmaxLayer into config structs and calls of fpgac::lut / fpgac::softmax
 * (hw/fpgac/nonlinear.h). The config carries the integer types the kernels compute indices in; their widths are
 * derived here from the formats so that no intermediate can overflow.
 */
import { fracBits, type FixedFormat } from '../../../sim/fixed.js';
import type { LutLayer, SoftmaxLayer } from '../../ir/design.js';
import { configName, type RenderContext, type RenderedLayer } from '../render.js';

/** `static const int` lines; every field here is a small integer of either sign. */
function intFields(fields: Readonly<Record<string, number>>): string[] {
  return Object.entries(fields).map(([k, v]) => {
    if (!Number.isSafeInteger(v) || Math.abs(v) >= 2 ** 31) throw new Error(`internal error: config field ${k} = ${v} is not a 32-bit integer`);
    return `  static const int ${k} = ${v};`;
  });
}

/** Bits of a non-negative integer (0 → 0). */
function bitLength(v: number): number {
  let b = 0;
  while (2 ** b <= v) b++;
  return b;
}

/** The integer type holding a format's raw: same width, same signedness (so widening sign-extends). */
function rawType(f: FixedFormat): string {
  return `${f.signed ? 'ap_int' : 'ap_uint'}<${f.width}>`;
}

function inputFormat(layer: LutLayer | SoftmaxLayer, ctx: RenderContext): FixedFormat {
  const t = ctx.design.tensors[layer.inputs[0]];
  if (!t) throw new Error(`${layer.kind} ${layer.name}: unknown input tensor ${layer.inputs[0]}`);
  return t.format;
}

export function renderLut(layer: LutLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const inF = inputFormat(layer, ctx);
  const size = layer.table.raw.length;
  if (size < 1) throw new Error(`lut ${layer.name}: empty table`);
  const shift = layer.idxShift - fracBits(inF);
  // A signed container for the raw (one more bit for an unsigned input), room for the left shift, and one bit
  // more than both it and the offset so that adding the offset cannot overflow.
  const rawBits = inF.width + (inF.signed ? 0 : 1);
  const accBits = Math.max(rawBits + Math.max(shift, 0), bitLength(Math.abs(layer.offset)) + 1, bitLength(size) + 1) + 1;
  const lines = [
    `struct ${cfg} {`,
    ...intFields({ n: layer.n, size, shift, offset: layer.offset }),
    `  typedef ${rawType(inF)} in_raw_t;`,
    `  typedef ap_int<${accBits}> idx_acc_t;`,
    `  typedef ${ctx.constTypeOf(layer.table)} table_t;`,
    '};',
  ];
  return {
    config: lines.join('\n'),
    call: `fpgac::lut<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${ctx.constVarOf(layer.table)});`,
    constants: [layer.table],
  };
}

export function renderSoftmax(layer: SoftmaxLayer, ctx: RenderContext): RenderedLayer {
  const cfg = configName(layer);
  const inF = inputFormat(layer, ctx);
  const expF = layer.expTable.format;
  const recF = layer.recipTable.format;
  const fe = fracBits(expF);
  const g = fracBits(recF);
  const rb = Math.log2(layer.recipTable.raw.length);
  const where = `softmax ${layer.name}`;
  if (expF.signed || recF.signed) throw new Error(`${where}: exp and reciprocal table formats must be unsigned`);
  if (!Number.isInteger(rb) || rb < 1 || rb > fe) throw new Error(`${where}: reciprocal table must have 2^R entries, 1 ≤ R ≤ Fe`);
  // The max contributes entry 0; only if it is exactly 1.0 is s ≥ 2^Fe, so that the leading one is at ≥ Fe ≥ R.
  if (layer.expTable.raw[0] !== 2 ** fe) throw new Error(`${where}: exp table entry 0 must be exactly 1.0`);
  const tableSize = layer.expTable.raw.length;
  const shift = layer.expShift - fracBits(inF);
  // Each entry is < 2^W_e, so len of them sum below 2^(W_e + ceil(log2 len)); s ≤ len · 2^Fe bounds the lead.
  const sumBits = expF.width + bitLength(layer.len - 1);
  const maxLead = fe + bitLength(layer.len) - 1;
  const scaledFrac = g + maxLead;
  const lines = [
    `struct ${cfg} {`,
    ...intFields({
      outer: layer.outer, len: layer.len, inner: layer.inner, table_size: tableSize, shift, exp_frac: fe, recip_bits: rb, max_lead: maxLead,
    }),
    `  typedef ${rawType(inF)} in_raw_t;`,
    // d = max − x lies in [0, 2^W): W bits unsigned, plus room for the left shift.
    `  typedef ap_uint<${inF.width + Math.max(shift, 0)}> diff_t;`,
    `  typedef ${ctx.constTypeOf(layer.expTable)} exp_t;`,
    `  typedef ap_uint<${expF.width}> exp_raw_t;`,
    `  typedef ap_uint<${sumBits}> sum_raw_t;`,
    `  typedef ${ctx.constTypeOf(layer.recipTable)} recip_t;`,
    `  typedef ap_uint<${recF.width}> recip_raw_t;`,
    // e · r · 2^(max_lead − k) ≤ 2^(max_lead − Fe) · 1.0 in raws of G + max_lead fraction bits: two integer bits.
    `  typedef ap_uint<${scaledFrac + 2}> scaled_raw_t;`,
    `  typedef ap_ufixed<${scaledFrac + 2}, 2> scaled_t;`,
    '};',
  ];
  const tables = [layer.expTable, layer.recipTable];
  return {
    config: lines.join('\n'),
    call: `fpgac::softmax<${cfg}>(${ctx.varOf(layer.inputs[0])}, ${ctx.varOf(layer.output)}, ${tables.map((t) => ctx.constVarOf(t)).join(', ')});`,
    constants: tables,
  };
}
