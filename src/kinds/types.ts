/**
 * @fileoverview What a design layer kind must define, in one object (src/kinds/<kind>.ts). The kind table
 * (index.ts) is typed so that a kind missing from it, or a definition missing any part, does not compile; the
 * planner, emitter, simulator and reports reach every kind-specific rule through it and hold no switch over kinds.
 *
 * The layer's exact semantics stay on its type in src/ir/design.ts (the design IR, design.json); the big per-family
 * code stays in its family files (sim/kernels/<family>.ts, src/emit/kernels/<family>.ts, hw/fpgac/<family>.h,
 * building blocks in src/plan/estimate.ts and timing.ts). A definition wires the kind to all of them and holds the
 * kind's own formulas.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { SimKernel } from '../../sim/kernels/common.js';
import type { ComputeKind, ComputeLayer, ConstData, Design, LayerConstant } from '../ir/design.js';
import type { LayerRenderer } from '../emit/render.js';
import type { BankNeeds, StoredConstant } from '../plan/banks.js';
import type { ComputeEstimate, Parallel } from '../plan/estimate.js';
import type { FamilyDelays, TimedOp } from '../plan/timing.js';
import type { PackMode } from '../plan/packing.js';
import type { StreamShape } from '../plan/stream.js';

/** The sequential schedule (src/plan/plan.ts): each layer a pipelined loop at its parallel factors. */
export interface SequentialRules<L extends ComputeLayer> {
  /** The parallel factors the kernel accepts, fewest multipliers (or lanes) first; the planner grows along them. */
  parallelChoices(l: L): readonly Parallel[];
  /** Resources and latency at parallel factors `par` (src/plan/estimate.ts has the building blocks). */
  estimate(design: Design, l: L, par: Parallel): ComputeEstimate;
  /** Banks the kernel's parallel accesses need on its input and output feature maps. */
  banks(l: L, p: Parallel, e: ComputeEstimate): BankNeeds;
  /** The constants as the kernel reads them (a sparse encoding instead of the weights), with their banks. */
  stored(l: L, p: Parallel, e: ComputeEstimate): StoredConstant[];
  /**
   * Two products in one DSP slice on `part` (src/plan/packing.ts), when the kernel can pack them at these factors;
   * kinds whose kernels never pack leave it out.
   */
  packing?(design: Design, l: L, p: Parallel, e: ComputeEstimate, part: string): PackMode | undefined;
  /**
   * The tiles the kernel streams when its weights come from DDR (src/plan/stream.ts); kinds whose kernels cannot
   * stream leave it out.
   */
  stream?(l: L, p: Parallel): StreamShape;
}

/** The pipelined schedule (src/plan/pipelined.ts): the whole design one pipeline at II = 1, every loop unrolled. */
export interface PipelinedRules<L extends ComputeLayer> {
  /** Multipliers, DSPs and LUTs fully unrolled (pipeline registers come from the schedule). */
  resources(design: Design, l: L): ComputeEstimate;
  /** The critical path fully unrolled, for HLS-style operation chaining (src/plan/timing.ts). */
  path(design: Design, l: L, d: FamilyDelays, inBram: (constant: string) => boolean): TimedOp[];
  /** Reads of table `c` one inference makes in parallel (0 when the layer does not read it): its ROM copies. */
  tableReads(l: L, c: ConstData): number;
}

/** What the layer's rows in report.json / report.md say beyond the fields every layer has (src/report.ts). */
export interface ReportRules<L extends ComputeLayer> {
  /** The kind column: the kind, with its variant where it has one ('eltwise:add', 'pool2d:max'). */
  label(l: L): string;
  /** Formats besides input and output, in report order (weight, bias, accumulator). */
  formats(l: L): Readonly<Record<string, FixedFormat>>;
  /** A MAC layer's weights, which the zero-weight and flushed-weight warnings check (null: not a MAC layer with weights). */
  macWeight(l: L): ConstData | null;
  /** The plan's parallel factors as the report shows them ('4x2' for pf_in x pf_out, or the lanes). */
  parallelText(p: Parallel): string;
}

export interface KindDef<L extends ComputeLayer> {
  readonly kind: L['kind'];
  /** What it computes, in one line (docs/ops.md); the exact semantics are on the layer's type. */
  readonly doc: string;
  /** The kernel family: sim/kernels/<family>.ts, src/emit/kernels/<family>.ts and hw/fpgac/<family>.h. */
  readonly family: string;
  /** Every constant the layer reads, with its role: what the emitter stores, the plan places, reports count. */
  constants(l: L): LayerConstant[];
  /** Multiply-accumulates per run (0 for layers that only move, compare or look up values). */
  macs(l: L): number;
  /** The simulator kernel (the executable definition of the kind). */
  readonly simulate: SimKernel<L>;
  /** The emitter's renderer: a config struct and one call of the hw/fpgac/<family>.h kernel. */
  readonly render: LayerRenderer<L>;
  readonly sequential: SequentialRules<L>;
  readonly pipelined: PipelinedRules<L>;
  readonly report: ReportRules<L>;
}

/** One definition per compute kind: a kind without one, or an extra one, is a compile error. */
export type KindTable = { readonly [K in ComputeKind]: KindDef<Extract<ComputeLayer, { kind: K }>> };
