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

/**
 * Import (src/passes/infer.ts) of a subgraph, handed to ops that hold one (Loop) so that no op module imports the
 * passes that import the op registry.
 */
export type InferSubgraph = (g: Graph, opts: { readonly limits: Limits; readonly loopDepth: number; readonly enclosingTrips: number }) => Graph;

/** What import knows about where a node sits, for ops that hold subgraphs (Loop). */
export interface ParseEnv {
  readonly limits: Limits;
  /** Loop bodies around the node (0 in the main graph). */
  readonly loopDepth: number;
  /** Product of the trip counts of the Loops around the node (1 in the main graph). */
  readonly enclosingTrips: number;
  /** Imports a body graph under these limits (inferAndFold, passed in by import itself). */
  readonly inferSubgraph: InferSubgraph;
}

/**
 * How `evaluate` runs a subgraph (the float reference, src/reference.ts, passed in by whoever evaluates), for ops
 * that hold one (Loop, LoopRegion): the outputs of `g` on `inputs`.
 */
export interface EvalEnv {
  runSubgraph(g: Graph, inputs: readonly ArrayLike<number>[]): Tensor[];
}

/**
 * How many inputs and outputs a node of the op may have (`max` Infinity: variadic). The first `min` inputs are
 * required (a name, not ''); so is the first output. Checked by import before `parse`, so `parse`, `infer` and
 * `evaluate` may rely on them.
 */
/**
 * What `upgrade` makes of a node written in an older opset's form: the nodes (in order) import reads instead, and
 * the new constants they use.
 */
export interface Upgrade {
  readonly nodes: readonly Node[];
  readonly constants?: ReadonlyMap<string, Tensor>;
}

/** Unused names for the values and nodes an `upgrade` adds (`base`, or `base_1`, `base_2`, ...). */
export type FreshName = (base: string) => string;

export interface Arity {
  readonly inputs: readonly [min: number, max: number];
  readonly outputs: readonly [min: number, max: number];
}

/**
 * An op's definition, typed by its params `P` and its op type `Op` (a literal: the registry derives the params of
 * every op from its list, see OpParams in registry.ts).
 */
export interface OpDef<P = unknown, Op extends string = string> {
  readonly op: Op;
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
  evaluate(node: Node, p: P, ins: readonly (Tensor | undefined)[], env: EvalEnv): Tensor[];
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
  /** The first ai.onnx opset that defines the op (absent: 1); a model importing an older opset cannot use it. */
  readonly since?: number;
  /**
   * Rewrites a node in an older opset's form that params alone cannot express (legacy broadcasting along `axis`,
   * per-activation BatchNormalization) into nodes of the current form; import runs it before `parse` and imports
   * the result in the node's place. Undefined: the node is parsed as it is. The result must not need upgrading
   * again, since import runs again on the graphs passes make.
   */
  upgrade?(node: Node, ins: readonly (InputInfo | undefined)[], opset: number, fresh: FreshName): Upgrade | undefined;
  /**
   * The variants of the op fpgac refuses on purpose, each with its reason: docs/ops.md lists them, and the ONNX node
   * conformance test accepts a rejected node test of the op only when its diagnostic matches one of them.
   */
  readonly unsupported?: readonly Unsupported[];
}

/** A refused variant of an op: what it is, why, and the diagnostic message that refuses it. */
export interface Unsupported {
  readonly variant: string;
  readonly reason: string;
  readonly diagnostic: RegExp;
}

export type AnyOpDef = OpDef<any, string>;

/**
 * The params an earlier parse of `node` produced, as passes left them (a fused activation, a bound Loop body), for a
 * `parse` that keeps them when import runs again. Typed by the op's own definition; the node must be of that op.
 */
export function earlierParams<P>(node: Node, def: OpDef<P, string>): P | undefined {
  if (node.op !== def.op) throw new Error(`internal error: node '${node.name}' is ${node.op}, parsed as ${def.op}`);
  return node.params as P | undefined;
}

export type { Graph, Node, Tensor };
