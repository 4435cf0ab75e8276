/**
 * @fileoverview The hardware plan: where every weight and feature map lives on chip, how parallel each layer is,
 * and the resource and latency estimate, before any HLS run. It is part of report.json (`plan`) and drives the
 * pragmas the emitter writes.
 */

export type MemKind = 'registers' | 'lutram' | 'bram18' | 'bram36' | 'uram';

/**
 * How the layers run. 'sequential': one after another, each kernel a pipelined loop at its parallel factors, so
 * the design's II is its latency. 'pipelined': the whole top function is one pipeline at II = 1 (every layer fully
 * parallel, every loop unrolled, every array partitioned), for designs small enough to unroll. 'dataflow': every
 * top-level layer and loop region a concurrent process connected by ping-pong buffers, so the II is the slowest
 * process (src/plan/dataflow.ts).
 */
export type Schedule = 'sequential' | 'pipelined' | 'dataflow';

/** The resources a plan counts against the device. */
export type Resource = 'dsp' | 'lut' | 'ff' | 'bram18' | 'uram';

/** Share of each resource (0..1] the planner may fill (`--max-utilization`; src/plan/totals.ts defaultBudget). */
export type UtilizationBudget = Readonly<Record<Resource, number>>;

/**
 * The fit verdict: within the budget; over the budget but within the device (built, with a warning: place and
 * route may fail); over the device (FPGAC010 unless --allow-overflow).
 */
export type FitVerdict = 'within-budget' | 'over-budget' | 'over-device';

export interface BoardResources {
  readonly name: string;
  readonly part: string;
  readonly clockMHz: number;
  readonly lut: number;
  readonly ff: number;
  readonly dsp: number;
  /** Block RAM counted in 18 Kb halves (a BRAM36 is 2). */
  readonly bram18: number;
  readonly uram: number;
  /** Where the figures come from (data sheet / product table). */
  readonly source: string;
}

/** One on-chip memory: a weight (or table) constant, or a feature-map buffer. */
export interface MemoryPlacement {
  readonly name: string; // constant or tensor name in the design
  readonly role: 'weight' | 'table' | 'feature';
  readonly kind: MemKind;
  /** Words × bits of the logical array, after partitioning into `banks` independent memories. */
  readonly words: number;
  readonly bits: number;
  readonly banks: number;
  /** Primitives allocated (BRAM18 or URAM blocks; LUTs for lutram/registers are in the layer estimate). */
  readonly blocks: number;
  /** How the banks split a constant: 'cyclic' (element i in bank i mod banks) or 'block' (contiguous runs). */
  readonly layout?: 'cyclic' | 'block';
  /** Reshaped constants: this many consecutive elements side by side in one word (one bank; see placeConstant). */
  readonly reshape?: number;
  /** Copies of a table read by many lanes at once (pipelined schedule): blocks counts them all. */
  readonly copies?: number;
  /** Bits of the blocks allocated (for packing efficiency). */
  readonly capacityBits: number;
  /** Feature maps whose lifetimes do not overlap share a memory: the names that reuse this one. */
  readonly sharedWith?: readonly string[];
}

export interface LayerEstimate {
  readonly name: string;
  readonly kind: string;
  /** Multipliers time-shared per cycle: 1 is fully parallel, n means each multiplier does n products. */
  readonly reuse: number;
  /**
   * The kernel's parallel factors: dense pf_in x pf_out, conv engines (pf_out) x pixel lanes (pf_px), element-wise
   * and pool lanes (pf_out).
   */
  readonly parallel?: { readonly pfIn: number; readonly pfOut: number; readonly pfPx?: number };
  readonly multipliers: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly bram18: number;
  readonly uram: number;
  /** Cycles from first input to last output of one run, and the initiation interval between runs. */
  readonly latency: number;
  readonly ii: number;
  /** How many times the layer runs per inference (loop regions). */
  readonly runs: number;
  /** Fully parallel layers: products that need no DSP because their constant weight is 0 or ±2^k. */
  readonly constantWeights?: { readonly zeros: number; readonly powersOfTwo: number; readonly general: number };
  /** MAC layers: how the weights are held (constant-folded, sparse or dense) and why. */
  readonly weights?: {
    readonly storage: 'constant-folded' | 'sparse' | 'dense' | 'streamed';
    readonly weights: number; readonly zeros: number; readonly stored: number; readonly why: string;
  };
  /** Weights from DDR (src/plan/stream.ts): cycles per tile to load and to compute; DDR-bound when loading is longer. */
  readonly stream?: { readonly tiles: number; readonly loadCycles: number; readonly computeCycles: number; readonly ddrBound: boolean };
}

export interface PlanTotals {
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly bram18: number;
  readonly uram: number;
  readonly latencyCycles: number;
  readonly iiCycles: number;
  readonly latencyUs: number;
  readonly throughputFps: number;
}

export interface Plan {
  readonly board: BoardResources;
  readonly clockMHz: number;
  readonly schedule: Schedule;
  /** Pipelined schedule: the delay model's device family and the ns of logic a cycle may hold. */
  readonly timing?: { readonly family: string; readonly budgetNs: number; readonly uncertainty: number };
  readonly layers: readonly LayerEstimate[];
  readonly memories: readonly MemoryPlacement[];
  readonly totals: PlanTotals;
  /** Share of the board used, per resource (0..1+). */
  readonly utilization: { readonly dsp: number; readonly lut: number; readonly ff: number; readonly bram18: number; readonly uram: number };
  /** Constant bits / bits of the block memories (BRAM18, URAM) allocated to constants (1 when none are). */
  readonly packingEfficiency: number;
  /** Within the device (every utilization ≤ 1). */
  readonly fits: boolean;
  /** The utilization budget the planner filled (set by planDesign; absent on a plan evaluated without one). */
  readonly budget?: UtilizationBudget;
  /** Budget minus utilization per resource, as a share of the device (negative: over the budget). */
  readonly margin?: UtilizationBudget;
  readonly verdict?: FitVerdict;
  /** How the estimate is computed, in one paragraph (shown in the reports). */
  readonly estimateModel: string;
  /**
   * Weights from DDR (src/plan/stream.ts): the weight image's size in words of `wordBits`, how many layers read it,
   * and the DDR bandwidth the estimate assumed (with its source).
   */
  readonly weightImage?: { readonly words: number; readonly wordBits: number; readonly layers: number; readonly ddrGBps: number | null; readonly ddrSource: string };
  /** Results of an HLS run merged in (`--synth`), when one happened. */
  readonly synthesis?: SynthesisReport;
}

/** What a Vivado/Vitis HLS csynth report says (parsed from csynth.xml or csynth.rpt). */
export interface SynthesisReport {
  readonly tool: string; // e.g. "Vivado HLS 2020.1"
  readonly part: string;
  readonly clockNs: number;
  readonly estimatedClockNs: number;
  readonly latencyMin: number;
  readonly latencyMax: number;
  readonly intervalMin: number;
  readonly intervalMax: number;
  readonly resources: { readonly bram18: number; readonly dsp: number; readonly ff: number; readonly lut: number; readonly uram: number };
  readonly available: { readonly bram18: number; readonly dsp: number; readonly ff: number; readonly lut: number; readonly uram: number };
  /** Per-instance rows of the report's instance table, when present. */
  readonly instances: readonly { readonly name: string; readonly module: string; readonly bram18: number; readonly dsp: number; readonly ff: number; readonly lut: number; readonly uram: number }[];
}
