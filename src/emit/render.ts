/**
 * @fileoverview The interface between the project writer and the per-family layer renderers
 * (src/emit/kernels/<family>.ts). A renderer turns one layer into a config struct and one call of its hw/ kernel:
 * the generated code stays thin, the loops and pragmas live in hw/fpgac/<family>.h.
 */
import type { ConstData, Conv2dLayer, DenseLayer, Design, ComputeLayer, Layer, Operand, Activation } from '../ir/design.js';
import { constLines } from './cpp.js';
import { formatToCpp } from '../../sim/fixed.js';
import type { SparseCode } from '../plan/sparse.js';
import type { HlsTool } from './pragmas.js';
import type { PackMode } from '../plan/packing.js';
import type { StreamPlan } from '../plan/stream.js';
import type { BandRole } from '../plan/bands.js';

export interface RenderContext {
  readonly design: Design;
  /** typedef name of a tensor's element type. */
  typeOf(tensor: string): string;
  /** C array variable holding a tensor. */
  varOf(tensor: string): string;
  /** typedef name of a constant's element type (declared with its weights header). */
  constTypeOf(c: ConstData): string;
  /** C array variable holding a constant. */
  constVarOf(c: ConstData): string;
  /** Array variable for an element-wise operand. */
  operandVar(op: Operand): string;
  /** The plan's parallel factors for a layer (1 × 1 when unplanned): inputs and outputs per cycle. */
  parallel(layer: string): Parallelism;
  /** The HLS tool the pragmas are spelled for (Vitis when unplanned). */
  readonly tool?: HlsTool;
}

export interface Parallelism {
  readonly pfIn: number;
  readonly pfOut: number;
  /** Pixel lanes of a conv's engines (1 when absent). */
  readonly pfPx?: number;
  /** Two products a DSP slice (src/plan/packing.ts), when the plan packs. */
  readonly pack?: PackMode;
  /** The sparse encoding the layer reads (src/plan/sparse.ts), when the plan chose one. */
  readonly sparse?: SparseCode;
  /** The layer's weights come from DDR (src/plan/stream.ts), when the plan streams them. */
  readonly stream?: StreamPlan;
  /** The layer computes or reads a map in row bands (src/plan/bands.ts). */
  readonly band?: BandRole;
  /** Thresholds after the accumulator, written to the absorbed unary's output (src/plan/thresholds.ts). */
  readonly thresholds?: { readonly thresholds: readonly number[]; readonly levels: readonly number[]; readonly output: string };
  /** A unary layer a MAC layer's thresholds absorbed: it emits nothing. */
  readonly fused?: boolean;
}

/**
 * Config lines of thresholds after the accumulator (hw/fpgac/common.h finish): their count, the accumulator raws
 * and the output raws, as static functions over constant arrays (every index a compile-time constant once unrolled).
 */
export function thresholdLines(t: NonNullable<Parallelism['thresholds']>): string[] {
  const list = (v: readonly number[]) => v.map((x) => `${x}LL`).join(', ');
  return [
    `  static const int n_thr = ${t.thresholds.length}; // thresholds after the accumulator (src/plan/thresholds.ts)`,
    `  static long long thr(int i) { static const long long t[${t.thresholds.length}] = {${list(t.thresholds)}}; return t[i]; }`,
    `  static long long level(int i) { static const long long v[${t.levels.length}] = {${list(t.levels)}}; return v[i]; }`,
  ];
}

export interface RenderedLayer {
  /** A complete `struct cfg_<layer> { ... };` definition. */
  readonly config: string;
  /** One C++ statement calling the kernel. */
  readonly call: string;
  /** Constants this layer reads; the writer emits one weights header per constant. */
  readonly constants: readonly ConstData[];
  /** Row bands: the band buffer the call names (partitioned as `map` would be), declared by the calling scope. */
  readonly band?: { readonly name: string; readonly type: string; readonly words: number; readonly map: string };
  /** Weights from DDR: the two tile buffers the call names, declared by the scope that makes the call. */
  readonly tiles?: { readonly names: readonly string[]; readonly type: string; readonly words: number };
}

/** The weight image's port: the top function's parameter the streaming kernels read (hw/fpgac/stream.h). */
export const WEIGHT_PORT = 'fpgac_wimg';
/** Its word type (defines.h). */
export const WEIGHT_WORD_T = 'fpgac_word_t';

/**
 * Config lines and arguments of a streamed MAC layer: the word and weight widths, the layer's first word in the
 * image, and the two tile buffers (named after the layer; the plan's placement `<layer>_wtile` gives their pragmas).
 */
export function streamParts(layer: Conv2dLayer | DenseLayer, s: StreamPlan): { fields: Record<string, number>; types: string[]; args: string[]; tiles: NonNullable<RenderedLayer['tiles']> } {
  const names = s.buffers;
  return {
    fields: { word_bits: s.wordBits, weight_bits: s.weightBits, w_offset: s.offset },
    types: [`  typedef ${WEIGHT_WORD_T} word_t; // weights from DDR: ${s.tiles} tiles of ${s.tileElems}`],
    args: [WEIGHT_PORT, ...names],
    tiles: { names, type: formatToCpp(layer.weight.format), words: s.bufferWords },
  };
}

export type LayerRenderer<L extends ComputeLayer> = (layer: L, ctx: RenderContext) => RenderedLayer;

export function configName(layer: Layer): string {
  return `cfg_${layer.name}`;
}

/** Config fields every kernel with a fused activation reads (see fpgac::finish in hw/fpgac/common.h). */
export function actFields(act: Activation): string {
  const code = act.kind === 'relu' ? 'fpgac::ACT_RELU' : act.kind === 'clip' ? 'fpgac::ACT_CLIP' : act.kind === 'leaky' ? 'fpgac::ACT_LEAKY' : 'fpgac::ACT_NONE';
  const lo = act.kind === 'clip' ? act.lo : 0;
  const hi = act.kind === 'clip' ? act.hi : 0;
  // leaky_t/leaky_raw: the slope of a leaky activation, a 2-bit stand-in otherwise (fpgac::finish names them).
  const leakyType = act.kind === 'leaky' ? formatToCpp(act.alpha.format) : 'ap_int<2>';
  const leakyRaw = act.kind === 'leaky' ? act.alpha.raw : 0;
  return `  static const int act = ${code};\n${constLines({ clip_lo: lo, clip_hi: hi }).replace(/static const int (clip_\w+) = (-?\d+);/g, 'static const long long $1 = $2LL;')}` +
    `\n  typedef ${leakyType} leaky_t;\n  static const long long leaky_raw = ${leakyRaw}LL;`;
}

/**
 * accs_t (and shift_t) of a MAC layer's config: the accumulator with the per-channel shift's extra fraction bits,
 * or acc_t itself when the layer has no shift (the kernel names accs_t either way).
 */
export function shiftTypes(layer: { acc: import('../../sim/fixed.js').FixedFormat; shift?: import('../ir/design.js').ChannelShift }, ctx: RenderContext): string[] {
  if (!layer.shift) return ['  typedef acc_t accs_t;'];
  return [`  typedef ${formatToCpp(layer.shift.accs)} accs_t; // acc_t with room for the per-channel shift`, `  typedef ${ctx.constTypeOf(layer.shift.k)} shift_t;`];
}
