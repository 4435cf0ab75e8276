/**
 * @fileoverview The op definition every op module exports, and the contexts the compiler hands it.
 *
 * An op owns, in one place: attribute parsing and validation (`parse`), the shape rule (`infer`), the float
 * reference (`evaluate`, float64 math on one sample; also what constant folding runs) and, when it survives into
 * hardware, its lowering to design layers (`lower`, in src/quant/lower.ts's context).
 */
import type { DType, Graph, Node, Tensor } from '../ir/graph.js';
import type { LowerContext } from '../quant/context.js';
import type { Limits } from '../limits.js';

/** What `infer` and `parse` know about an input: its shape and type, and its value when constant. */
export interface InputInfo {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly value?: Tensor;
}

export interface OutputInfo {
  readonly shape: readonly number[];
  readonly dtype: DType;
}

/** What import knows about where a node sits, for ops that hold subgraphs (Loop). */
export interface ParseEnv {
  readonly limits: Limits;
  /** Loop bodies around the node (0 in the main graph). */
  readonly loopDepth: number;
  /** Product of the trip counts of the Loops around the node (1 in the main graph). */
  readonly enclosingTrips: number;
}

/**
 * How many inputs and outputs a node of the op may have (`max` Infinity: variadic). The first `min` inputs are
 * required (a name, not ''); so is the first output. Checked by import before `parse`, so `parse`, `infer` and
 * `evaluate` may rely on them.
 */
export interface Arity {
  readonly inputs: readonly [min: number, max: number];
  readonly outputs: readonly [min: number, max: number];
}

export interface OpDef<P = unknown> {
  readonly op: string;
  /** The op family module (ops/<family>.ts, sim/kernels/<family>.ts, hw/fpgac/<family>.h). */
  readonly family: string;
  /** Extra domains accepted besides the default ONNX domain. */
  readonly domains?: readonly string[];
  /**
   * Reads and validates attributes and input forms against the known input infos; throws a DiagnosticError
   * (FPGAC003) naming the node for anything unsupported.
   */
  parse(node: Node, ins: readonly (InputInfo | undefined)[], opset: number, scope: ReadonlyMap<string, Tensor>, env: ParseEnv): P;
  infer(node: Node, p: P, ins: readonly (InputInfo | undefined)[]): OutputInfo[];
  evaluate(node: Node, p: P, ins: readonly (Tensor | undefined)[]): Tensor[];
  /**
   * Lowers the node to design layers. Absent for ops that must disappear before lowering (Shape, Gather, ...,
   * which are only supported when constant folding removes them).
   */
  lower?(node: Node, p: P, ctx: LowerContext): void;
  readonly arity: Arity;
  /**
   * Arithmetic operations `evaluate` performs, for the fold-ops limit checked before constant folding runs it.
   * Absent: linear in the elements read and written, which bounds every op without a reduction.
   */
  foldCost?(p: P, ins: readonly (InputInfo | undefined)[], outs: readonly OutputInfo[]): number;
  /** When set, the node can only be lowered if these inputs are constant (e.g. Reshape's shape). */
  readonly constantInputs?: readonly number[];
}

export type AnyOpDef = OpDef<any>;

export type { Graph, Node, Tensor };
